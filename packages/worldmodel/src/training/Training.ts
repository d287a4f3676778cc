/**
 * JEPA training on an offline dataset: encode every frame of short trajectories, roll the
 * predictor forward from the first latent with the recorded actions, and pull each prediction
 * towards the (stop-gradient) encoding of the real future. VICReg's variance and covariance terms
 * keep the encodings from collapsing; an inverse-dynamics head and a smoothness term shape them;
 * an optional EMA copy of the encoder provides the targets. A non-finite loss stops training with
 * a typed error.
 *
 * @module
 */
import {
  type CompiledAdam,
  compiledAdam,
  decodeConfigSync,
  InvalidValueError,
  Random,
  withDefaults
} from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Data, Schema } from "effect"
import type { Dataset, SubsequenceBatch } from "../data/Dataset.js"
import type { JepaModel } from "../jepa/Jepa.js"
import { covarianceLoss, smoothnessLoss, varianceLoss } from "../jepa/Losses.js"

const positive = Schema.Number.check(Schema.isGreaterThan(0))
const nonNegative = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))
const count = Schema.Int.check(Schema.isGreaterThan(0))

/** Training options, as a Schema (every field optional). */
export const TrainingOptions = Schema.Struct({
  /** Training epochs. */
  epochs: Schema.optional(count),
  /** Optimisation steps per epoch. */
  stepsPerEpoch: Schema.optional(count),
  /** Sequences per optimisation step. */
  batchSize: Schema.optional(count),
  /** Predicted steps per training sequence. */
  rolloutSteps: Schema.optional(count),
  /** Adam's learning rate. */
  learningRate: Schema.optional(positive),
  /** Weight of the prediction error (predicted against target latents). */
  predictionWeight: Schema.optional(nonNegative),
  /** Weight of VICReg's variance term. */
  varianceWeight: Schema.optional(nonNegative),
  /** Weight of VICReg's covariance term. */
  covarianceWeight: Schema.optional(nonNegative),
  /** Weight of the inverse-dynamics head's action error. */
  inverseDynamicsWeight: Schema.optional(nonNegative),
  /** Weight of the smoothness term (mean squared step between consecutive latents). */
  smoothnessWeight: Schema.optional(nonNegative),
  /** Weight of the latent variable's squared norm (only with a latent variable). */
  latentVariableWeight: Schema.optional(nonNegative),
  /** Decay of the EMA target encoder; 0 uses the online encoder (with a stop-gradient) as target. */
  targetDecay: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1))),
  /** Seed of the random stream batches are drawn from (see `trainingRandom`). */
  seed: Schema.optional(Schema.Int)
})

/** Decoded training options with defaults. */
export interface TrainingConfig {
  /** Training epochs. */
  readonly epochs: number
  /** Optimisation steps per epoch. */
  readonly stepsPerEpoch: number
  /** Sequences per optimisation step. */
  readonly batchSize: number
  /** Predicted steps per training sequence. */
  readonly rolloutSteps: number
  /** Adam's learning rate. */
  readonly learningRate: number
  /** Weight of the prediction error (predicted against target latents). */
  readonly predictionWeight: number
  /** Weight of VICReg's variance term. */
  readonly varianceWeight: number
  /** Weight of VICReg's covariance term. */
  readonly covarianceWeight: number
  /** Weight of the inverse-dynamics head's action error. */
  readonly inverseDynamicsWeight: number
  /** Weight of the smoothness term (mean squared step between consecutive latents). */
  readonly smoothnessWeight: number
  /** Weight of the latent variable's squared norm (only with a latent variable). */
  readonly latentVariableWeight: number
  /** Decay of the EMA target encoder; 0 uses the online encoder (with a stop-gradient) as target. */
  readonly targetDecay: number
  /** Seed of the random stream batches are drawn from (see `trainingRandom`). */
  readonly seed: number
}

/** The defaults (PLDM's recipe in spirit: VICReg terms, inverse dynamics, a little smoothness). */
export const defaultTrainingConfig: TrainingConfig = {
  epochs: 10,
  stepsPerEpoch: 100,
  batchSize: 64,
  rolloutSteps: 8,
  learningRate: 1e-3,
  predictionWeight: 1,
  varianceWeight: 1,
  covarianceWeight: 0.04,
  inverseDynamicsWeight: 1,
  smoothnessWeight: 0.1,
  latentVariableWeight: 0.1,
  targetDecay: 0,
  seed: 0
}

/** Decodes training options, filling defaults; a bad option is a `ConfigError` naming it. */
export const trainingConfig = (options: typeof TrainingOptions.Encoded = {}): TrainingConfig =>
  withDefaults(defaultTrainingConfig, decodeConfigSync(TrainingOptions, options, "training options"))

/** The loss went NaN or infinite: training stops; checkpoints saved before stay valid. */
export class TrainingDivergedError extends Data.TaggedError("TrainingDivergedError")<{
  /** 1-based. */
  readonly epoch: number
  /** 1-based, within the epoch. */
  readonly step: number
  /** The non-finite total loss. */
  readonly loss: number
}> {
  /** Names the epoch, the step and the loss. */
  override get message(): string {
    return `training diverged at epoch ${this.epoch}, step ${this.step}: loss ${this.loss}`
  }
}

/** The loss terms of one step (host numbers). */
export interface LossTerms {
  /** The weighted sum of the terms below, which the step minimises. */
  readonly total: number
  /** Squared error between predicted and target latents, averaged over the rolled-out steps. */
  readonly prediction: number
  /** VICReg's variance term. */
  readonly variance: number
  /** VICReg's covariance term. */
  readonly covariance: number
  /** Squared error of the actions the inverse-dynamics head infers from consecutive latents. */
  readonly inverseDynamics: number
  /** Mean squared step between consecutive latents. */
  readonly smoothness: number
  /** Mean squared norm of the inferred latent variable (0 without one). */
  readonly latentVariable: number
}

/** Tensors of one training batch: frames `[B * (T + 1), ...]` in time-major order and actions `[T, B, A]`. */
interface BatchTensors {
  readonly frames: tf.Tensor
  readonly actions: tf.Tensor3D
}

// Only the kept steps are copied, time-major (and images scaled to [0, 1]) in one pass, rather than
// every step's being made a tensor (cast and scaled), then mostly gathered away and transposed.
// `v / 255` rounds as the backends' float32 division does: a double quotient rounded to float32 is
// the correctly rounded float32 quotient; `v / 1` copies a float32 as it is.
const keptSteps = (
  values: ArrayLike<number>,
  batch: { readonly batchSize: number; readonly steps: number },
  kept: number,
  every: number,
  size: number,
  divisor: number
): Float32Array => {
  const { batchSize, steps } = batch
  const copied = new Float32Array(kept * batchSize * size)
  for (let index = 0; index < kept; index++) {
    for (let row = 0; row < batchSize; row++) {
      const source = (row * steps + index * every) * size
      const target = (index * batchSize + row) * size
      for (let offset = 0; offset < size; offset++) {
        copied[target + offset] = (values[source + offset] as number) / divisor
      }
    }
  }
  return copied
}

/**
 * The frames of a batch the model reads, time-major `[S * B, ...]`: images scaled to [0, 1] for
 * image models, else observations. With `every` > 1 only the steps `0, every, 2 * every, ...` are
 * read (`S = length / every + 1`), e.g. the chunk boundaries a level above predicts.
 */
export const batchFrames = (
  model: JepaModel,
  batch: SubsequenceBatch,
  dataset: Dataset,
  every = 1
): tf.Tensor => {
  const { batchSize, length } = batch
  const steps = length + 1
  const kept = Math.floor(length / every) + 1
  const observation = model.config.observation
  const shape = { batchSize, steps }
  if (observation.kind === "image") {
    if (batch.images === undefined || dataset.imageShape === undefined) {
      throw new InvalidValueError({
        field: "dataset",
        expected: "images (collect with --obs pixels) for an image world model",
        received: "a dataset without images"
      })
    }
    const [channels, height, width] = dataset.imageShape
    return tf.tensor4d(keptSteps(batch.images, shape, kept, every, channels * height * width, 255), [
      kept * batchSize,
      channels,
      height,
      width
    ])
  }
  const size = dataset.observationSize
  return tf.tensor2d(keptSteps(batch.observations, shape, kept, every, size, 1), [kept * batchSize, size])
}

/** What the model reads from a dataset: its frames (see {@link batchFrames}) and actions `[T, B, A]`. */
export const batchTensors = (model: JepaModel, batch: SubsequenceBatch, dataset: Dataset): BatchTensors =>
  tf.tidy(() => {
    const frames = batchFrames(model, batch, dataset)
    const actions = tf
      .tensor3d(batch.actions, [batch.batchSize, batch.length, dataset.actionSize])
      .transpose([1, 0, 2]) as tf.Tensor3D
    return { frames, actions }
  })

/**
 * The training loss of one batch: returns the total (a scalar to minimise) and the terms (for
 * logging), given target encodings computed without gradient.
 */
const lossTerms = (
  model: JepaModel,
  config: TrainingConfig,
  batch: BatchTensors,
  targets: tf.Tensor3D
): { total: tf.Scalar; terms: tf.Tensor1D } => {
  const [steps, batchSize, latentSize] = targets.shape
  const latents = model.encoder.encode(batch.frames).reshape([steps, batchSize, latentSize]) as tf.Tensor3D
  const flat = latents.reshape([steps * batchSize, latentSize]) as tf.Tensor2D
  const actions = tf.unstack(batch.actions) as Array<tf.Tensor2D>
  const first = latents.slice([0, 0, 0], [1, -1, -1]).reshape([batchSize, latentSize]) as tf.Tensor2D
  let latentVariable: tf.Tensor2D | undefined
  let latentVariableTerm: tf.Scalar = tf.scalar(0)
  if (model.inferLatentVariable !== undefined) {
    const targetFirst = targets.slice([0, 0, 0], [1, -1, -1]).reshape([batchSize, latentSize]) as tf.Tensor2D
    const targetLast = targets
      .slice([steps - 1, 0, 0], [1, -1, -1])
      .reshape([batchSize, latentSize]) as tf.Tensor2D
    latentVariable = model.inferLatentVariable(targetFirst, targetLast, batch.actions.mean(0) as tf.Tensor2D)
    latentVariableTerm = latentVariable.square().sum(1).mean() as tf.Scalar
  }
  let state = first
  const predictionErrors: Array<tf.Scalar> = []
  actions.forEach((action, index) => {
    state = model.predictor.step(state, action, latentVariable)
    const target = targets.slice([index + 1, 0, 0], [1, -1, -1]).reshape([batchSize, latentSize])
    predictionErrors.push(state.sub(target).square().sum(1).mean() as tf.Scalar)
  })
  const prediction = tf.addN(predictionErrors).div(actions.length) as tf.Scalar
  const variance = varianceLoss(flat)
  const covariance = covarianceLoss(flat)
  const earlier = latents
    .slice([0, 0, 0], [steps - 1, -1, -1])
    .reshape([(steps - 1) * batchSize, latentSize]) as tf.Tensor2D
  const later = latents
    .slice([1, 0, 0], [steps - 1, -1, -1])
    .reshape([(steps - 1) * batchSize, latentSize]) as tf.Tensor2D
  const inferred = model.inverseDynamics(earlier, later)
  const inverseDynamics = inferred
    .sub(batch.actions.reshape([(steps - 1) * batchSize, -1]))
    .square()
    .sum(1)
    .mean() as tf.Scalar
  const smoothness = smoothnessLoss(latents)
  const total = tf.addN([
    prediction.mul(config.predictionWeight),
    variance.mul(config.varianceWeight),
    covariance.mul(config.covarianceWeight),
    inverseDynamics.mul(config.inverseDynamicsWeight),
    smoothness.mul(config.smoothnessWeight),
    latentVariableTerm.mul(config.latentVariableWeight)
  ]) as tf.Scalar
  const terms = tf.stack([
    total,
    prediction,
    variance,
    covariance,
    inverseDynamics,
    smoothness,
    latentVariableTerm
  ]) as tf.Tensor1D
  return { total, terms }
}

const termsOf = (values: ArrayLike<number>): LossTerms => ({
  total: values[0] as number,
  prediction: values[1] as number,
  variance: values[2] as number,
  covariance: values[3] as number,
  inverseDynamics: values[4] as number,
  smoothness: values[5] as number,
  latentVariable: values[6] as number
})

// A variable made from a tensor shares that tensor's data; the tensor itself must still be freed.
const copyVariable = (source: tf.Variable): tf.Variable => {
  const initial = source.clone()
  const copy = tf.variable(initial, false)
  initial.dispose()
  return copy
}

/** What a {@link TermsLoss} returns. */
export interface LossAndTerms {
  /** The scalar minimised. */
  readonly total: tf.Scalar
  /** The terms logged, as a vector (the total first). */
  readonly terms: tf.Tensor1D
}

/** The loss of one training step over its inputs: the scalar to minimise and a vector of terms to log. */
export type TermsLoss = (inputs: ReadonlyArray<tf.Tensor>) => LossAndTerms

/**
 * Adam over `variables` minimising `loss`: each step one compiled call where the backend compiles
 * steps (`compiledAdam`). `loss` reads the variables directly and everything else through its
 * inputs, which change from step to step.
 */
export const termsOptimizer = (
  learningRate: number,
  variables: ReadonlyArray<tf.Variable>,
  loss: TermsLoss
): CompiledAdam =>
  compiledAdam({ learningRate }, variables, (inputs) => {
    const { total, terms } = loss(inputs)
    return { total, terms: [terms] }
  })

/**
 * One optimiser step on `inputs`; the loss terms come back on the host. `release` frees the step's
 * own tensors (batch, targets) whatever happens. Stop-gradient targets must be computed before and
 * passed in.
 */
export const minimizeWithTerms = (
  optimizer: CompiledAdam,
  inputs: ReadonlyArray<tf.Tensor>,
  release: () => void
): Float32Array => {
  let result: { total: tf.Scalar; terms: Array<tf.Tensor> }
  try {
    result = optimizer.minimize(inputs)
  } finally {
    release()
  }
  const values = (result.terms[0] as tf.Tensor).dataSync() as Float32Array
  tf.dispose([result.total, ...result.terms])
  return values
}

/** A trainer bound to one model: keeps the optimiser (and EMA target encoder) between calls. */
export interface Trainer {
  /** The decoded options it trains with. */
  readonly config: TrainingConfig
  /** One optimisation step on a sampled batch; returns the loss terms. */
  step(dataset: Dataset, rng: Random): LossTerms
  /** Frees the optimiser's state and the target encoder's copies (not the model). */
  dispose(): void
}

/**
 * Creates a trainer: Adam over every parameter of the model.
 *
 * @example
 * ```ts
 * const trainer = createTrainer(model, { batchSize: 64, rolloutSteps: 8 })
 * const terms = trainer.step(dataset, Random.fromSeed(0))
 * trainer.dispose()
 * ```
 */
export const createTrainer = (model: JepaModel, options: typeof TrainingOptions.Encoded = {}): Trainer => {
  const config = trainingConfig(options)
  const variables = [...model.parameters.values()]
  const optimizer = termsOptimizer(config.learningRate, variables, ([frames, actions, targets]) =>
    lossTerms(
      model,
      config,
      { frames: frames as tf.Tensor, actions: actions as tf.Tensor3D },
      targets as tf.Tensor3D
    )
  )
  const encoderNames = [...model.parameters.keys()].filter((name) => name.startsWith("encoder/"))
  // The EMA target encoder: copies of the encoder's variables, swapped in to compute targets.
  const targetCopies =
    config.targetDecay > 0
      ? new Map(encoderNames.map((name) => [name, copyVariable(model.parameters.get(name) as tf.Variable)]))
      : undefined
  const encodeTargets = (frames: tf.Tensor, steps: number, batchSize: number): tf.Tensor3D =>
    tf.tidy(() => {
      if (targetCopies === undefined) {
        return model.encoder
          .encode(frames)
          .reshape([steps, batchSize, model.config.latentSize]) as tf.Tensor3D
      }
      const online = new Map(
        encoderNames.map((name) => [name, (model.parameters.get(name) as tf.Variable).clone()])
      )
      for (const [name, copy] of targetCopies) (model.parameters.get(name) as tf.Variable).assign(copy)
      const encoded = model.encoder
        .encode(frames)
        .reshape([steps, batchSize, model.config.latentSize]) as tf.Tensor3D
      for (const [name, value] of online) (model.parameters.get(name) as tf.Variable).assign(value)
      return encoded
    })
  let stepCount = 0
  return {
    config,
    step: (dataset, rng) => {
      const sample = dataset.sampleSubsequences(config.batchSize, config.rolloutSteps, rng)
      const batch = batchTensors(model, sample, dataset)
      // Targets are encoded outside the optimiser's tape: no gradient flows through them.
      let targets: tf.Tensor3D
      try {
        targets = encodeTargets(batch.frames, config.rolloutSteps + 1, config.batchSize)
      } catch (error) {
        tf.dispose([batch.frames, batch.actions])
        throw error
      }
      const values = minimizeWithTerms(optimizer, [batch.frames, batch.actions, targets], () =>
        tf.dispose([batch.frames, batch.actions, targets])
      )
      stepCount++
      if (targetCopies !== undefined) {
        tf.tidy(() => {
          for (const [name, copy] of targetCopies) {
            copy.assign(
              copy
                .mul(config.targetDecay)
                .add((model.parameters.get(name) as tf.Variable).mul(1 - config.targetDecay))
            )
          }
        })
      }
      const terms = termsOf(values)
      if (!Number.isFinite(terms.total)) {
        throw new TrainingDivergedError({
          epoch: Math.floor(stepCount / config.stepsPerEpoch),
          step: ((stepCount - 1) % config.stepsPerEpoch) + 1,
          loss: terms.total
        })
      }
      return terms
    },
    dispose: () => {
      optimizer.dispose()
      if (targetCopies !== undefined) for (const copy of targetCopies.values()) copy.dispose()
    }
  }
}

/** Mean of loss terms over steps. */
export const meanTerms = (history: ReadonlyArray<LossTerms>): LossTerms => {
  const keys = [
    "total",
    "prediction",
    "variance",
    "covariance",
    "inverseDynamics",
    "smoothness",
    "latentVariable"
  ] as const
  const mean = (key: (typeof keys)[number]) =>
    history.length === 0 ? Number.NaN : history.reduce((sum, terms) => sum + terms[key], 0) / history.length
  return Object.fromEntries(keys.map((key) => [key, mean(key)])) as unknown as LossTerms
}

/** The random stream a training run draws its batches from. */
export const trainingRandom = (config: TrainingConfig): Random => Random.fromSeed(config.seed)
