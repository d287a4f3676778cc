/**
 * Recording what a step does on the native backend: every kernel it runs, with its inputs,
 * attributes and outputs, and every tensor it writes from JavaScript (a number or table it turned
 * into a tensor, which the compiled graph keeps: a number as a constant, a table as an input fed
 * with the recorded values, so that a new table does not make a new graph).
 *
 * The record is what a compiled step is built from, so it must hold everything the step's result
 * depends on. Three things would escape it: reading a tensor back to JavaScript in the middle of
 * the step (the values read could steer what runs next), JavaScript arithmetic on the heap outside
 * any kernel (a hand-written optimiser, say) and random numbers drawn inside the step (TensorFlow.js
 * draws them in JavaScript). The recorder watches the backend's reads and the random ops' writes
 * and marks such a trace as not compilable, saying why.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"

/** One kernel call of a trace. */
export interface TracedKernel {
  /** The TensorFlow.js kernel name, e.g. `_FusedMatMul`. */
  readonly kernel: string
  /** Its inputs by the kernel's own input names (`a`, `b`, ...; `0`, `1`, ... for lists). */
  readonly inputs: ReadonlyArray<readonly [name: string, info: tf.TensorInfo]>
  /** Its attributes, as the kernel received them. */
  readonly attributes: Readonly<Record<string, unknown>>
  /** Its outputs. */
  readonly outputs: ReadonlyArray<tf.TensorInfo>
}

/** The values of a tensor the step wrote from JavaScript, copied when it was written. */
export interface WrittenValues {
  /** The tensor's dtype. */
  readonly dtype: tf.DataType
  /** Its shape. */
  readonly shape: ReadonlyArray<number>
  /** Its values, row-major (bool as bytes). */
  readonly values: Float32Array | Int32Array | Uint8Array
}

/** What {@link traceKernels} returns: the step's own result and what it did on the backend. */
export interface TracedRun<T> {
  /** What the step returned. */
  readonly result: T
  /** Its kernel calls and writes. */
  readonly trace: KernelTrace
}

/** What a step did on the backend. */
export interface KernelTrace {
  /** Kernel calls in the order they ran. */
  readonly kernels: ReadonlyArray<TracedKernel>
  /** Tensors written from JavaScript during the step, by their data id. */
  readonly written: ReadonlyMap<object, WrittenValues>
  /** Why the trace cannot be compiled, when something escaped it. */
  readonly escaped: string | undefined
}

interface Recording {
  readonly kernels: Array<TracedKernel>
  readonly written: Map<object, WrittenValues>
  escaped: string | undefined
  depth: number
}

let active: Recording | undefined

// TensorFlow.js's random ops draw their numbers in JavaScript and write them as a tensor; a
// compiled graph would replay one draw forever. Their frames on the stack give them away (the ops
// are the functions named after them with a trailing underscore).
const randomOp =
  /\b(randomNormal|randomUniform|randomGamma|randomStandardNormal|truncatedNormal|randomUniformInt)_\b/

const drawnAtRandom = (): boolean => randomOp.test(new Error().stack ?? "")

/**
 * `kernelFunc` with recording: while a trace is active, each call that is not nested in another
 * recorded kernel is added to it. Outside a trace it costs one comparison.
 */
export const recordingKernel =
  (kernelName: string, kernelFunc: tf.KernelFunc): tf.KernelFunc =>
  (args) => {
    const recording = active
    if (recording === undefined || recording.depth > 0) return kernelFunc(args)
    recording.depth++
    let result: tf.TensorInfo | Array<tf.TensorInfo>
    try {
      result = kernelFunc(args)
    } finally {
      recording.depth--
    }
    recording.kernels.push({
      kernel: kernelName,
      inputs: Object.entries(args.inputs as Record<string, tf.TensorInfo>),
      attributes: { ...(args.attrs ?? {}) },
      outputs: Array.isArray(result) ? [...result] : [result]
    })
    return result
  }

const copyOf = (values: unknown): Float32Array | Int32Array | Uint8Array | undefined => {
  if (values instanceof Float32Array) return values.slice()
  if (values instanceof Int32Array) return values.slice()
  if (values instanceof Uint8Array) return values.slice()
  return undefined
}

type Hooked = Pick<BackendWasm, "write" | "move" | "readSync" | "read" | "typedArrayFromHeap">

/**
 * Runs `step` on `backend` with every kernel call and JavaScript write recorded, and returns what
 * it returned with the trace. Traces do not nest: a step traced inside another runs unrecorded as
 * part of the outer one.
 */
export const traceKernels = <T>(backend: BackendWasm, step: () => T): TracedRun<T> => {
  if (active !== undefined) {
    const result = step()
    return { result, trace: { kernels: [], written: new Map(), escaped: "a trace was already running" } }
  }
  const recording: Recording = { kernels: [], written: new Map(), escaped: undefined, depth: 0 }
  const original: Hooked = {
    write: backend.write,
    move: backend.move,
    readSync: backend.readSync,
    read: backend.read,
    typedArrayFromHeap: backend.typedArrayFromHeap
  }
  const markEscaped = (why: string): void => {
    if (recording.depth === 0 && recording.escaped === undefined) recording.escaped = why
  }
  const recordWrite = (dataId: object, values: unknown, shape: ReadonlyArray<number>, dtype: tf.DataType) => {
    const copy = copyOf(values)
    if (copy === undefined) markEscaped(`a ${dtype} tensor of shape [${shape}] was written without values`)
    else if (drawnAtRandom()) {
      markEscaped("the step draws random numbers (a compiled step would repeat one draw; pass them in)")
    } else recording.written.set(dataId, { dtype, shape: [...shape], values: copy })
  }
  const hooked: Hooked = {
    write(values, shape, dtype) {
      const dataId = original.write.call(this, values, shape, dtype)
      if (recording.depth === 0) recordWrite(dataId, values, shape, dtype)
      return dataId
    },
    move(dataId, values, shape, dtype, refCount) {
      original.move.call(this, dataId, values, shape, dtype, refCount)
      if (recording.depth === 0) recordWrite(dataId, values, shape, dtype)
    },
    readSync(dataId, start, end) {
      markEscaped("the step read a tensor back (dataSync or arraySync) before it finished")
      return original.readSync.call(this, dataId, start, end)
    },
    read(dataId) {
      markEscaped("the step read a tensor back (data or array) before it finished")
      return original.read.call(this, dataId)
    },
    typedArrayFromHeap(info) {
      markEscaped("the step worked on tensor memory outside any kernel (a JavaScript loop over the heap)")
      return original.typedArrayFromHeap.call(this, info)
    }
  }
  const names = Object.keys(hooked) as Array<keyof Hooked>
  const ownBefore = new Set(names.filter((name) => Object.hasOwn(backend, name)))
  Object.assign(backend, hooked)
  active = recording
  try {
    const result = step()
    return {
      result,
      trace: { kernels: recording.kernels, written: recording.written, escaped: recording.escaped }
    }
  } finally {
    active = undefined
    for (const name of names) {
      if (ownBefore.has(name)) Object.assign(backend, { [name]: original[name] })
      else delete (backend as Partial<Hooked>)[name]
    }
  }
}
