/**
 * `defineWorldModel`: turns a user's perception and prediction functions into a `WorldModel` that
 * checks its inputs, so that a mis-shaped tensor fails with a typed error naming it rather than
 * broadcasting silently into a wrong plan.
 *
 * @module
 */
import type { Box, WorldModel } from "@telos/core"
import { checkStepShapes, describeValue, InvalidValueError } from "@telos/core"
import type * as tf from "@tensorflow/tfjs"

/** The parts of a world model a user writes. */
export interface WorldModelDefinition {
  /** The model's name (it also names the model in error messages). */
  readonly name: string
  /** Size of a latent state (`D`). */
  readonly latentSize: number
  /** The box the actions lie in. */
  readonly actionSpace: Box
  /** Primitive steps per model step; 1 unless the model is a level of a hierarchy. */
  readonly stride?: number
  /** Perception: observations `[B, ...]` to latents `[B, latentSize]`. */
  encode(observations: tf.Tensor): tf.Tensor2D
  /** Prediction: latents `[B, latentSize]` and actions `[B, A]` to the next latents. */
  step(states: tf.Tensor2D, actions: tf.Tensor2D, latentVariable?: tf.Tensor2D): tf.Tensor2D
}

const positiveInteger = (value: unknown, field: string): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidValueError({ field, expected: "a positive integer", received: describeValue(value) })
  }
  return value
}

const checkOutput = (output: tf.Tensor, rows: number, columns: number, field: string): tf.Tensor2D => {
  if (output.rank !== 2 || output.shape[0] !== rows || output.shape[1] !== columns) {
    const received = `shape [${output.shape.join(", ")}]`
    output.dispose()
    throw new InvalidValueError({ field, expected: `a tensor of shape [${rows}, ${columns}]`, received })
  }
  return output as tf.Tensor2D
}

/**
 * Builds a checked world model from its functions.
 *
 * @example
 * ```ts
 * const drift = defineWorldModel({
 *   name: "drift",
 *   latentSize: 2,
 *   actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
 *   encode: (observations) => observations.toFloat() as tf.Tensor2D,
 *   step: (states, actions) => states.add(actions.mul(0.1))
 * })
 * ```
 */
export const defineWorldModel = (definition: WorldModelDefinition): WorldModel => {
  const latentSize = positiveInteger(definition.latentSize, `${definition.name}.latentSize`)
  const stride = positiveInteger(definition.stride ?? 1, `${definition.name}.stride`)
  const actionSize = definition.actionSpace.size
  return {
    name: definition.name,
    latentSize,
    actionSpace: definition.actionSpace,
    stride,
    encode: (observations) =>
      checkOutput(
        definition.encode(observations),
        observations.shape[0] ?? 0,
        latentSize,
        `${definition.name}.encode output`
      ),
    step: (states, actions, latentVariable) => {
      checkStepShapes(states, actions, latentSize, actionSize)
      return checkOutput(
        definition.step(states, actions, latentVariable),
        states.shape[0],
        latentSize,
        `${definition.name}.step output`
      )
    }
  }
}
