/**
 * Training a decoder on a trained JEPA: steps sampled from a dataset with images, their latents from
 * the JEPA's encoder (of the images for an image JEPA, of the observations for a vector JEPA), and
 * the decoder taught to turn those latents into the steps' images. The encoder is
 * frozen: latents are computed outside the optimiser's tape and only the decoder's variables are
 * optimised, so the world model comes out of it bit for bit as it went in.
 *
 * The loss is per-pixel binary cross-entropy on the decoder's logits, with the pixel values in
 * [0, 1] as soft targets. Its gradient through the output sigmoid is `p - y` whatever the logit,
 * where squared error's is scaled by `p (1 - p)` and vanishes on the saturated dark background
 * that most of a frame is; the squared error is reported beside it, as the evaluation measures it.
 *
 * @module
 */
import { checkInterruption, decodeConfigSync, InvalidValueError, Random, withDefaults } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import type { Dataset } from "../data/Dataset.js"
import type { JepaModel } from "../jepa/Jepa.js"
import { nextTurn } from "../training/NextTurn.js"
import { minimizeWithTerms, TrainingDivergedError, termsOptimizer } from "../training/Training.js"
import type { Decoder } from "./Decoder.js"

const count = Schema.Int.check(Schema.isGreaterThan(0))

/** Decoder training options, as a Schema (every field optional). */
export const DecoderTrainingOptions = Schema.Struct({
  /** Training epochs. */
  epochs: Schema.optional(count),
  /** Optimisation steps per epoch. */
  stepsPerEpoch: Schema.optional(count),
  /** Frames per optimisation step. */
  batchSize: Schema.optional(count),
  /** Adam's learning rate. */
  learningRate: Schema.optional(Schema.Number.check(Schema.isGreaterThan(0))),
  /** Seed of the random stream frames are sampled from. */
  seed: Schema.optional(Schema.Int)
})

/** Decoded decoder training options with defaults. */
export interface DecoderTrainingConfig {
  /** Training epochs. */
  readonly epochs: number
  /** Optimisation steps per epoch. */
  readonly stepsPerEpoch: number
  /** Frames per optimisation step. */
  readonly batchSize: number
  /** Adam's learning rate. */
  readonly learningRate: number
  /** Seed of the random stream frames are sampled from. */
  readonly seed: number
}

/** The defaults. */
export const defaultDecoderTrainingConfig: DecoderTrainingConfig = {
  epochs: 5,
  stepsPerEpoch: 100,
  batchSize: 32,
  learningRate: 3e-3,
  seed: 0
}

/**
 * Decodes decoder training options, filling defaults; a bad option is a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * decoderTrainingConfig({ epochs: 2 }).batchSize // 32
 * ```
 */
export const decoderTrainingConfig = (
  options: typeof DecoderTrainingOptions.Encoded = {}
): DecoderTrainingConfig =>
  withDefaults(
    defaultDecoderTrainingConfig,
    decodeConfigSync(DecoderTrainingOptions, options, "decoder training options")
  )

/** One epoch of decoder training. */
export interface DecoderEpochRecord {
  /** 1-based. */
  readonly epoch: number
  /** Per-pixel binary cross-entropy, averaged over the epoch's steps (the minimised loss). */
  readonly loss: number
  /** Per-pixel squared error of the decoded training frames, averaged over the epoch's steps. */
  readonly meanSquaredError: number
  /** Wall-clock seconds of the epoch. */
  readonly seconds: number
}

/** Hooks of a decoder training run. */
export interface DecoderTrainingHooks {
  /** After every optimisation step: steps done, steps in all, and the step's loss. */
  readonly onStep?: (done: number, total: number, loss: number) => void
  /** After every epoch, e.g. to save a checkpoint; awaited before the next epoch starts. */
  readonly onEpoch?: (record: DecoderEpochRecord) => void | Promise<void>
}

/** Frames sampled from a dataset and the frozen encoder's latents of the same steps. */
export interface DecoderBatch {
  /** The frames, `[N, C, H, W]` in [0, 1]. */
  readonly images: tf.Tensor4D
  /** The latents of their steps (of the images or the observations, as the JEPA reads), `[N, latentSize]`, computed without gradient. */
  readonly latents: tf.Tensor2D
}

/**
 * Checks that a decoder reads the JEPA's latents, that the dataset holds images of the decoder's
 * shape, and that it holds what the JEPA reads: for an image JEPA, images of its observation's
 * shape (the decoder then outputs what the JEPA sees); for a vector JEPA, observations of its size
 * (the decoder then draws the environment's image of the state the JEPA read). An
 * `InvalidValueError` naming the field that disagrees otherwise: `decoder.latentSize`, `dataset`
 * (no images), `dataset.imageShape`, `decoder.image` or `dataset.observationSize`.
 *
 * @example
 * ```ts
 * checkDecoderFits(decoder, jepa, dataset) // throws on a 16-latent decoder for a 32-latent JEPA
 * ```
 */
export const checkDecoderFits = (decoder: Decoder, jepa: JepaModel, dataset: Dataset): void => {
  const observation = jepa.config.observation
  const image = decoder.config.image
  if (jepa.config.latentSize !== decoder.config.latentSize) {
    throw new InvalidValueError({
      field: "decoder.latentSize",
      expected: `the world model's latent size ${jepa.config.latentSize}`,
      received: String(decoder.config.latentSize)
    })
  }
  const shape = (channels: number, height: number, width: number) => `${channels} x ${height} x ${width}`
  const decoded = shape(image.channels, image.height, image.width)
  if (observation.kind === "image") {
    const observed = shape(observation.channels, observation.height, observation.width)
    if (decoded !== observed) {
      throw new InvalidValueError({
        field: "decoder.image",
        expected: `the world model's observation ${observed}`,
        received: decoded
      })
    }
  }
  if (dataset.imageShape === undefined) {
    throw new InvalidValueError({
      field: "dataset",
      expected: "images (collect with --obs pixels) to train or evaluate a decoder on",
      received: "a dataset without images"
    })
  }
  const stored = shape(...dataset.imageShape)
  if (stored !== decoded) {
    throw new InvalidValueError({ field: "dataset.imageShape", expected: decoded, received: stored })
  }
  if (observation.kind === "vector" && dataset.observationSize !== observation.size) {
    throw new InvalidValueError({
      field: "dataset.observationSize",
      expected: `the world model's observation size ${observation.size}`,
      received: String(dataset.observationSize)
    })
  }
}

/**
 * Samples `size` steps (windows of one step, uniformly among every step) and encodes what the
 * JEPA reads of them (the images for an image JEPA, the observations for a vector JEPA) with its
 * encoder, outside any gradient tape; the images are the decoder's targets. Fails as
 * {@link checkDecoderFits} does. The tensors are the caller's to dispose.
 *
 * @example
 * ```ts
 * const { images, latents } = sampleDecoderBatch(decoder, jepa, dataset, 16, Random.fromSeed(0))
 * tf.dispose([images, latents])
 * ```
 */
export const sampleDecoderBatch = (
  decoder: Decoder,
  jepa: JepaModel,
  dataset: Dataset,
  size: number,
  rng: Random
): DecoderBatch => {
  checkDecoderFits(decoder, jepa, dataset)
  const { channels, height, width } = decoder.config.image
  const sample = dataset.sampleSubsequences(size, 0, rng)
  return tf.tidy(() => {
    const images = tf
      .tensor(sample.images as Uint8Array, [size, channels, height, width], "int32")
      .toFloat()
      .div(255) as tf.Tensor4D
    const read =
      jepa.config.observation.kind === "image"
        ? images
        : tf.tensor2d(sample.observations, [size, dataset.observationSize])
    return { images, latents: jepa.encoder.encode(read) }
  })
}

/**
 * Trains `decoder` to draw the images of `dataset`'s steps from the latents `jepa`'s encoder gives
 * them (of the images or of the observations, as the JEPA reads), the encoder staying frozen. Seeded: the same decoder seed, options and data give the same weights. A
 * non-finite loss stops it with `TrainingDivergedError`; a stop request (`requestInterruption`)
 * with `InterruptedError` between epochs.
 *
 * @example
 * ```ts
 * const decoder = createDecoder({ latentSize: 32, image: { channels: 2, height: 64, width: 64 },
 *   hidden: [256], upsampleFactors: [4, 4], upsampleChannels: [32, 16] }, 0)
 * const history = await trainDecoder(decoder, jepa, dataset, { epochs: 10, stepsPerEpoch: 200 })
 * history.at(-1)?.meanSquaredError
 * ```
 */
export const trainDecoder = async (
  decoder: Decoder,
  jepa: JepaModel,
  dataset: Dataset,
  options: typeof DecoderTrainingOptions.Encoded = {},
  hooks: DecoderTrainingHooks = {}
): Promise<ReadonlyArray<DecoderEpochRecord>> => {
  const config = decoderTrainingConfig(options)
  checkDecoderFits(decoder, jepa, dataset)
  const rng = Random.fromSeed(config.seed)
  // Only the decoder's variables: the optimiser never sees the JEPA's.
  const variables = [...decoder.parameters.values()]
  const optimizer = termsOptimizer(config.learningRate, variables, ([latents, images]) => {
    const logits = decoder.logits(latents as tf.Tensor2D)
    // Binary cross-entropy from logits, stably: softplus(z) - y z.
    const crossEntropy = tf
      .softplus(logits)
      .sub(logits.mul(images as tf.Tensor))
      .mean() as tf.Scalar
    const squared = tf
      .sigmoid(logits)
      .sub(images as tf.Tensor)
      .square()
      .mean() as tf.Scalar
    return { total: crossEntropy, terms: tf.stack([crossEntropy, squared]) as tf.Tensor1D }
  })
  const total = config.epochs * config.stepsPerEpoch
  const history: Array<DecoderEpochRecord> = []
  let done = 0
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      checkInterruption()
      const started = performance.now()
      let lossSum = 0
      let errorSum = 0
      for (let step = 1; step <= config.stepsPerEpoch; step++) {
        const batch = sampleDecoderBatch(decoder, jepa, dataset, config.batchSize, rng)
        const terms = minimizeWithTerms(optimizer, [batch.latents, batch.images], () =>
          tf.dispose([batch.images, batch.latents])
        )
        const loss = terms[0] as number
        if (!Number.isFinite(loss)) throw new TrainingDivergedError({ epoch, step, loss })
        lossSum += loss
        errorSum += terms[1] as number
        done++
        hooks.onStep?.(done, total, loss)
        if (step % 20 === 0) await nextTurn()
      }
      const record: DecoderEpochRecord = {
        epoch,
        loss: lossSum / config.stepsPerEpoch,
        meanSquaredError: errorSum / config.stepsPerEpoch,
        seconds: (performance.now() - started) / 1000
      }
      history.push(record)
      await hooks.onEpoch?.(record)
    }
  } finally {
    optimizer.dispose()
  }
  return history
}
