/**
 * A dense layer, `activation(input W + b)`, whose gradient uses only untransposed matrix products.
 *
 * TensorFlow.js's own gradient of a matrix product multiplies by transposed operands, and the
 * WebAssembly backend (telos's default) hands a product to XNNPACK only when neither operand is
 * transposed: otherwise it runs a generic loop, several times slower (a 256 x 256 product took
 * 20-45 ms instead of about 4.5 ms on the development machine). Transposing the operand first and
 * multiplying plainly gives the same numbers for a fraction of the time, and costs little on the
 * other backends, so the world models' and the perf workloads' backward passes go through this layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"

/** The activations a dense layer may apply. */
export type DenseActivation = "linear" | "relu"

const denseWith = (activation: DenseActivation) =>
  tf.customGrad((...inputs) => {
    const [input, weights, bias, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc]
    const output = tf.fused.matMul({ a: input, b: weights, bias, activation }) as tf.Tensor2D
    save([input, weights, output])
    return {
      value: output,
      gradFunc: (upstream, saved) => {
        const [savedInput, savedWeights, savedOutput] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
        // relu passes the gradient where its output is positive, as TensorFlow.js's own relu does.
        const beforeActivation: tf.Tensor2D =
          activation === "relu" ? upstream.mul(tf.step(savedOutput)) : (upstream as tf.Tensor2D)
        return [
          tf.matMul(beforeActivation, savedWeights.transpose()),
          tf.matMul(savedInput.transpose(), beforeActivation),
          beforeActivation.sum(0)
        ]
      }
    }
  }) as (input: tf.Tensor2D, weights: tf.Tensor2D, bias: tf.Tensor1D) => tf.Tensor2D

const layers: Record<DenseActivation, ReturnType<typeof denseWith>> = {
  linear: denseWith("linear"),
  relu: denseWith("relu")
}

/**
 * `activation(input W + b)` for `input` `[N, in]`, `weights` `[in, out]` and `bias` `[out]`, one
 * fused kernel forward; differentiable in all three.
 *
 * @example
 * ```ts
 * const hidden = fusedDense(states, weights, bias, "relu") // [N, out]
 * ```
 */
export const fusedDense = (
  input: tf.Tensor2D,
  weights: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: DenseActivation = "linear"
): tf.Tensor2D => layers[activation](input, weights, bias)
