import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { loadNativeRuntime, reductionKernels } from "../src/index.js"
import {
  evaluate,
  expectAllClose,
  registerNativeBeforeAll,
  restoreBackendAfterAll,
  seededValues,
  sizeOf,
  wasmBackend
} from "./support.js"

restoreBackendAfterAll()
registerNativeBeforeAll()

const shapes = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 })

describe("Sum under native", () => {
  it("matches the cpu backend over any axes, kept or not, float and integer", async () => {
    const reduction = shapes.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axes: fc.subarray(
          shape.map((_, axis) => axis),
          { minLength: 1 }
        ),
        keepDims: fc.boolean(),
        integer: fc.boolean(),
        seed: fc.nat(10_000)
      })
    )
    await fc.assert(
      fc.asyncProperty(reduction, async ({ shape, axes, keepDims, integer, seed }) => {
        const compute = () => {
          const values = seededValues(seed, sizeOf(shape))
          const x = integer
            ? tf.tensor(
                Array.from(values, (value) => Math.round(value * 8)),
                shape,
                "int32"
              )
            : tf.tensor(values, shape)
          return tf.sum(x, axes, keepDims)
        }
        const expected = await evaluate("cpu", compute)
        const actual = await evaluate("native", compute)
        expectAllClose(actual, expected, `sum ${shape} over ${axes}${keepDims ? " kept" : ""}`)
      }),
      { numRuns: 120 }
    )
  })

  it("reduces leading axes of float32 tensors natively and leaves the rest to WebAssembly", async () => {
    await tf.setBackend("native")
    let fallbacks = 0
    const wasmSum = tf.getKernel("Sum", "wasm")?.kernelFunc as tf.KernelFunc
    const { sum, dispose } = reductionKernels(loadNativeRuntime({ threads: 1 }), (args) => {
      fallbacks++
      return wasmSum(args)
    })
    const x = tf.tensor3d(
      Array.from({ length: 24 }, (_, index) => index),
      [2, 3, 4]
    )
    const run = (axis: Array<number>, keepDims = false) => {
      const info = sum({ inputs: { x }, attrs: { axis, keepDims }, backend: wasmBackend() }) as tf.TensorInfo
      const values = Array.from(wasmBackend().readSync(info.dataId) as Float32Array)
      wasmBackend().disposeData(info.dataId)
      return { shape: info.shape, values }
    }
    expect(run([0])).toEqual({ shape: [3, 4], values: [12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34] })
    expect(run([0, 1], true)).toEqual({ shape: [1, 1, 4], values: [60, 66, 72, 78] })
    expect(fallbacks).toBe(0)
    run([2])
    run([0, 2])
    run([0, 1, 2])
    expect(fallbacks).toBe(3)
    dispose()
    x.dispose()
  })

  it("leaves no tensor behind through a bias gradient", async () => {
    await tf.setBackend("native")
    const before = tf.memory().numTensors
    tf.tidy(() => {
      const bias = tf.zeros([5])
      const gradient = tf.grad((b: tf.Tensor) => tf.ones([7, 5]).add(b).square().sum())(bias)
      expect(Array.from(gradient.dataSync())).toEqual([14, 14, 14, 14, 14])
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
