/**
 * What every native kernel does around an ONNX Runtime session: keep one session per kind of
 * graph, read tensors as float32 views of the WebAssembly heap, and free a freshly allocated
 * output when the session fails to fill it.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs"
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm"
import type { NativeRuntime, NativeSession } from "./OnnxRuntime.js"

/** Sessions by key, each loaded on first use and kept until `dispose`. */
export interface SessionCache {
  /** The session of `key`, loading `model()` on `threads` threads (the runtime's) the first time. */
  readonly get: (key: string, model: () => Uint8Array, threads?: number) => NativeSession
  readonly dispose: () => void
}

/**
 * An empty cache of sessions in `runtime`.
 *
 * @example
 * ```ts
 * const sessions = sessionCache(runtime)
 * const session = sessions.get("relu", () => encodeOnnxModel(reluGraph))
 * ```
 */
export const sessionCache = (runtime: NativeRuntime): SessionCache => {
  const sessions = new Map<string, NativeSession>()
  return {
    get: (key, model, threads) => {
      let session = sessions.get(key)
      if (session === undefined) {
        session = runtime.createSession(model(), "Y", threads)
        sessions.set(key, session)
      }
      return session
    },
    dispose: () => {
      for (const session of sessions.values()) session.dispose()
      sessions.clear()
    }
  }
}

/** A float32 tensor's values on the heap, in place; taken after the last allocation (growth detaches views). */
export const heapFloats = (backend: BackendWasm, info: tf.TensorInfo): Float32Array =>
  backend.typedArrayFromHeap(info) as Float32Array

/** Runs `write`, which fills `output`; frees `output` and rethrows when it fails. */
export const writeOrFree = (
  backend: BackendWasm,
  output: tf.TensorInfo,
  write: () => void
): tf.TensorInfo => {
  try {
    write()
  } catch (error) {
    backend.disposeData(output.dataId)
    throw error
  }
  return output
}
