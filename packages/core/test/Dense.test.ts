import { fusedDense, Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"

const draw = (rng: Random, shape: [number, number]): tf.Tensor2D =>
  tf.tensor2d(
    Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal()),
    shape
  )

describe("fusedDense", () => {
  it.each(["linear", "relu"] as const)("a %s dense layer has TensorFlow.js's own gradient", (activation) => {
    const rng = Random.fromSeed(5)
    const [input, weights, weightsOfLoss] = [draw(rng, [6, 5]), draw(rng, [5, 3]), draw(rng, [6, 3])]
    const bias = tf.tensor1d([0.1, -0.2, 0.3])
    const loss = (layer: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D) =>
      tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        layer(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D)
          .mul(weightsOfLoss)
          .sum()
      )
    const ours = loss((x, w, b) => fusedDense(x, w, b, activation))([input, weights, bias])
    const reference = loss((x, w, b) => {
      const linear = x.matMul(w).add(b) as tf.Tensor2D
      return activation === "relu" ? tf.relu(linear) : linear
    })([input, weights, bias])
    for (const [index, gradient] of ours.entries()) {
      expect(gradient.shape).toEqual(reference[index]?.shape)
      const expected = Array.from(reference[index]?.dataSync() ?? [])
      Array.from(gradient.dataSync()).forEach((value, at) => {
        expect(value).toBeCloseTo(expected[at] as number, 4)
      })
    }
    tf.dispose([input, weights, weightsOfLoss, bias, ...ours, ...reference])
  })

  it("leaves no tensor behind", () => {
    const rng = Random.fromSeed(1)
    const [input, weights] = [draw(rng, [4, 3]), draw(rng, [3, 2])]
    const bias = tf.tensor1d([0, 1])
    const before = tf.memory().numTensors
    tf.tidy(() => {
      // Returning nothing lets tidy free the gradients too.
      tf.grads((x: tf.Tensor) => fusedDense(x as tf.Tensor2D, weights, bias, "relu").sum())([input])
    })
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([input, weights, bias])
  })
})
