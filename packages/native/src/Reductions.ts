/**
 * `Sum` over leading axes in ONNX Runtime.
 *
 * A dense layer's bias gradient sums the batch away: `[N, features] -> [features]`, the leading
 * axis. TensorFlow.js reduces innermost axes only, so the WebAssembly backend first transposes the
 * whole input, then sums (0.4 ms for `[2304, 256]` in a JEPA training step, more than one of its
 * matrix products). ONNX Runtime sums the leading axis of the heap view directly. Other
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

/** `Y[q] = sum_p X[p, q]`, written against operator set 11, where the axes are an attribute. */
export const leadingSumModel = (): Uint8Array =>
  encodeOnnxModel({
    opset: 11,
    nodes: [
      {
        operator: "ReduceSum",
        inputs: ["X"],
        outputs: ["Y"],
        attributes: [
          { name: "axes", integers: [0] },
          { name: "keepdims", integer: 0 }
        ]
      }
    ],
    inputs: [{ name: "X", rank: 2 }],
    outputs: [{ name: "Y", rank: 1 }]
  })

/** The `Sum` kernel and a way to release its session. */
export interface ReductionKernels {
  readonly sum: tf.KernelFunc
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
      sessions
        .get("leading-sum", leadingSumModel)
        .run(
          { X: { values: heapFloats(backend, x), shape: [rows, columns] } },
          { values: heapFloats(backend, output), shape: [columns] }
        )
    )
  }
  return { sum, dispose: sessions.dispose }
}
