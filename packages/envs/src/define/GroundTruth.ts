/**
 * Shared pieces of the ground-truth world models: the identity encoder.
 *
 * @module
 */
import { checkMatrix } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

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
