/**
 * The `native` TensorFlow.js backend: the WebAssembly backend with its matrix products handed to
 * ONNX Runtime.
 *
 * Why this shape: profiling the planners and trainers on the WebAssembly backend shows matrix
 * products taking most of the time (XNNPACK runs single-threaded in Node, and falls back to a
 * generic loop whenever an operand is transposed, as every backward pass has it). Element-wise
 * work is cheap there. So `native` shares the one WebAssembly backend instance — the same heap,
 * the same tensors, no copies when switching between `wasm` and `native` — registers every
 * WebAssembly kernel under its own name, and replaces:
 *
 * - `BatchMatMul` and `_FusedMatMul` by ONNX Runtime products on the heap in place;
 * - `Sum` over leading axes (a bias gradient's) by ONNX Runtime's `ReduceSum` (WebAssembly
 *   transposes first);
 * - `Slice`, `SplitV` and `Unpack` by copies within the heap (WebAssembly's copy the whole input
 *   out of the heap first, once per output), and `Tile` by row copies;
 * - `Conv2D` and `Conv2DBackpropInput` by ONNX Runtime's `Conv` and `ConvTranspose`, and adds the
 *   filter gradient WebAssembly lacks (`Conv2DBackpropFilter`);
 * - `Identity` by a shared reference (WebAssembly's copies the data, and TensorFlow.js calls it
 *   for every tensor it saves for a backward pass; tensors are immutable, so sharing is safe).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import { convolutionKernels } from "./Convolutions.js"
import { recordingKernel } from "./compile/KernelTrace.js"
import { createStepTracer, type StepTracer } from "./compile/StepTracer.js"
import { heapCopyKernels } from "./HeapCopies.js"
import { matrixProductKernels } from "./MatrixProducts.js"
import { loadNativeRuntime, type NativeRuntime, type NativeRuntimeOptions } from "./OnnxRuntime.js"
import { reductionKernels } from "./Reductions.js"

/** The name the backend registers under. */
export const nativeBackendName = "native"

/** What {@link registerNativeBackend} set up. */
export interface NativeBackendRegistration {
  /** The name the backend was registered under. */
  readonly name: typeof nativeBackendName
  /** The ONNX Runtime version the products run in. */
  readonly onnxRuntimeVersion: string
  /** Threads per matrix product. */
  readonly threads: number
}

const priority = 3
let registration: Promise<NativeBackendRegistration> | undefined
let stepTracer: StepTracer | undefined

/**
 * The native backend's step tracer (compiled steps), once the backend is registered; `undefined`
 * before. `@telos/core` registers it for `compileStep` when it loads the backend.
 *
 * @example
 * ```ts
 * await registerNativeBackend()
 * registerStepTracer("native", nativeStepTracer())
 * ```
 */
export const nativeStepTracer = (): StepTracer | undefined => stepTracer

const spinningFromEnvironment = (): boolean | undefined => {
  const text = process.env.TELOS_NATIVE_SPINNING
  if (text === undefined || text === "") return undefined
  if (text === "1" || text === "0") return text === "1"
  throw new RangeError(`TELOS_NATIVE_SPINNING: expected 0 or 1, received ${JSON.stringify(text)}`)
}

const threadsFromEnvironment = (): number | undefined => {
  const text = process.env.TELOS_NATIVE_THREADS
  if (text === undefined || text === "") return undefined
  const threads = Number(text)
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(
      `TELOS_NATIVE_THREADS: expected a whole number >= 1, received ${JSON.stringify(text)}`
    )
  }
  return threads
}

const registerKernels = (runtime: NativeRuntime): void => {
  const wasmKernels = tf.getKernelsForBackend("wasm")
  const wasmKernel = (name: string): tf.KernelFunc => {
    const config = wasmKernels.find((kernel) => kernel.kernelName === name)
    if (config === undefined) throw new Error(`the wasm backend has no ${name} kernel`)
    return config.kernelFunc
  }
  const products = matrixProductKernels(runtime, {
    batchMatMul: wasmKernel(tf.BatchMatMul),
    fusedMatMul: wasmKernel(tf._FusedMatMul)
  })
  const copies = heapCopyKernels({
    slice: wasmKernel(tf.Slice),
    splitV: wasmKernel(tf.SplitV),
    unpack: wasmKernel(tf.Unpack),
    tile: wasmKernel(tf.Tile)
  })
  const reductions = reductionKernels(runtime, wasmKernel(tf.Sum))
  const missing =
    (name: string): tf.KernelFunc =>
    () => {
      throw new Error(
        `Kernel '${name}' not registered for backend '${nativeBackendName}' for this convolution`
      )
    }
  const wasmKernelOr = (name: string): tf.KernelFunc =>
    wasmKernels.find((kernel) => kernel.kernelName === name)?.kernelFunc ?? missing(name)
  const convolutions = convolutionKernels(runtime, {
    conv2d: wasmKernel(tf.Conv2D),
    backpropInput: wasmKernelOr(tf.Conv2DBackpropInput),
    backpropFilter: wasmKernelOr(tf.Conv2DBackpropFilter)
  })
  const replaced: Record<string, tf.KernelFunc> = {
    [tf.Conv2D]: convolutions.conv2d,
    [tf.Conv2DBackpropInput]: convolutions.backpropInput,
    [tf.Conv2DBackpropFilter]: convolutions.backpropFilter,
    [tf.Sum]: reductions.sum,
    [tf.BatchMatMul]: products.batchMatMul,
    [tf._FusedMatMul]: products.fusedMatMul,
    [tf.Slice]: copies.slice,
    [tf.SplitV]: copies.splitV,
    [tf.Unpack]: copies.unpack,
    [tf.Tile]: copies.tile,
    [tf.Identity]: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo }
      if (x.dtype === "string") return wasmKernel(tf.Identity)(args)
      const backend = args.backend as BackendWasm
      backend.incRef(x.dataId)
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
    }
  }
  // Every kernel records itself while a step is being compiled (see `compile/`).
  for (const kernel of wasmKernels) {
    const kernelFunc = replaced[kernel.kernelName]
    tf.registerKernel(
      kernelFunc === undefined
        ? {
            ...kernel,
            backendName: nativeBackendName,
            kernelFunc: recordingKernel(kernel.kernelName, kernel.kernelFunc)
          }
        : // The replacement needs no WebAssembly set-up of its own.
          {
            kernelName: kernel.kernelName,
            backendName: nativeBackendName,
            kernelFunc: recordingKernel(kernel.kernelName, kernelFunc)
          }
    )
  }
  // Kernels WebAssembly lacks altogether (the filter gradient) are native's own.
  const registered = new Set(wasmKernels.map((kernel) => kernel.kernelName))
  for (const [kernelName, kernelFunc] of Object.entries(replaced)) {
    if (!registered.has(kernelName))
      tf.registerKernel({
        kernelName,
        backendName: nativeBackendName,
        kernelFunc: recordingKernel(kernelName, kernelFunc)
      })
  }
}

/**
 * Loads ONNX Runtime and registers the `native` backend (once; later calls return the first
 * registration). Initialises the WebAssembly backend it builds on. Throws
 * `NativeRuntimeUnavailable` when ONNX Runtime cannot be loaded; the caller falls back to `wasm`.
 *
 * @example
 * ```ts
 * await registerNativeBackend()
 * await tf.setBackend("native")
 * ```
 */
export const registerNativeBackend = (
  options: NativeRuntimeOptions = {}
): Promise<NativeBackendRegistration> => {
  // The promise, not its result, is kept: two callers racing must not both initialise wasm.
  registration ??= register(options).catch((error: unknown) => {
    registration = undefined
    throw error
  })
  return registration
}

const register = async (options: NativeRuntimeOptions): Promise<NativeBackendRegistration> => {
  const threads = options.threads ?? threadsFromEnvironment()
  const spinning = options.spinning
  const runtime = loadNativeRuntime({
    ...options,
    ...(threads !== undefined ? { threads } : {}),
    ...(spinning !== undefined ? { spinning } : {})
  })
  const previous = tf.getBackend()
  // The WebAssembly kernels keep module-level handles into the one WebAssembly instance, so the
  // native backend must be that instance, not a second one.
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend could not be initialised")
  const wasm = tf.findBackend("wasm") as BackendWasm
  if (previous !== undefined && previous !== "wasm") await tf.setBackend(previous)
  registerKernels(runtime)
  const compiledSpinning = options.compiledSpinning ?? spinningFromEnvironment()
  stepTracer = createStepTracer(
    runtime,
    wasm,
    compiledSpinning === undefined ? {} : { spinning: compiledSpinning }
  )
  tf.registerBackend(nativeBackendName, () => wasm, priority)
  return { name: nativeBackendName, onnxRuntimeVersion: runtime.version, threads: runtime.threads }
}
