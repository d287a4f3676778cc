/**
 * A decoder from JEPA latents back to images, to see what a model encodes and what its predictor
 * imagines. It is trained after the JEPA, with the encoder frozen (see `trainDecoder`), as V-JEPA
 * makes its representations visible: the world model never depends on it.
 *
 * An MLP maps a latent to a small feature grid; each upsampling stage then maps every cell of the
 * grid through one dense layer to a `factor x factor` block of cells. That is a transposed
 * convolution whose kernel equals its stride, written as a dense layer and reshapes, which every
 * TensorFlow.js backend can differentiate (the wasm backend has no gradient for general
 * convolutions): the mirror of the image encoder's patch stages.
 *
 * @module
 */
import { decodeConfigSync, InvalidValueError, Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import {
  type DenseParameters,
  dense,
  disposeParameters,
  multilayerPerceptron,
  type ParameterSet,
  perceptronParameters
} from "../jepa/Parameters.js"

const size = Schema.Int.check(Schema.isGreaterThan(0))
const widths = Schema.Array(size)

/** The configuration of a latent-to-image decoder. */
export const DecoderConfig = Schema.Struct({
  /** Size of the latents it reads (the JEPA's `latentSize`). */
  latentSize: size,
  /** The images it outputs, channels first (the dataset's images; an image JEPA's observation). */
  image: Schema.Struct({
    /** Channels of the image. */
    channels: size,
    /** Height in pixels. */
    height: size,
    /** Width in pixels. */
    width: size
  }),
  /** Hidden widths of the MLP from the latent to the first feature grid. */
  hidden: widths,
  /** Upsampling factor of each stage (their product must divide height and width). */
  upsampleFactors: widths,
  /** Channels entering each stage (as many as `upsampleFactors`); the last stage outputs the image's channels. */
  upsampleChannels: widths
})

/** A decoded decoder configuration. */
export type DecoderConfig = typeof DecoderConfig.Type

/** A decoder from latents to images. */
export interface Decoder {
  /** The decoded configuration it was built from. */
  readonly config: DecoderConfig
  /** Every trainable variable, by name (all under `decoder/`), for the optimiser and checkpoints. */
  readonly parameters: ParameterSet
  /** Latents `[N, latentSize]` to images `[N, C, H, W]` in [0, 1]. */
  decode(latents: tf.Tensor2D): tf.Tensor4D
  /** Latents `[N, latentSize]` to per-pixel logits `[N, C, H, W]`: the sigmoid's input, which training reads. */
  logits(latents: tf.Tensor2D): tf.Tensor4D
  /** Frees every parameter. */
  dispose(): void
}

const checkArchitecture = (config: DecoderConfig): void => {
  const { upsampleFactors: factors, upsampleChannels: channels, image } = config
  if (factors.length !== channels.length) {
    throw new InvalidValueError({
      field: "decoder.upsampleChannels",
      expected: `one channel count per upsampling stage (${factors.length})`,
      received: `[${channels.join(", ")}]`
    })
  }
  const product = factors.reduce((total, factor) => total * factor, 1)
  if (image.height % product !== 0 || image.width % product !== 0) {
    throw new InvalidValueError({
      field: "decoder.upsampleFactors",
      expected: `factors whose product divides the image's ${image.height} x ${image.width}`,
      received: `[${factors.join(", ")}] (product ${product})`
    })
  }
}

/**
 * Checks that latents have the decoder's shape `[N, latentSize]`; an `InvalidValueError` naming
 * `latents` otherwise.
 */
const checkLatents = (config: DecoderConfig, latents: tf.Tensor): void => {
  if (latents.rank !== 2 || latents.shape[1] !== config.latentSize) {
    throw new InvalidValueError({
      field: "latents",
      expected: `a tensor [N, ${config.latentSize}]`,
      received: `shape [${latents.shape.join(", ")}]`
    })
  }
}

/**
 * Creates a decoder with seeded initial weights. A bad field is a `ConfigError` naming it; stages
 * that do not fit the image are an `InvalidValueError` naming `decoder.upsampleFactors` or
 * `decoder.upsampleChannels`.
 *
 * @example
 * ```ts
 * // Two-rooms pixels: 2 x 64 x 64 from a 4 x 4 grid of 32 channels.
 * const decoder = createDecoder({
 *   latentSize: 32, image: { channels: 2, height: 64, width: 64 }, hidden: [256],
 *   upsampleFactors: [4, 4], upsampleChannels: [32, 16]
 * }, 0)
 * const images = decoder.decode(latents) // [N, 2, 64, 64] in [0, 1]
 * ```
 */
export const createDecoder = (input: typeof DecoderConfig.Encoded, seed: number): Decoder => {
  const config = decodeConfigSync(DecoderConfig, input, "decoder config")
  checkArchitecture(config)
  const { image, upsampleFactors: factors, upsampleChannels: channels } = config
  const rng = Random.fromSeed(seed)
  const parameters = new Map<string, tf.Variable>()
  const product = factors.reduce((total, factor) => total * factor, 1)
  const grid = {
    height: image.height / product,
    width: image.width / product,
    depth: channels[0] ?? image.channels
  }
  const head = perceptronParameters(
    parameters,
    "decoder/head",
    [config.latentSize, ...config.hidden, grid.height * grid.width * grid.depth],
    rng.split()
  )
  const stages = factors.map((factor, index) => {
    const output = channels[index + 1] ?? image.channels
    return perceptronParameters(
      parameters,
      `decoder/upsample${index}`,
      [channels[index] as number, factor * factor * output],
      rng.split()
    )[0] as DenseParameters
  })
  const logits = (latents: tf.Tensor2D): tf.Tensor4D =>
    tf.tidy(() => {
      checkLatents(config, latents)
      const count = latents.shape[0]
      // Channels last [N, h, w, c] while upsampling, the layout the dense layers map cell by cell.
      let map = multilayerPerceptron(head, latents).reshape([count, grid.height, grid.width, grid.depth])
      let side = { height: grid.height, width: grid.width }
      factors.forEach((factor, index) => {
        const output = channels[index + 1] ?? image.channels
        // The head's output and each stage's are linear; a stage reads them through a ReLU.
        const blocks = dense(stages[index] as DenseParameters, map.relu(), "linear")
        map = blocks
          .reshape([count, side.height, side.width, factor, factor, output])
          .transpose([0, 1, 3, 2, 4, 5])
          .reshape([count, side.height * factor, side.width * factor, output])
        side = { height: side.height * factor, width: side.width * factor }
      })
      return map.transpose([0, 3, 1, 2]) as tf.Tensor4D
    })
  return {
    config,
    parameters,
    logits,
    decode: (latents) => tf.tidy(() => tf.sigmoid(logits(latents))),
    dispose: () => disposeParameters(parameters)
  }
}
