/**
 * `Sum` over leading axes in ONNX Runtime.
 *
 * A dense layer's bias gradient sums the batch away: `[N, features] -> [features]`, the leading
 * axis. TensorFlow.js reduces innermost axes only, so the WebAssembly backend first transposes the
 * whole input, then sums (0.4 ms for `[2304, 256]` in a JEPA training step, more than one of its
 * matrix products). ONNX Runtime sums the leading axis of the heap view directly, as the product
 * of a row of ones with the matrix: its `ReduceSum` took 72 µs for `[256, 256]` (a predictor's
 * bias gradient) where the product takes 16 µs, and 60 µs against 46 µs for `[2304, 256]`. Other
 * reductions (innermost axes, which WebAssembly does without a transpose; axes in the middle;
 * integers) stay in WebAssembly.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import { heapFloats, sessionCache, writeOrFree } from "./HeapSessions.js"
import { encodeOnnxModel } from "./OnnxGraph.js"
import type { NativeRuntime } from "./OnnxRuntime.js"

/** `Y[0, q] = sum_p O[0, p] X[p, q]`: with `O` a row of ones, the sums of `X`'s columns. */
export const leadingSumModel = (): Uint8Array =>
  encodeOnnxModel({
    nodes: [{ operator: "MatMul", inputs: ["O", "X"], outputs: ["Y"] }],
    inputs: [
      { name: "O", rank: 2 },
      { name: "X", rank: 2 }
    ],
    outputs: [{ name: "Y", rank: 2 }]
  })

/** The `Sum` kernel and a way to release its session. */
export interface ReductionKernels {
  /** The `Sum` kernel. */
  readonly sum: tf.KernelFunc
  /** Releases the kernel's ONNX Runtime session. */
  readonly dispose: () => void
}

/**
 * A `Sum` kernel that reduces leading axes of float32 tensors in `runtime` and hands every other
 * reduction to `fallback`.
 *
 * @example
 * ```ts
 * const { sum } = reductionKernels(runtime, wasmSum)
 * ```
 */
export const reductionKernels = (runtime: NativeRuntime, fallback: tf.KernelFunc): ReductionKernels => {
  const sessions = sessionCache(runtime)
  // The row of ones, in host memory, grown to the longest sum yet.
  let ones = new Float32Array(0)
  const onesFor = (rows: number): Float32Array => {
    if (ones.length < rows) ones = new Float32Array(Math.max(rows, 2 * ones.length)).fill(1)
    return ones.subarray(0, rows)
  }
  const sum: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const { axis, keepDims } = args.attrs as unknown as { axis: number | Array<number>; keepDims: boolean }
    if (x.dtype !== "float32" || x.shape.length < 2) return fallback(args)
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((left, right) => left - right)
    const leading =
      axes.length > 0 && axes.length < x.shape.length && axes.every((value, index) => value === index)
    if (!leading) return fallback(args)
    const rows = x.shape.slice(0, axes.length).reduce((total, size) => total * size, 1)
    const kept = x.shape.slice(axes.length)
    const columns = kept.reduce((total, size) => total * size, 1)
    if (rows === 0 || columns === 0) return fallback(args)
    const backend = args.backend as BackendWasm
    const output = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, "float32")
    return writeOrFree(backend, output, () =>
      sessions.get("leading-sum", leadingSumModel).run(
        {
          O: { values: onesFor(rows), shape: [1, rows] },
          X: { values: heapFloats(backend, x), shape: [rows, columns] }
        },
        { values: heapFloats(backend, output), shape: [1, columns] }
      )
    )
  }
  return { sum, dispose: sessions.dispose }
}
