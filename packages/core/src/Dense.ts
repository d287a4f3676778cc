/**
 * A dense layer, `activation(input W + b)`: one fused kernel forward, and a backward pass that
 * computes only the gradients someone asked for.
 *
 * Two costs of TensorFlow.js's own `tf.fused.matMul` are avoided here:
 *
 * - its gradient is a `customGrad` that computes the gradients of the input, the weights and the
 *   bias every time. A planner differentiates with respect to the actions only, so the weight
 *   gradients (an outer product over the whole batch, per layer and step) were half the backward
 *   work for nothing. Here the product is the `_FusedMatMul` kernel itself, with a gradient
 *   registered per input: TensorFlow.js calls only the ones on the path to what is differentiated.
 * - the WebAssembly backend hands a product to XNNPACK only when neither operand is transposed,
 *   and otherwise runs a generic loop several times slower (a 256 x 256 product took 20-45 ms
 *   instead of about 4.5 ms). On `wasm` the backward products therefore transpose the operand
 *   first and multiply plainly; on the other backends (the `native` one in particular) a
 *   transposed operand costs nothing and the transpose is left to the product.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"

/** The activations a dense layer may apply. */
export type DenseActivation = "linear" | "relu"

/** `a^T b` or `a b^T` as the active backend computes fastest. */
const productWithTransposed = (
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean
): tf.Tensor => {
  if (tf.getBackend() !== "wasm") return tf.matMul(a, b, transposeA, transposeB)
  return tf.matMul(transposeA ? a.transpose() : a, transposeB ? b.transpose() : b)
}

let gradientRegistered = false

/** `[1, rows, columns]` as `[rows, columns]`; a matrix as it is. */
const asMatrix = (tensor: tf.Tensor): tf.Tensor2D =>
  (tensor.rank === 3 ? tensor.reshape(tensor.shape.slice(1)) : tensor) as tf.Tensor2D

const registerDenseGradient = (): void => {
  if (gradientRegistered) return
  gradientRegistered = true
  // TensorFlow.js's own fused product records a custom gradient instead, so this one is only ever
  // reached through fusedDense's direct kernel call below: one matrix (or a batch of one), bias of
  // rank 1.
  tf.registerGradient({
    kernelName: tf._FusedMatMul,
    inputsToSave: ["a", "b"],
    outputsToSave: [true],
    gradFunc: (upstream, saved, attributes) => {
      const [input, weights, output] = saved as [tf.Tensor, tf.Tensor, tf.Tensor]
      const { activation } = attributes as unknown as { activation: DenseActivation }
      const dy = asMatrix(upstream as tf.Tensor)
      // relu passes the gradient where its output is positive, as TensorFlow.js's own relu does.
      const beforeActivation = (): tf.Tensor2D =>
        activation === "relu" ? dy.mul(tf.step(asMatrix(output))) : dy
      const shapedAs = (gradient: tf.Tensor, like: tf.Tensor) =>
        like.rank === 3 ? gradient.reshape(like.shape) : gradient
      return {
        a: () => shapedAs(productWithTransposed(beforeActivation(), asMatrix(weights), false, true), input),
        b: () => shapedAs(productWithTransposed(asMatrix(input), beforeActivation(), true, false), weights),
        bias: () => beforeActivation().sum(0)
      }
    }
  })
}

// Backends whose fused-product kernel takes plain matrices; the others (WebAssembly's reads rank 3
// only) get a batch of one. Each reshape is one more recorded op, and a planning run makes
// thousands of dense calls.
const takesMatrices = new Set(["native", "cpu"])

/**
 * `activation(input W + b)` for `input` `[N, in]`, `weights` `[in, out]` and `bias` `[out]`, one
 * fused kernel forward; differentiable in all three, computing only the gradients asked for.
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
): tf.Tensor2D => {
  registerDenseGradient()
  const attributes = { transposeA: false, transposeB: false, activation }
  if (takesMatrices.has(tf.getBackend())) {
    return tf.engine().runKernel(tf._FusedMatMul, { a: input, b: weights, bias }, attributes) as tf.Tensor2D
  }
  return tf.tidy(() => {
    const output = tf
      .engine()
      .runKernel(
        tf._FusedMatMul,
        { a: input.reshape([1, ...input.shape]), b: weights.reshape([1, ...weights.shape]), bias },
        attributes
      )
    return asMatrix(output as tf.Tensor)
  })
}
