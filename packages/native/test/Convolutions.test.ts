import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  evaluate,
  expectAllClose,
  registerNativeBeforeAll,
  restoreBackendAfterAll,
  seededValues,
  sizeOf
} from "./support.js"

restoreBackendAfterAll()
registerNativeBeforeAll()

/** A channels-last convolution: input and filter shapes, strides, padding and dilations. */
const convolution = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    inChannels: fc.integer({ min: 1, max: 4 }),
    outChannels: fc.integer({ min: 1, max: 4 }),
    filterHeight: fc.integer({ min: 1, max: 4 }),
    filterWidth: fc.integer({ min: 1, max: 4 }),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.constantFrom<"valid" | "same" | 1>("valid", "same", 1),
    seed: fc.nat(100_000)
  })
  // A numeric padding is sized by TensorFlow.js with the height's filter and stride on both axes,
  // which is well defined only when both axes agree.
  .filter((c) => c.pad !== 1 || (c.filterHeight === c.filterWidth && c.stride[0] === c.stride[1]))
  // The filter must fit inside the padded input (TensorFlow.js does not check).
  .filter((c) => {
    const padding = c.pad === "valid" ? 0 : c.pad === "same" ? Number.POSITIVE_INFINITY : 2 * c.pad
    return c.filterHeight <= c.height + padding && c.filterWidth <= c.width + padding
  })

type Convolution = typeof convolution extends fc.Arbitrary<infer T> ? T : never

const operands = (c: Convolution) => {
  const xShape = [c.batch, c.height, c.width, c.inChannels] as const
  const filterShape = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels] as const
  return {
    x: tf.tensor4d(seededValues(c.seed, sizeOf(xShape)), [...xShape]),
    filter: tf.tensor4d(seededValues(c.seed + 1, sizeOf(filterShape)), [...filterShape])
  }
}

describe("convolutions under native", () => {
  it("Conv2D matches the cpu backend, dilations included", async () => {
    const dilated = fc.tuple(convolution, fc.integer({ min: 1, max: 2 }))
    await fc.assert(
      fc.asyncProperty(dilated, async ([c, dilation]) => {
        const span = (size: number) => (size - 1) * dilation + 1
        // The dilated filter must fit inside the padded input (TensorFlow.js does not check).
        const padding = c.pad === "valid" ? 0 : c.pad === "same" ? Number.POSITIVE_INFINITY : 2 * c.pad
        fc.pre(span(c.filterHeight) <= c.height + padding && span(c.filterWidth) <= c.width + padding)
        // TensorFlow.js takes either strides or dilations above 1, not both.
        const strides: [number, number] = dilation > 1 ? [1, 1] : c.stride
        const compute = () => {
          const { x, filter } = operands(c)
          return tf.conv2d(x, filter, strides, c.pad, "NHWC", dilation)
        }
        expectAllClose(
          await evaluate("native", compute),
          await evaluate("cpu", compute),
          `conv2d ${JSON.stringify(c)}`
        )
      }),
      { numRuns: 80 }
    )
  })

  it("differentiates a convolution with respect to its input and its filter as the cpu backend does", async () => {
    await fc.assert(
      fc.asyncProperty(convolution, async (c) => {
        const compute = () => {
          const { x, filter } = operands(c)
          const outputShape = tf.conv2d(x, filter, c.stride, c.pad).shape
          const weights = tf.tensor(seededValues(c.seed + 2, sizeOf(outputShape)), outputShape)
          return tf.grads((input: tf.Tensor, kernel: tf.Tensor) =>
            tf
              .conv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, c.stride, c.pad)
              .mul(weights)
              .sum()
          )([x, filter])
        }
        expectAllClose(
          await evaluate("native", compute),
          await evaluate("cpu", compute),
          `gradients ${JSON.stringify(c)}`
        )
      }),
      { numRuns: 80 }
    )
  })

  it("trains a small convolutional encoder, which the wasm backend cannot differentiate", async () => {
    await tf.setBackend("wasm")
    // Only the input gradient has a WebAssembly kernel; the filter's has none.
    const attempt = () =>
      tf.tidy(() =>
        tf.grad((kernel: tf.Tensor) =>
          tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, kernel as tf.Tensor4D, 1, "valid").sum()
        )(tf.ones([2, 2, 1, 1]))
      )
    expect(attempt).toThrow(/Conv2DBackpropFilter/)
    const train = async (backend: string) => {
      await tf.setBackend(backend)
      const before = tf.memory().numTensors
      const filter = tf.variable(
        tf.randomNormal([3, 3, 1, 4], 0, 0.3, "float32", 1)
      ) as tf.Variable<tf.Rank.R4>
      const images = tf.randomNormal([8, 8, 8, 1], 0, 1, "float32", 2) as tf.Tensor4D
      const optimizer = tf.train.adam(0.05)
      const loss = () => tf.conv2d(images, filter, 2, "same").relu().sub(1).square().mean() as tf.Scalar
      const losses = [tf.tidy(() => loss().dataSync()[0] as number)]
      for (let step = 0; step < 20; step++) optimizer.minimize(loss, false, [filter])
      losses.push(tf.tidy(() => loss().dataSync()[0] as number))
      optimizer.dispose()
      tf.dispose([filter, images])
      // TensorFlow.js's Adam keeps one tensor past its disposal on every backend; only more would be ours.
      return { losses, left: tf.memory().numTensors - before }
    }
    const native = await train("native")
    const cpu = await train("cpu")
    expect(native.losses[1]).toBeLessThan(native.losses[0] as number)
    native.losses.forEach((value, index) => {
      expect(value).toBeCloseTo(cpu.losses[index] as number, 4)
    })
    expect(native.left).toBe(cpu.left)
  })
})
