/**
 * Named trainable parameters. A world model's weights are a flat map from names such as
 * `"encoder/layer0/kernel"` to TensorFlow.js variables: easy to optimise together, to save and to
 * compare with a checkpoint, whatever the architecture.
 *
 * @module
 */
import type { Random } from "@telos/core"
import { type DenseActivation, fusedDense, InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

/** Trainable parameters by name. */
export type ParameterSet = ReadonlyMap<string, tf.Variable>

/**
 * Glorot-uniform values for a `[fanIn, fanOut]` kernel, drawn from a seeded stream so that a seed
 * fixes the initial model on every backend.
 *
 * @example
 * ```ts
 * const kernel = glorotUniform(Random.fromSeed(0), 64, 256) // Float32Array(64 * 256)
 * ```
 */
export const glorotUniform = (rng: Random, fanIn: number, fanOut: number): Float32Array => {
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  return Float32Array.from({ length: fanIn * fanOut }, () => rng.uniformIn(-limit, limit))
}

/** A dense layer's parameters: `kernel [in, out]`, `bias [out]`. */
export interface DenseParameters {
  /** The weights, `[in, out]`. */
  readonly kernel: tf.Variable
  /** The bias, `[out]`. */
  readonly bias: tf.Variable
}

/**
 * Creates a dense layer's variables under `name`, registering them in `into`.
 *
 * @example
 * ```ts
 * const parameters = new Map<string, tf.Variable>()
 * const layer = denseParameters(parameters, "encoder/layer0", 64, 256, Random.fromSeed(0))
 * ```
 */
export const denseParameters = (
  into: Map<string, tf.Variable>,
  name: string,
  inputSize: number,
  outputSize: number,
  rng: Random
): DenseParameters => {
  if (into.has(`${name}/kernel`)) {
    throw new InvalidValueError({
      field: name,
      expected: "a parameter name used once",
      received: "a duplicate"
    })
  }
  // A variable shares its initial tensor's data, and that tensor stays allocated until disposed:
  // made inside `tidy` (which never disposes variables), it is freed once the variable holds it.
  // Names live in the map, not in TensorFlow.js: its variable names are global, and two models
  // with the same architecture must be able to coexist.
  const kernel = tf.tidy(() =>
    tf.variable(tf.tensor2d(glorotUniform(rng, inputSize, outputSize), [inputSize, outputSize]))
  )
  const bias = tf.tidy(() => tf.variable(tf.zeros([outputSize])))
  into.set(`${name}/kernel`, kernel)
  into.set(`${name}/bias`, bias)
  return { kernel, bias }
}

/**
 * `activation(x W + b)` over the last axis of `x`, through core's `fusedDense`: one fused kernel
 * forward, and a backward pass of untransposed products (several times faster on the wasm backend).
 */
export const dense = (
  layer: DenseParameters,
  input: tf.Tensor,
  activation: DenseActivation = "linear"
): tf.Tensor =>
  tf.tidy(() => {
    const shape = input.shape
    const inputSize = shape[shape.length - 1] as number
    const flat = fusedDense(
      input.reshape([-1, inputSize]) as tf.Tensor2D,
      layer.kernel as tf.Tensor2D,
      layer.bias as tf.Tensor1D,
      activation
    )
    return flat.reshape([...shape.slice(0, -1), layer.kernel.shape[1] as number])
  })

/** A multilayer perceptron: dense layers with ReLU between them (none after the last). */
export const multilayerPerceptron = (layers: ReadonlyArray<DenseParameters>, input: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    let hidden = input
    layers.forEach((layer, index) => {
      hidden = dense(layer, hidden, index < layers.length - 1 ? "relu" : "linear")
    })
    return hidden
  })

/** Creates the layers of a perceptron `sizes[0] -> sizes[1] -> ... -> sizes[n]` under `name/layer{i}`. */
export const perceptronParameters = (
  into: Map<string, tf.Variable>,
  name: string,
  sizes: ReadonlyArray<number>,
  rng: Random
): Array<DenseParameters> =>
  sizes
    .slice(1)
    .map((size, index) => denseParameters(into, `${name}/layer${index}`, sizes[index] as number, size, rng))

/** Frees every variable of a parameter set. */
export const disposeParameters = (parameters: ParameterSet): void => {
  for (const variable of parameters.values()) variable.dispose()
}
