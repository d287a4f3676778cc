/**
 * The TensorFlow.js backend the page plans on: the one asked for, or the best the browser has —
 * WebGPU, then WebGL, then WebAssembly, then plain JavaScript. A backend that fails to start is
 * skipped with the reason kept, so the page can say why it runs on what it runs on.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm"
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url"
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url"
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url"
import "@tensorflow/tfjs-backend-webgpu"

/** The backends the page knows, best first. */
export const browserBackends = ["webgpu", "webgl", "wasm", "cpu"] as const

/** One of {@link browserBackends}. */
export type BrowserBackend = (typeof browserBackends)[number]

/** The backend chosen, and why the better ones were passed over. */
export interface BackendChoice {
  /** The backend in use. */
  readonly name: BrowserBackend
  /** `backend: reason` for each one tried before it. */
  readonly skipped: ReadonlyArray<string>
}

setWasmPaths({
  "tfjs-backend-wasm.wasm": wasmPlain,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreaded
})

interface GpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<unknown> }
}

/**
 * The WebGL renderer's name when it draws in software (SwiftShader, llvmpipe): there the small
 * models planned here run 3-7x faster on WebAssembly (README, "In the browser").
 */
const softwareRenderer = (): string | undefined => {
  const context = document.createElement("canvas").getContext("webgl2")
  if (context === null) return undefined
  const info = context.getExtension("WEBGL_debug_renderer_info")
  const renderer = String(
    context.getParameter(info === null ? context.RENDERER : info.UNMASKED_RENDERER_WEBGL)
  )
  context.getExtension("WEBGL_lose_context")?.loseContext()
  return /swiftshader|llvmpipe|software/i.test(renderer) ? renderer : undefined
}

/**
 * Why `name` is passed over when choosing automatically, asked before trying (TF.js logs a failed
 * start as warnings).
 */
const unavailable = async (name: BrowserBackend): Promise<string | undefined> => {
  if (name === "webgl") {
    const software = softwareRenderer()
    return software === undefined ? undefined : `WebGL renders in software here (${software})`
  }
  if (name !== "webgpu") return undefined
  const gpu = (navigator as GpuNavigator).gpu
  if (gpu === undefined) return "the browser has no WebGPU"
  const adapter = await gpu.requestAdapter().catch(() => null)
  return adapter === null ? "no WebGPU adapter" : undefined
}

/**
 * Activates `wanted` (or, for `"auto"`, the first of {@link browserBackends} that starts, passing
 * over WebGPU without an adapter and WebGL drawn in software).
 *
 * @example
 * ```ts
 * const { name } = await chooseBackend("auto") // "webgl" in a browser without WebGPU
 * ```
 */
export const chooseBackend = async (wanted: BrowserBackend | "auto"): Promise<BackendChoice> => {
  const order = wanted === "auto" ? browserBackends : [wanted]
  const skipped: Array<string> = []
  for (const name of order) {
    const missing = wanted === "auto" ? await unavailable(name) : undefined
    if (missing !== undefined) {
      skipped.push(`${name}: ${missing}`)
      continue
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready()
        return { name, skipped }
      }
      skipped.push(`${name}: did not start`)
    } catch (error) {
      skipped.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  throw new Error(`no TensorFlow.js backend started (${skipped.join("; ")})`)
}

/**
 * Reads a backend name from text (a query parameter), `"auto"` for anything else.
 *
 * @example
 * ```ts
 * backendParameter("wasm") // "wasm"
 * ```
 */
export const backendParameter = (text: string | null): BrowserBackend | "auto" =>
  (browserBackends as ReadonlyArray<string>).includes(text ?? "") ? (text as BrowserBackend) : "auto"
