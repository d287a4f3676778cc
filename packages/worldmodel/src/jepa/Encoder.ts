/**
 * Perception: encoders from observations to latent states. An MLP for state vectors, and for
 * images a convolutional encoder whose kernels equal their strides ("patchify"): each stage cuts
 * the feature map into non-overlapping patches and maps every patch through the same dense layer.
 * That is a convolution written as reshapes and one matrix product, which every TensorFlow.js
 * backend can differentiate (the wasm backend has no gradient for general convolutions).
 *
 * @module
 */
import type { Random } from "@telos/core"
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type DenseParameters, dense, multilayerPerceptron, perceptronParameters } from "./Parameters.js"

/** What an encoder reads. */
export type ObservationShape =
  | {
      /** A state vector. */
      readonly kind: "vector"
      /** Numbers in the vector. */
      readonly size: number
    }
  | {
      /** An image, channels first. */
      readonly kind: "image"
      /** Channels of the image. */
      readonly channels: number
      /** Height in pixels. */
      readonly height: number
      /** Width in pixels. */
      readonly width: number
    }

/** The architecture of an encoder. */
export interface EncoderConfig {
  /** What the encoder reads. */
  readonly observation: ObservationShape
  /** Size of the latents it outputs. */
  readonly latentSize: number
  /** Hidden widths of the vector encoder's MLP, or of the image encoder's head after the patches. */
  readonly hidden: ReadonlyArray<number>
  /** Image encoders: patch side of each stage (the product must divide height and width). */
  readonly patchSizes?: ReadonlyArray<number>
  /** Image encoders: channels after each stage. */
  readonly patchChannels?: ReadonlyArray<number>
}

/** An encoder: its parameters registered under a name, and the function they define. */
export interface Encoder {
  /** Its architecture. */
  readonly config: EncoderConfig
  /** Observations `[N, size]` or `[N, C, H, W]` (values in [0, 1] for images) to latents `[N, D]`. */
  encode(observations: tf.Tensor): tf.Tensor2D
}

const checkImageConfig = (config: EncoderConfig, channels: number, height: number, width: number): void => {
  const sizes = config.patchSizes ?? []
  const widths = config.patchChannels ?? []
  const product = sizes.reduce((total, size) => total * size, 1)
  if (
    sizes.length === 0 ||
    sizes.length !== widths.length ||
    height % product !== 0 ||
    width % product !== 0
  ) {
    throw new InvalidValueError({
      field: "encoder.patchSizes",
      expected: `one patch size per stage (as many as patchChannels), whose product divides ${height} x ${width}`,
      received: `patchSizes [${sizes.join(", ")}], patchChannels [${widths.join(", ")}]`
    })
  }
  if (channels < 1) {
    throw new InvalidValueError({
      field: "encoder.observation.channels",
      expected: "at least 1",
      received: String(channels)
    })
  }
}

/**
 * Builds an encoder, registering its parameters under `name` in `parameters`.
 *
 * @example
 * ```ts
 * const parameters = new Map()
 * const encoder = createEncoder(parameters, "encoder", {
 *   observation: { kind: "image", channels: 2, height: 64, width: 64 },
 *   latentSize: 32, hidden: [128], patchSizes: [4, 4], patchChannels: [16, 32]
 * }, Random.fromSeed(0))
 * ```
 */
export const createEncoder = (
  parameters: Map<string, tf.Variable>,
  name: string,
  config: EncoderConfig,
  rng: Random
): Encoder => {
  const observation = config.observation
  if (observation.kind === "vector") {
    const layers = perceptronParameters(
      parameters,
      name,
      [observation.size, ...config.hidden, config.latentSize],
      rng
    )
    return {
      config,
      encode: (observations) =>
        tf.tidy(
          () => multilayerPerceptron(layers, observations.reshape([-1, observation.size])) as tf.Tensor2D
        )
    }
  }
  const { channels, height, width } = observation
  checkImageConfig(config, channels, height, width)
  const sizes = config.patchSizes ?? []
  const widths = config.patchChannels ?? []
  const stages: Array<DenseParameters> = []
  let depth = channels
  let side = { height, width }
  sizes.forEach((size, index) => {
    const next = widths[index] as number
    stages.push(
      perceptronParameters(
        parameters,
        `${name}/patches${index}`,
        [depth * size * size, next],
        rng
      )[0] as DenseParameters
    )
    depth = next
    side = { height: side.height / size, width: side.width / size }
  })
  const flatSize = depth * side.height * side.width
  const head = perceptronParameters(
    parameters,
    `${name}/head`,
    [flatSize, ...config.hidden, config.latentSize],
    rng
  )
  return {
    config,
    encode: (observations) =>
      tf.tidy(() => {
        const count = observations.shape[0] as number
        // Channel-major input [N, C, H, W] becomes [N, H, W, C], the layout the patch stages keep.
        let map = observations.reshape([count, channels, height, width]).transpose([0, 2, 3, 1])
        let current = { height, width, depth: channels }
        sizes.forEach((size, index) => {
          const rows = current.height / size
          const columns = current.width / size
          const patches = map
            .reshape([count, rows, size, columns, size, current.depth])
            .transpose([0, 1, 3, 2, 4, 5])
            .reshape([count, rows, columns, size * size * current.depth])
          map = dense(stages[index] as DenseParameters, patches, "relu")
          current = { height: rows, width: columns, depth: widths[index] as number }
        })
        return multilayerPerceptron(head, map.reshape([count, flatSize])) as tf.Tensor2D
      })
  }
}
