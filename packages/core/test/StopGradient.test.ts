import { stopGradient } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"

describe("stopGradient", () => {
  it("passes values and blocks gradients", () => {
    const x = tf.tensor1d([1, -2, 3])
    // d/dx of stop(x) * x is stop(x): only the right-hand factor carries a gradient.
    const [gradient] = tf.grads((value: tf.Tensor) => stopGradient(value).mul(value).sum())([x])
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3])
    expect(Array.from(gradient?.dataSync() ?? [])).toEqual([1, -2, 3])
  })
})
