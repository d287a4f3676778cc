/**
 * The JEPA training signals that need no model: VICReg's variance and covariance terms, which keep
 * the representation from collapsing without contrastive pairs, and temporal smoothness.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"

/**
 * VICReg variance term: the mean over dimensions of `max(0, 1 - std)` over the batch `[N, D]`.
 * Zero once every dimension varies with a standard deviation of at least 1.
 *
 * @example
 * ```ts
 * varianceLoss(tf.randomNormal([256, 32])) // close to 0
 * ```
 */
export const varianceLoss = (latents: tf.Tensor2D): tf.Scalar =>
  tf.tidy(() => {
    const { variance } = tf.moments(latents, 0)
    return tf.relu(tf.scalar(1).sub(variance.add(1e-4).sqrt())).mean() as tf.Scalar
  })

/**
 * VICReg covariance term: the sum of squared off-diagonal covariances over the batch, divided by
 * the dimension. Pushes the dimensions to carry different information.
 */
export const covarianceLoss = (latents: tf.Tensor2D): tf.Scalar =>
  tf.tidy(() => {
    const [count, size] = latents.shape
    const centred = latents.sub(latents.mean(0))
    const covariance = centred
      .transpose()
      .matMul(centred)
      .div(Math.max(1, count - 1))
    const offDiagonal = covariance.mul(tf.scalar(1).sub(tf.eye(size)))
    return offDiagonal.square().sum().div(size) as tf.Scalar
  })

/** Mean squared step between consecutive latents `[T + 1, B, D]`: slow features are easier to plan over. */
export const smoothnessLoss = (sequence: tf.Tensor3D): tf.Scalar =>
  tf.tidy(() => {
    const steps = sequence.shape[0]
    const earlier = sequence.slice([0, 0, 0], [steps - 1, -1, -1])
    const later = sequence.slice([1, 0, 0], [steps - 1, -1, -1])
    return later.sub(earlier).square().sum(2).mean() as tf.Scalar
  })
