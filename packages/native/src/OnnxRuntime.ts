/**
 * ONNX Runtime, loaded synchronously. TensorFlow.js kernels must return their result before they
 * return, and `onnxruntime-node`'s public `InferenceSession.run` is asynchronous (a promise around
 * a synchronous native call, resolved on the next turn of the event loop). So telos talks to the
 * native binding underneath directly: the same `loadModel` and `run` calls the public wrapper
 * makes, without the promise. That binding is not a public API, which is why the package pins one
 * exact `onnxruntime-node` version and checks the binding's shape when it loads.
 *
 * @module
 */
import { createRequire } from "node:module"
import { availableParallelism } from "node:os"

/** Raised when ONNX Runtime cannot be used here; `reason` is one line for the backend notice. */
export class NativeRuntimeUnavailable extends Error {
  /** One line saying why ONNX Runtime cannot be used. */
  readonly reason: string
  constructor(reason: string) {
    super(`onnxruntime-node cannot be used: ${reason}`)
    this.name = "NativeRuntimeUnavailable"
    this.reason = reason
  }
}

/** A float32 array with its shape: an input or a preallocated output of a session. */
export interface NativeArray {
  /** The values, row-major. */
  readonly values: Float32Array
  /** The dimensions. */
  readonly shape: ReadonlyArray<number>
}

/** An input or a preallocated output of a whole-graph session, of any element type it uses. */
export interface TypedNativeArray {
  /** The element type. */
  readonly type: "float32" | "int32" | "bool"
  /** The values, row-major (bool as bytes of 0 and 1). */
  readonly values: Float32Array | Int32Array | Uint8Array
  /** The dimensions. */
  readonly shape: ReadonlyArray<number>
}

/** One loaded model with several inputs and outputs, each output written in place. */
export interface NativeGraphSession {
  /** Runs the model, reading `inputs` and writing every output of `outputs` in place. */
  readonly run: (
    inputs: Readonly<Record<string, TypedNativeArray>>,
    outputs: Readonly<Record<string, TypedNativeArray>>
  ) => void
  /** Releases the session. */
  readonly dispose: () => void
}

/** One loaded model; `run` writes the model's single output into `output` in place. */
export interface NativeSession {
  /** Runs the model on `inputs`, writing its output into `output`. */
  readonly run: (inputs: Readonly<Record<string, NativeArray>>, output: NativeArray) => void
  /** Releases the session. */
  readonly dispose: () => void
}

/** How ONNX Runtime runs: threads per product and whether idle threads spin. */
export interface NativeRuntimeOptions {
  /**
   * Threads for large products (the calling thread included); the machine's cores by default, at
   * most 8. Small products always run on the calling thread alone (see `MatrixProducts`).
   */
  readonly threads?: number | undefined
  /**
   * Whether worker threads busy-wait between products. Spinning shortens the gap between two
   * products but steals the core the WebAssembly work between them runs on; off by default.
   */
  readonly spinning?: boolean | undefined
  /**
   * Whether the threads of compiled steps' sessions busy-wait between the graph's nodes, which
   * run back to back (`TELOS_NATIVE_SPINNING=0|1`); on by default, as measured in the README.
   */
  readonly compiledSpinning?: boolean | undefined
}

/** The loaded runtime: the version it is and a way to load models. */
export interface NativeRuntime {
  /** The onnxruntime-node version loaded. */
  readonly version: string
  /** Threads used for large products. */
  readonly threads: number
  /** Loads `model`, whose one output is `outputName` ("Y"), run on `threads` threads (the runtime's). */
  readonly createSession: (model: Uint8Array, outputName?: string, threads?: number) => NativeSession
  /**
   * Loads a model of several inputs and outputs (a compiled step) on the runtime's threads;
   * `spinning` overrides whether its idle threads busy-wait between the graph's nodes.
   */
  readonly createGraphSession: (model: Uint8Array, spinning?: boolean) => NativeGraphSession
}

let sessionRuns = 0

/**
 * How many times any session of this process has run: kernel calls that went to ONNX Runtime,
 * and compiled steps, each counting one.
 *
 * @example
 * ```ts
 * const before = nativeCallCount()
 * planner.plan(problem, rng)
 * console.log(nativeCallCount() - before, "native calls")
 * ```
 */
export const nativeCallCount = (): number => sessionRuns

/** The `onnxruntime-node` version whose native binding this module was written against. */
export const supportedOnnxRuntimeVersion = "1.30.0"

interface BindingSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): unknown
  dispose(): void
}

interface BindingModule {
  readonly binding: { readonly InferenceSession: new () => BindingSession }
  readonly initOrt: () => void
}

interface TensorConstructor {
  new (
    type: "float32" | "int32" | "bool",
    data: Float32Array | Int32Array | Uint8Array,
    dims: ReadonlyArray<number>
  ): unknown
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error"

const requireFromHere = createRequire(import.meta.url)

const loadModules = (): { binding: BindingModule; Tensor: TensorConstructor; version: string } => {
  let version: string
  try {
    version = (requireFromHere("onnxruntime-node/package.json") as { version: string }).version
  } catch (error) {
    const code = (error as { code?: string }).code
    throw new NativeRuntimeUnavailable(
      code === "MODULE_NOT_FOUND" ? "onnxruntime-node is not installed" : firstLine(error)
    )
  }
  if (version !== supportedOnnxRuntimeVersion) {
    throw new NativeRuntimeUnavailable(
      `onnxruntime-node ${version} is installed; telos needs exactly ${supportedOnnxRuntimeVersion}`
    )
  }
  try {
    const binding = requireFromHere("onnxruntime-node/dist/binding.js") as BindingModule
    const { Tensor } = requireFromHere("onnxruntime-node") as { Tensor: TensorConstructor }
    if (typeof binding.binding?.InferenceSession !== "function" || typeof binding.initOrt !== "function") {
      throw new Error("its native binding has an unexpected shape")
    }
    binding.initOrt()
    return { binding, Tensor, version }
  } catch (error) {
    throw new NativeRuntimeUnavailable(firstLine(error))
  }
}

/**
 * Loads ONNX Runtime's native binding, or throws {@link NativeRuntimeUnavailable} saying why not
 * (not installed, another version, no binary for this platform).
 *
 * @example
 * ```ts
 * const runtime = loadNativeRuntime({ threads: 2 })
 * const session = runtime.createSession(encodeOnnxModel(graph))
 * ```
 */
export const loadNativeRuntime = (options: NativeRuntimeOptions = {}): NativeRuntime => {
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new RangeError(`threads: expected a whole number >= 1, received ${options.threads}`)
  }
  const { binding, Tensor, version } = loadModules()
  const threads = Math.min(8, options.threads ?? availableParallelism())
  const sessionOptions = (sessionThreads: number, spinning = options.spinning === true) => ({
    intraOpNumThreads: sessionThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: spinning ? "1" : "0" } } }
  })
  const toTensor = (array: NativeArray): unknown => new Tensor("float32", array.values, array.shape)
  const createSession = (model: Uint8Array, outputName = "Y", sessionThreads = threads): NativeSession => {
    const session = new binding.binding.InferenceSession()
    session.loadModel(model.buffer, model.byteOffset, model.byteLength, sessionOptions(sessionThreads))
    const runOptions = {}
    return {
      run: (inputs, output) => {
        const feeds: Record<string, unknown> = {}
        for (const name in inputs) feeds[name] = toTensor(inputs[name] as NativeArray)
        // A preallocated output: ONNX Runtime writes straight into the caller's memory.
        session.run(feeds, { [outputName]: toTensor(output) }, runOptions)
        sessionRuns++
      },
      dispose: () => session.dispose()
    }
  }
  const toTypedTensor = (array: TypedNativeArray): unknown =>
    new Tensor(array.type, array.values, array.shape)
  const createGraphSession = (model: Uint8Array, spinning?: boolean): NativeGraphSession => {
    const session = new binding.binding.InferenceSession()
    session.loadModel(model.buffer, model.byteOffset, model.byteLength, sessionOptions(threads, spinning))
    const runOptions = {}
    return {
      run: (inputs, outputs) => {
        const feeds: Record<string, unknown> = {}
        for (const name in inputs) feeds[name] = toTypedTensor(inputs[name] as TypedNativeArray)
        const fetches: Record<string, unknown> = {}
        for (const name in outputs) fetches[name] = toTypedTensor(outputs[name] as TypedNativeArray)
        session.run(feeds, fetches, runOptions)
        sessionRuns++
      },
      dispose: () => session.dispose()
    }
  }
  return { version, threads, createSession, createGraphSession }
}
