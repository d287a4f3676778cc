/**
 * The identity with a zero gradient, which TensorFlow.js lacks.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"

/**
 * The identity with a zero gradient: what passes through it is a fixed input for whatever is
 * differentiated (a target, or another module's output that the loss must not reshape).
 *
 * @example
 * ```ts
 * const target = stopGradient(latents)
 * ```
 */
export const stopGradient: <T extends tf.Tensor>(tensor: T) => T = tf.customGrad((tensor, _save) => ({
  value: (tensor as tf.Tensor).clone(),
  gradFunc: (upstream: tf.Tensor) => tf.zerosLike(upstream)
})) as <T extends tf.Tensor>(tensor: T) => T
