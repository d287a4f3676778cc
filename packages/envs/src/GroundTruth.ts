/**
 * Shared pieces of the ground-truth world models: an identity encoder and the shape checks that
 * turn a mis-shaped tensor into a typed error instead of a silent broadcast.
 *
 * @module
 */
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

const checkMatrix = (tensor: tf.Tensor, columns: number, field: string): void => {
  if (tensor.rank !== 2 || tensor.shape[1] !== columns) {
    throw new InvalidValueError({
      field,
      expected: `a tensor of shape [B, ${columns}]`,
      received: `shape [${tensor.shape.join(", ")}]`
    })
  }
}

/**
 * The identity encoder: observations `[B, size]` become float32 latents `[B, size]`. Returns a
 * new tensor, so the caller owns (and disposes) it independently of the input.
 *
 * @example
 * ```ts
 * const latent = identityEncode(tf.tensor2d([[0, 0, 0, 0]]), 4, "observations")
 * ```
 */
export const identityEncode = (observations: tf.Tensor, size: number, field: string): tf.Tensor2D => {
  checkMatrix(observations, size, field)
  return tf.cast(observations, "float32") as tf.Tensor2D
}

/**
 * Checks the inputs of a model step: states `[B, latentSize]` and actions `[B, actionSize]`.
 *
 * @example
 * ```ts
 * checkStepShapes(states, actions, 4, 2)
 * ```
 */
export const checkStepShapes = (
  states: tf.Tensor,
  actions: tf.Tensor,
  latentSize: number,
  actionSize: number
): void => {
  checkMatrix(states, latentSize, "states")
  checkMatrix(actions, actionSize, "actions")
  if (states.shape[0] !== actions.shape[0]) {
    throw new InvalidValueError({
      field: "actions",
      expected: `${states.shape[0]} rows, one per state`,
      received: `${actions.shape[0]} rows`
    })
  }
}
