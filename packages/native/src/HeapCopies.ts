/**
 * `Slice`, `SplitV`, `Unpack` and `Tile` copying within the WebAssembly heap.
 *
 * The WebAssembly backend's slice first copies its whole input out of the heap (`readSync`), then
 * copies the slice back in; `SplitV` and `Unpack` slice once per output, so splitting `[T, B, A]`
 * actions into `T` steps copied the whole tensor `T` times. Planning and training split every
 * step's actions and every concatenation's gradient this way. Here each slice copies only its own
 * elements, block by contiguous block, within the heap. WebAssembly's `Tile` computes an index per
 * element (0.7 ms to tile a start state to `[256, 64]`); here each output row is a copy of an input
 * row.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"

type Shape = ReadonlyArray<number>

const sizeOf = (shape: Shape): number => shape.reduce((total, size) => total * size, 1)

/**
 * Copies the block `begin`/`size` of `x` into a new tensor, one `copyWithin` per contiguous run.
 * Axes after the last partial one are whole, so each run spans them all.
 */
const sliceOnHeap = (backend: BackendWasm, x: tf.TensorInfo, begin: Shape, size: Shape): tf.TensorInfo => {
  const output = backend.makeOutput([...size], x.dtype)
  const total = sizeOf(size)
  if (total === 0) return output
  const rank = x.shape.length
  const strides = tf.util.computeStrides(x.shape)
  const elementBytes = tf.util.bytesPerElement(x.dtype)
  // The last axis along which the slice is partial; every axis after it is copied whole.
  let partial = rank - 1
  while (partial > 0 && begin[partial] === 0 && size[partial] === x.shape[partial]) partial--
  const run = (size[partial] as number) * (partial + 1 < rank ? (strides[partial] as number) : 1)
  // Emscripten replaces HEAPU8 when the heap grows, so it is read after the last allocation.
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8
  const sourceStart = backend.getMemoryOffset(x.dataId)
  let target = backend.getMemoryOffset(output.dataId)
  const index = new Array<number>(partial).fill(0)
  for (let copied = 0; copied < total; copied += run) {
    let offset = (begin[partial] as number) * (partial + 1 < rank ? (strides[partial] as number) : 1)
    for (let axis = 0; axis < partial; axis++) {
      offset += ((begin[axis] as number) + (index[axis] as number)) * (strides[axis] as number)
    }
    const from = sourceStart + offset * elementBytes
    heap.copyWithin(target, from, from + run * elementBytes)
    target += run * elementBytes
    // The next multi-index over the axes before the partial one, last axis fastest.
    for (let axis = partial - 1; axis >= 0; axis--) {
      index[axis] = (index[axis] as number) + 1
      if ((index[axis] as number) < (size[axis] as number)) break
      index[axis] = 0
    }
  }
  return output
}

/** The copying kernels, falling back to WebAssembly's for strings. */
export interface HeapCopyKernels {
  /** The `Slice` kernel. */
  readonly slice: tf.KernelFunc
  /** The `SplitV` kernel. */
  readonly splitV: tf.KernelFunc
  /** The `Unpack` kernel. */
  readonly unpack: tf.KernelFunc
  /** The `Tile` kernel. */
  readonly tile: tf.KernelFunc
}

/** Rows shorter than this many bytes are too many small copies; WebAssembly tiles them. */
const shortestTiledRowBytes = 32

/** Tiles `x` by `reps`: each output row (last axis) is the matching input row, repeated. */
const tileOnHeap = (backend: BackendWasm, x: tf.TensorInfo, reps: Shape): tf.TensorInfo => {
  const rank = x.shape.length
  const outputShape = x.shape.map((size, axis) => size * (reps[axis] as number))
  const output = backend.makeOutput(outputShape, x.dtype)
  if (sizeOf(outputShape) === 0) return output
  const elementBytes = tf.util.bytesPerElement(x.dtype)
  const rowBytes = (x.shape[rank - 1] as number) * elementBytes
  const repeats = reps[rank - 1] as number
  const inputStrides = tf.util.computeStrides(x.shape)
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8
  const sourceStart = backend.getMemoryOffset(x.dataId)
  let target = backend.getMemoryOffset(output.dataId)
  const rows = sizeOf(outputShape.slice(0, -1))
  const index = new Array<number>(rank - 1).fill(0)
  for (let row = 0; row < rows; row++) {
    let offset = 0
    for (let axis = 0; axis < rank - 1; axis++) {
      offset += ((index[axis] as number) % (x.shape[axis] as number)) * (inputStrides[axis] as number)
    }
    const from = sourceStart + offset * elementBytes
    for (let repeat = 0; repeat < repeats; repeat++) {
      heap.copyWithin(target, from, from + rowBytes)
      target += rowBytes
    }
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis] = (index[axis] as number) + 1
      if ((index[axis] as number) < (outputShape[axis] as number)) break
      index[axis] = 0
    }
  }
  return output
}

/**
 * `Slice`, `SplitV`, `Unpack` and `Tile` kernels for a backend whose tensors live on the
 * WebAssembly heap; string tensors (and tiles of very short rows) go to the given fallbacks.
 *
 * @example
 * ```ts
 * const kernels = heapCopyKernels({ slice: wasmSlice, splitV: wasmSplitV, unpack: wasmUnpack, tile: wasmTile })
 * ```
 */
export const heapCopyKernels = (fallback: HeapCopyKernels): HeapCopyKernels => ({
  tile: (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    const { reps } = args.attrs as unknown as { reps: Array<number> }
    const rowBytes =
      (x.shape[x.shape.length - 1] ?? 0) * (x.dtype === "string" ? 0 : tf.util.bytesPerElement(x.dtype))
    if (x.dtype === "string" || x.shape.length === 0 || rowBytes < shortestTiledRowBytes)
      return fallback.tile(args)
    return tileOnHeap(args.backend as BackendWasm, x, reps)
  },
  slice: (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype === "string") return fallback.slice(args)
    const { begin, size } = args.attrs as unknown as {
      begin: number | Array<number>
      size: number | Array<number>
    }
    const [parsedBegin, parsedSize] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [
      Array<number>,
      Array<number>
    ]
    return sliceOnHeap(args.backend as BackendWasm, x, parsedBegin, parsedSize)
  },
  splitV: (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo }
    if (x.dtype === "string") return fallback.splitV(args)
    const { numOrSizeSplits, axis } = args.attrs as unknown as {
      numOrSizeSplits: number | Array<number>
      axis: number
    }
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0] as number
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, parsedAxis)
    const begin = new Array<number>(x.shape.length).fill(0)
    return sizes.map((length) => {
      const size = [...x.shape]
      size[parsedAxis] = length
      const part = sliceOnHeap(args.backend as BackendWasm, x, begin, size)
      begin[parsedAxis] = (begin[parsedAxis] as number) + length
      return part
    })
  },
  unpack: (args) => {
    const { value } = args.inputs as { value: tf.TensorInfo }
    if (value.dtype === "string") return fallback.unpack(args)
    const { axis } = args.attrs as unknown as { axis: number }
    const parsedAxis = axis < 0 ? axis + value.shape.length : axis
    const outputShape = value.shape.filter((_, index) => index !== parsedAxis)
    const begin = new Array<number>(value.shape.length).fill(0)
    const size = [...value.shape]
    size[parsedAxis] = 1
    return Array.from({ length: value.shape[parsedAxis] as number }, (_, position) => {
      begin[parsedAxis] = position
      const part = sliceOnHeap(args.backend as BackendWasm, value, begin, size)
      return { ...part, shape: outputShape }
    })
  }
})
