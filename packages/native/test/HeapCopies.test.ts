import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { evaluate, expectAllClose, registerNativeBeforeAll, restoreBackendAfterAll } from "./support.js"

restoreBackendAfterAll()
registerNativeBeforeAll()

type Dtype = "float32" | "int32" | "bool"

/** A tensor of `shape` whose elements are their own flat index (mod 2 for bool): every copy is traceable. */
const indexed = (shape: ReadonlyArray<number>, dtype: Dtype): tf.Tensor => {
  const size = shape.reduce((total, length) => total * length, 1)
  const values = Array.from({ length: size }, (_, index) =>
    dtype === "bool" ? index % 3 === 0 : index * 1.5
  )
  return dtype === "bool"
    ? tf.tensor(values as Array<boolean>, [...shape], "bool")
    : tf.tensor(values as Array<number>, [...shape], dtype)
}

const shapes = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
const dtypes = fc.constantFrom<Dtype>("float32", "int32", "bool")

/** A shape with a slice of it: begin and size per axis, sizes possibly 0. */
const sliced = shapes.chain((shape) =>
  fc
    .tuple(
      ...shape.map((length) =>
        fc
          .integer({ min: 0, max: length })
          .chain((begin) => fc.tuple(fc.constant(begin), fc.integer({ min: 0, max: length - begin })))
      )
    )
    .map((axes) => ({ shape, begin: axes.map(([begin]) => begin), size: axes.map(([, size]) => size) }))
)

const onBothBackends = async (compute: () => tf.Tensor | Array<tf.Tensor>, label: string) => {
  const expected = await evaluate("cpu", compute)
  const actual = await evaluate("native", compute)
  expectAllClose(actual, expected, label, { relative: 0, absolute: 0 })
}

describe("copies within the WebAssembly heap", () => {
  it("Slice copies exactly the cpu backend's block, for every dtype, rank and position", async () => {
    await fc.assert(
      fc.asyncProperty(sliced, dtypes, async ({ shape, begin, size }, dtype) => {
        await onBothBackends(
          () => tf.slice(indexed(shape, dtype), begin, size),
          `slice ${shape} ${begin} ${size}`
        )
      }),
      { numRuns: 150 }
    )
  })

  it("SplitV splits along any axis as the cpu backend does", async () => {
    const split = shapes.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
        dtype: dtypes,
        parts: fc.integer({ min: 1, max: 3 })
      })
    )
    await fc.assert(
      fc.asyncProperty(split, async ({ shape, axis, dtype, parts }) => {
        const length = shape[axis < 0 ? axis + shape.length : axis] as number
        // Uneven sizes, one of them possibly empty, adding up to the axis length.
        const sizes = Array.from({ length: parts }, (_, index) =>
          index < parts - 1 ? Math.floor(length / parts) : 0
        )
        sizes[parts - 1] = length - sizes.reduce((total, size) => total + size, 0)
        await onBothBackends(
          () => tf.split(indexed(shape, dtype), sizes, axis),
          `split ${shape} ${sizes} axis ${axis}`
        )
      }),
      { numRuns: 100 }
    )
  })

  it("Unpack unstacks along any axis as the cpu backend does", async () => {
    const unstack = shapes.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        axis: fc.integer({ min: 0, max: shape.length - 1 }),
        dtype: dtypes
      })
    )
    await fc.assert(
      fc.asyncProperty(unstack, async ({ shape, axis, dtype }) => {
        await onBothBackends(() => tf.unstack(indexed(shape, dtype), axis), `unstack ${shape} axis ${axis}`)
      }),
      { numRuns: 100 }
    )
  })

  it("Tile repeats along every axis as the cpu backend does", async () => {
    const tiled = shapes.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        reps: fc.tuple(...shape.map(() => fc.integer({ min: 0, max: 3 }))),
        dtype: dtypes,
        // Rows of 8 and more elements take the heap path; shorter ones WebAssembly's.
        widen: fc.boolean()
      })
    )
    await fc.assert(
      fc.asyncProperty(tiled, async ({ shape, reps, dtype, widen }) => {
        const wide = widen ? [...shape.slice(0, -1), (shape[shape.length - 1] as number) + 8] : shape
        await onBothBackends(() => tf.tile(indexed(wide, dtype), reps), `tile ${wide} by ${reps}`)
      }),
      { numRuns: 120 }
    )
  })

  it("keeps string tensors working through the WebAssembly kernels", async () => {
    await tf.setBackend("native")
    const words = tf.tensor(["a", "b", "c", "d"], [2, 2], "string")
    const [first] = tf.unstack(words)
    expect(first?.arraySync()).toEqual(["a", "b"])
    expect(tf.slice(words, [1, 0], [1, 2]).arraySync()).toEqual([["c", "d"]])
    tf.dispose([words, first as tf.Tensor])
  })

  it("leaves no tensor behind, gradients included", async () => {
    await tf.setBackend("native")
    const before = tf.memory().numTensors
    tf.tidy(() => {
      const x = indexed([4, 3, 2], "float32")
      const gradient = tf.grad((input: tf.Tensor) =>
        tf
          .unstack(input)
          .map((step, index) => tf.split(step, [1, 2], 0)[index % 2]?.sum() as tf.Tensor)
          .reduce((total, term) => total.add(term))
      )(x)
      expect(gradient.shape).toEqual([4, 3, 2])
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
