import { fusedDense, Random } from "@telos/core"
import { registerNativeBackend } from "@telos/native"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import {
  evaluate,
  expectAllClose,
  restoreBackendAfterAll,
  seededValues,
  sizeOf,
  wasmBackend
} from "./support.js"

restoreBackendAfterAll()

beforeAll(async () => {
  // Registers `native` (and initialises the `wasm` instance it shares) for the tests across backends.
  await registerNativeBackend()
})

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

/** Seeded values of a shape, so each backend builds its own identical copies. */
const tensorOfShape = (seed: number, shape: ReadonlyArray<number>): tf.Tensor =>
  tf.tensor(seededValues(seed, sizeOf(shape)), [...shape])

/** The weights of a loss `sum(weights * output)`, so every output element has its own gradient. */
const lossWeights = (seed: number, shape: ReadonlyArray<number>): tf.Tensor => tensorOfShape(seed + 5, shape)

// Mostly small sizes, sometimes past the sizes where MLAS switches to its packed kernels.
const size = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 9, max: 40 }) }
)

describe("fusedDense across backends", () => {
  it("computes the same output and gradients on cpu, wasm and native", async () => {
    const dense = fc.record({
      batch: size,
      inputs: size,
      outputs: size,
      activation: fc.constantFrom("linear" as const, "relu" as const),
      seed: fc.nat(1_000_000)
    })
    await fc.assert(
      fc.asyncProperty(dense, async ({ batch, inputs, outputs, activation, seed }) => {
        const compute = () => {
          const x = tensorOfShape(seed, [batch, inputs])
          const w = tensorOfShape(seed + 1, [inputs, outputs])
          const b = tensorOfShape(seed + 2, [outputs])
          const weights = lossWeights(seed, [batch, outputs])
          const forward = fusedDense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, activation)
          const gradients = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
            fusedDense(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, activation)
              .mul(weights)
              .sum()
          )([x, w, b])
          return [forward, ...gradients]
        }
        const cpu = await evaluate("cpu", compute)
        const wasm = await evaluate("wasm", compute)
        const native = await evaluate("native", compute)
        const label = `${activation} dense [${batch}, ${inputs}] -> ${outputs}`
        expect(cpu.map((result) => result.shape)).toEqual([
          [batch, outputs],
          [batch, inputs],
          [inputs, outputs],
          [outputs]
        ])
        expectAllClose(wasm, cpu, `${label} on wasm`)
        expectAllClose(native, cpu, `${label} on native`)
      }),
      { numRuns: 30 }
    )
  })

  it("leaves no tensor and no heap memory behind on native, with a fused product after it", async () => {
    await tf.setBackend("native")
    /** What must come back to where it was once a computation's tensors are disposed. */
    const counts = () => ({
      tensors: tf.memory().numTensors,
      dataBuffers: tf.memory().numDataBuffers,
      heapTensors: wasmBackend().numDataIds()
    })
    const x = tf.tensor2d([0.5, -1, 2, 0.25, 1, -2], [2, 3])
    const w1 = tf.tensor2d([1, -1, 0.5, 0.5, 2, 1, -1, 0.25, 0.75, 1, -0.5, 1], [3, 4])
    const b1 = tf.tensor1d([0.1, -0.2, 0.3, 0])
    const w2 = tf.tensor2d([1, 0, -1, 2, 0.5, 1, 1, -1], [4, 2])
    const before = counts()
    const values = tf.tidy(() => {
      const loss = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor) => {
        const hidden = fusedDense(x as tf.Tensor2D, w1 as tf.Tensor2D, b1 as tf.Tensor1D, "relu")
        const fused = tf.fused.matMul({ a: hidden, b: w2, activation: "relu" })
        return tf.matMul(fused, w2, false, true).square().sum()
      }
      const gradients = tf.grads(loss)([x, w1, b1, w2])
      return gradients.map((gradient) => Array.from(gradient.dataSync()))
    })
    expect(values.map((gradient) => gradient.length)).toEqual([6, 12, 4, 8])
    expect(values.flat().some((value) => value !== 0)).toBe(true)
    expect(counts()).toEqual(before)
    tf.dispose([x, w1, b1, w2])
  })
})
