import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { registerNativeBeforeAll, restoreBackendAfterAll, wasmBackend } from "./support.js"

restoreBackendAfterAll()
registerNativeBeforeAll()

describe("many small native products", () => {
  it("leave the tensor count, the buffers and the heap's tensors at their baseline", async () => {
    await tf.setBackend("native")
    const a = tf.tensor3d([1, 2, 3, 4, 5, 6, 0.5, -1, 2, 0, 1, -2], [2, 2, 3])
    const b = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2])
    const bias = tf.tensor1d([0.25, -0.5])
    const expected = tf.tidy(() => Array.from(tf.matMul(a, b).dataSync()))
    const baseline = {
      tensors: tf.memory().numTensors,
      dataBuffers: tf.memory().numDataBuffers,
      heapTensors: wasmBackend().numDataIds()
    }
    for (let step = 0; step < 2_000; step++) {
      const result = tf.tidy(() => {
        // Alternate the graphs: plain, transposed (the same product) and fused with a bias.
        const kind = step % 3
        if (kind === 0) return tf.matMul(a, b)
        if (kind === 1) return tf.matMul(b, a, true, true).transpose([0, 2, 1])
        return tf.fused
          .matMul({ a, b, bias, activation: "relu" })
          .sub(tf.relu(tf.matMul(a, b).add(bias)))
          .add(tf.matMul(a, b))
      })
      if (step % 250 === 0 || step === 1_999) {
        const values = Array.from(result.dataSync())
        values.forEach((value, index) => {
          expect(value).toBeCloseTo(expected[index] as number, 5)
        })
      }
      result.dispose()
    }
    expect({
      tensors: tf.memory().numTensors,
      dataBuffers: tf.memory().numDataBuffers,
      heapTensors: wasmBackend().numDataIds()
    }).toEqual(baseline)
    tf.dispose([a, b, bias])
  })
})
