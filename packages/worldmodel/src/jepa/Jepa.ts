/**
 * The JEPA world model: an encoder (perception), a residual predictor in latent space, an
 * inverse-dynamics head used as a training signal, and optionally an inference network for a
 * latent variable z (what the observations do not tell, e.g. a hidden wind). Its configuration is
 * a Schema, so a bad one names the field at fault.
 *
 * @module
 */
import type { WorldModel } from "@telos/core"
import { Box, decodeConfigSync, Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import { createEncoder, type Encoder } from "./Encoder.js"
import {
  type DenseParameters,
  disposeParameters,
  multilayerPerceptron,
  perceptronParameters
} from "./Parameters.js"
import { createPredictor, type Predictor } from "./Predictor.js"

const size = Schema.Int.check(Schema.isGreaterThan(0))
const widths = Schema.Array(size)

/** The configuration of a JEPA world model. */
export const JepaConfig = Schema.Struct({
  /** What the encoder reads: a state vector or an image. */
  observation: Schema.Union([
    Schema.Struct({
      /** A state vector. */
      kind: Schema.Literal("vector"),
      /** Numbers in the vector. */
      size
    }),
    Schema.Struct({
      /** An image, channels first. */
      kind: Schema.Literal("image"),
      /** Channels of the image. */
      channels: size,
      /** Height in pixels. */
      height: size,
      /** Width in pixels. */
      width: size
    })
  ]),
  /** Size of the latent state. */
  latentSize: size,
  /** Lower bound of each action dimension (its length is the action size). */
  actionLow: Schema.Array(Schema.Number.check(Schema.isFinite())),
  /** Upper bound of each action dimension. */
  actionHigh: Schema.Array(Schema.Number.check(Schema.isFinite())),
  /** Hidden widths of the vector encoder's MLP, or of the image encoder's head after the patches. */
  encoderHidden: widths,
  /** Image encoders: patch side of each stage (the product must divide height and width). */
  patchSizes: Schema.optional(widths),
  /** Image encoders: channels after each stage. */
  patchChannels: Schema.optional(widths),
  /** Hidden widths of the predictor's MLP. */
  predictorHidden: widths,
  /** Hidden widths of the inverse-dynamics head's MLP. */
  inverseDynamicsHidden: widths,
  /** Size of the latent variable z; 0 for a deterministic model. */
  latentVariableSize: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  /** Hidden widths of the latent variable's inference network (`[64]` when absent). */
  latentVariableHidden: Schema.optional(widths)
})

/** A decoded JEPA configuration. */
export type JepaConfig = typeof JepaConfig.Type

/** A JEPA world model and everything trained with it. */
export interface JepaModel {
  /** The decoded configuration it was built from. */
  readonly config: JepaConfig
  /** Every trainable variable, by name. */
  readonly parameters: Map<string, tf.Variable>
  /** Perception: observations to latents. */
  readonly encoder: Encoder
  /** The latent dynamics: a latent and an action to the next latent. */
  readonly predictor: Predictor
  /** Predicts the action taken between two latents `[N, D]`, for the inverse-dynamics loss. */
  inverseDynamics(states: tf.Tensor2D, nextStates: tf.Tensor2D): tf.Tensor2D
  /**
   * Infers z `[N, Z]` in (-1, 1) from an observed sequence: its first latent, its last latent and
   * its mean action. Absent when `latentVariableSize` is 0.
   */
  readonly inferLatentVariable?: (
    first: tf.Tensor2D,
    last: tf.Tensor2D,
    meanAction: tf.Tensor2D
  ) => tf.Tensor2D
  /** The model behind the `WorldModel` contract, for planners. */
  readonly worldModel: WorldModel
  /** Frees every parameter. */
  dispose(): void
}

/**
 * Creates a JEPA model with seeded initial weights.
 *
 * @example
 * ```ts
 * const model = createJepa({
 *   observation: { kind: "vector", size: 2 }, latentSize: 16, actionLow: [-2.45, -2.45], actionHigh: [2.45, 2.45],
 *   encoderHidden: [64], predictorHidden: [128, 128], inverseDynamicsHidden: [64], latentVariableSize: 0
 * }, 0)
 * ```
 */
export const createJepa = (input: typeof JepaConfig.Encoded, seed: number): JepaModel => {
  const config = decodeConfigSync(JepaConfig, input, "world model config")
  const rng = Random.fromSeed(seed)
  const parameters = new Map<string, tf.Variable>()
  const actionSize = config.actionLow.length
  const encoder = createEncoder(
    parameters,
    "encoder",
    {
      observation: config.observation,
      latentSize: config.latentSize,
      hidden: config.encoderHidden,
      ...(config.patchSizes === undefined ? {} : { patchSizes: config.patchSizes }),
      ...(config.patchChannels === undefined ? {} : { patchChannels: config.patchChannels })
    },
    rng.split()
  )
  const predictor = createPredictor(
    parameters,
    "predictor",
    {
      latentSize: config.latentSize,
      actionSize,
      latentVariableSize: config.latentVariableSize,
      hidden: config.predictorHidden
    },
    rng.split()
  )
  const inverseLayers = perceptronParameters(
    parameters,
    "inverseDynamics",
    [2 * config.latentSize, ...config.inverseDynamicsHidden, actionSize],
    rng.split()
  )
  let latentLayers: Array<DenseParameters> | undefined
  if (config.latentVariableSize > 0) {
    latentLayers = perceptronParameters(
      parameters,
      "latentVariable",
      [
        2 * config.latentSize + actionSize,
        ...(config.latentVariableHidden ?? [64]),
        config.latentVariableSize
      ],
      rng.split()
    )
  }
  const actionSpace = new Box({ low: config.actionLow, high: config.actionHigh })
  const worldModel: WorldModel = {
    name: "jepa",
    latentSize: config.latentSize,
    actionSpace,
    stride: 1,
    encode: (observations) => encoder.encode(observations),
    step: (states, actions, latentVariable) => predictor.step(states, actions, latentVariable)
  }
  const layers = latentLayers
  return {
    config,
    parameters,
    encoder,
    predictor,
    inverseDynamics: (states, nextStates) =>
      tf.tidy(() => multilayerPerceptron(inverseLayers, tf.concat([states, nextStates], 1)) as tf.Tensor2D),
    ...(layers === undefined
      ? {}
      : {
          inferLatentVariable: (first: tf.Tensor2D, last: tf.Tensor2D, meanAction: tf.Tensor2D) =>
            tf.tidy(
              () =>
                tf.tanh(
                  multilayerPerceptron(layers, tf.concat([first, last.sub(first), meanAction], 1))
                ) as tf.Tensor2D
            )
        }),
    worldModel,
    dispose: () => disposeParameters(parameters)
  }
}
