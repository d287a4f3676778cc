/**
 * Compiled steps on the native backend: a step (one planning iteration, one training step) runs
 * once kernel by kernel while it is recorded; the record becomes one ONNX graph, loaded as one
 * session; later steps of the same shapes are one call into ONNX Runtime instead of hundreds of
 * kernel calls, each with its JavaScript dispatch and gradient bookkeeping.
 *
 * Sessions are kept by the graph's bytes, so a planner that records its first iteration on every
 * call reuses the session the first call built. A new session is checked once against the kernels
 * it replaces (the recorded run's results) before it is used; one that disagrees is never used.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import { encodeOnnxModel, type OnnxGraph } from "../OnnxGraph.js"
import type { NativeGraphSession, NativeRuntime, TypedNativeArray } from "../OnnxRuntime.js"
import { type TracedRun, traceKernels } from "./KernelTrace.js"
import { type KernelCallCounts, type TracedGraph, traceGraph } from "./TraceGraph.js"
import { UntranslatableKernel } from "./Translation.js"

/** A step: tensors in, tensors out; it must not dispose its arguments. */
export type TensorStep = (args: ReadonlyArray<tf.Tensor>) => ReadonlyArray<tf.Tensor>

/** A compiled step's session, ready to run again on new arguments of the recorded shapes. */
export interface StepReplay {
  /** Whether `args` have the recorded shapes and dtypes and every tensor read from outside still lives. */
  readonly accepts: (args: ReadonlyArray<tf.Tensor>) => boolean
  /** Runs the step as one native call; the caller owns the results. */
  readonly run: (args: ReadonlyArray<tf.Tensor>) => Array<tf.Tensor>
  /** Kernel calls the recording made, and how many of them the graph kept. */
  readonly kernelCalls: KernelCallCounts
}

/** What recording a step gave: its results, and its replay or why there is none. */
export interface TracedStep {
  /** The step's results from the recorded run; the caller owns them. */
  readonly results: Array<tf.Tensor>
  /** The compiled step, when the recording could be compiled and agreed with the kernels. */
  readonly replay: StepReplay | undefined
  /** Why there is no replay. */
  readonly reason: string | undefined
}

/** Records steps and compiles them: what `@telos/core`'s `compileStep` calls on this backend. */
export interface StepTracer {
  /** Runs `step` on `args` kernel by kernel, recording it, and compiles the recording. */
  readonly trace: (step: TensorStep, args: ReadonlyArray<tf.Tensor>) => TracedStep
}

/** Settings of compiled sessions. */
export interface StepTracerOptions {
  /** Whether the sessions' idle threads busy-wait between the graph's nodes. */
  readonly spinning?: boolean
  /** Sessions kept at most; the least recently used goes first. */
  readonly sessions?: number
}

interface CachedSession {
  readonly session: NativeGraphSession | undefined
  readonly refused: string | undefined
}

const fnv = (text: string, seed: number): number => {
  let hash = seed >>> 0
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 16777619) >>> 0
  }
  return hash
}

/**
 * The graph's identity: its nodes, values and constants as text, hashed. Encoding the protocol
 * buffer took about three times as long as building the graph, and a planner looks its graph up on
 * every plan, so the bytes are only made for a graph not seen before.
 */
const keyOf = (graph: OnnxGraph): string => {
  const text = JSON.stringify([
    graph.nodes,
    graph.inputs,
    graph.outputs,
    (graph.initializers ?? []).map((initializer) => [
      initializer.name,
      initializer.elementType,
      initializer.shape,
      Array.from(initializer.bytes).join(",")
    ])
  ])
  return `${text.length}:${fnv(text, 2166136261).toString(16)}:${fnv(text, 0x9747b28c).toString(16)}`
}

const sameShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean =>
  a.length === b.length && a.every((size, axis) => size === b[axis])

// Float results may differ in the last bits (another order of summation); an optimiser's
// normalised step turns a gradient's sign near zero into a whole step either way. A wrong
// translation changes most values, so a result disagrees when more than 1% of its values do.
const agrees = (expected: ArrayLike<number>, actual: ArrayLike<number>, exact: boolean): boolean => {
  let differing = 0
  for (let index = 0; index < expected.length; index++) {
    const a = expected[index] as number
    const b = actual[index] as number
    // Equal values (infinities of one sign included) and NaN against NaN agree.
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue
    const close = exact ? a === b : Math.abs(a - b) <= 1e-3 + 1e-3 * Math.abs(a)
    if (!close) differing++
  }
  return differing <= Math.max(0, Math.floor(expected.length * 0.01))
}

/**
 * The step tracer of the native backend, compiling into sessions of `runtime` over the tensors of
 * `backend`.
 *
 * @example
 * ```ts
 * const tracer = createStepTracer(runtime, wasmBackend)
 * const { results, replay } = tracer.trace(([x]) => [x.square().sum()], [x])
 * const again = replay?.run([y])
 * ```
 */
export const createStepTracer = (
  runtime: NativeRuntime,
  backend: BackendWasm,
  options: StepTracerOptions = {}
): StepTracer => {
  const cache = new Map<string, CachedSession>()
  const limit = options.sessions ?? 64
  const remember = (key: string, entry: CachedSession): void => {
    cache.set(key, entry)
    while (cache.size > limit) {
      const oldest = cache.keys().next().value as string
      cache.get(oldest)?.session?.dispose()
      cache.delete(oldest)
    }
  }

  const replayOf = (traced: TracedGraph, session: NativeGraphSession): StepReplay => {
    const { graph, sources, results } = traced
    const argumentShapes = new Map<number, { shape: ReadonlyArray<number>; dtype: string }>()
    sources.forEach((source, index) => {
      const input = graph.inputs[index]
      if (source.kind === "argument" && input !== undefined) {
        argumentShapes.set(source.index, { shape: input.shape ?? [], dtype: input.elementType ?? "float32" })
      }
    })
    const inputNames = graph.inputs.map((input) => input.name)
    const outputNames = graph.outputs.map((output) => output.name)
    const view = (info: tf.TensorInfo): TypedNativeArray => ({
      type: info.dtype as TypedNativeArray["type"],
      values: backend.typedArrayFromHeap(info) as TypedNativeArray["values"],
      shape: info.shape
    })
    return {
      kernelCalls: traced.kernelCalls,
      accepts: (args) =>
        args.every((arg, index) => {
          const recorded = argumentShapes.get(index)
          return (
            recorded === undefined || (recorded.dtype === arg.dtype && sameShape(recorded.shape, arg.shape))
          )
        }) &&
        sources.every(
          (source) =>
            source.kind === "written" ||
            (source.kind === "argument" && source.index < args.length) ||
            (source.kind === "captured" && backend.dataIdMap.has(source.info.dataId))
        ),
      run: (args) => {
        const outputs = results.map((result) => backend.makeOutput([...result.shape], result.dtype))
        try {
          // Views are taken after every allocation: a growing heap detaches earlier ones.
          const feeds: Record<string, TypedNativeArray> = {}
          sources.forEach((source, index) => {
            const name = inputNames[index] as string
            if (source.kind === "written") {
              feeds[name] = {
                type: source.values.dtype as TypedNativeArray["type"],
                values: source.values.values,
                shape: source.values.shape
              }
            } else
              feeds[name] = view(source.kind === "argument" ? (args[source.index] as tf.Tensor) : source.info)
          })
          const fetches: Record<string, TypedNativeArray> = {}
          outputs.forEach((output, index) => {
            fetches[outputNames[index] as string] = view(output)
          })
          session.run(feeds, fetches)
        } catch (error) {
          for (const output of outputs) backend.disposeData(output.dataId)
          throw error
        }
        return outputs.map((output) => tf.engine().makeTensorFromTensorInfo(output, backend))
      }
    }
  }

  const check = (replay: StepReplay, args: ReadonlyArray<tf.Tensor>, expected: ReadonlyArray<tf.Tensor>) => {
    const actual = replay.run(args)
    try {
      for (let index = 0; index < expected.length; index++) {
        const want = expected[index] as tf.Tensor
        const got = actual[index] as tf.Tensor
        if (
          !agrees(backend.typedArrayFromHeap(want), backend.typedArrayFromHeap(got), want.dtype !== "float32")
        ) {
          return `result ${index} of the compiled graph disagrees with the kernels it replaces`
        }
      }
      return undefined
    } finally {
      tf.dispose(actual)
    }
  }

  return {
    trace: (step, givenArgs) => {
      // Arguments sharing one tensor's data (a clone, which shares it) would be one value in the
      // recording, and the graph would read the first wherever the step read the second: the
      // recording gets copies of its own for the later ones.
      const copies: Array<tf.Tensor> = []
      const args = givenArgs.map((arg, index) => {
        if (!givenArgs.slice(0, index).some((earlier) => earlier.dataId === arg.dataId)) return arg
        const copy = backend.makeOutput([...arg.shape], arg.dtype)
        ;(backend.typedArrayFromHeap(copy) as Float32Array).set(
          backend.typedArrayFromHeap(arg) as Float32Array
        )
        const tensor = tf.engine().makeTensorFromTensorInfo(copy, backend)
        copies.push(tensor)
        return tensor
      })
      let recorded: TracedRun<Array<tf.Tensor>>
      try {
        recorded = traceKernels(backend, () => tf.tidy(() => [...step(args)]))
      } catch (error) {
        tf.dispose(copies)
        throw error
      }
      const { result: results, trace } = recorded
      for (const copy of copies) if (!results.includes(copy)) copy.dispose()
      if (trace.escaped !== undefined) return { results, replay: undefined, reason: trace.escaped }
      let traced: TracedGraph
      try {
        traced = traceGraph(trace, args, results)
      } catch (error) {
        if (error instanceof UntranslatableKernel) return { results, replay: undefined, reason: error.reason }
        throw error
      }
      const key = keyOf(traced.graph)
      const cached = cache.get(key)
      if (cached !== undefined) {
        cache.delete(key)
        cache.set(key, cached)
        return cached.session === undefined
          ? { results, replay: undefined, reason: cached.refused }
          : { results, replay: replayOf(traced, cached.session), reason: undefined }
      }
      let session: NativeGraphSession
      try {
        session = runtime.createGraphSession(encodeOnnxModel(traced.graph), options.spinning)
      } catch (error) {
        const reason = `ONNX Runtime refused the graph: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`
        remember(key, { session: undefined, refused: reason })
        return { results, replay: undefined, reason }
      }
      const replay = replayOf(traced, session)
      let refused: string | undefined
      try {
        refused = check(replay, givenArgs, results)
      } catch (error) {
        refused = `ONNX Runtime could not run the graph: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`
      }
      if (refused !== undefined) {
        session.dispose()
        remember(key, { session: undefined, refused })
        return { results, replay: undefined, reason: refused }
      }
      remember(key, { session, refused: undefined })
      return { results, replay, reason: undefined }
    }
  }
}
