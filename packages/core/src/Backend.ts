/**
 * Tensor backend resolution. telos prefers the fastest TensorFlow.js backend that loads on this
 * machine: the native TensorFlow bindings with CUDA (`node-gpu`), then without (`node`) — both
 * optional peers that the user installs — then telos's own `native` backend (WebAssembly with matrix
 * products in ONNX Runtime, when `onnxruntime-node` loads), then WebAssembly (`wasm`, shipped with telos), then plain
 * JavaScript (`cpu`). A backend that is absent or broken is skipped with a one-line notice; it never
 * crashes the run. `TELOS_BACKEND` (or the `preferred` option) picks one explicitly.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import { Context, Effect, Layer } from "effect"
import { registerStepTracer } from "./CompiledStep.js"
import { ConfigError, describeValue } from "./Errors.js"

/** The backends telos knows, in order of preference. */
export const backendNames = ["node-gpu", "node", "native", "wasm", "cpu"] as const

/** A backend's name as telos reports it. */
export type BackendName = (typeof backendNames)[number]

/** How to load one backend: import its package, then activate its TensorFlow.js name. */
export interface BackendCandidate {
  /** The backend's telos name. */
  readonly name: BackendName
  /** The name TensorFlow.js registers the backend under. */
  readonly tensorflowName: string
  /** Imports whatever registers the backend; rejects when the package is absent or broken. */
  readonly load: () => Promise<unknown>
}

/** The outcome of resolution: the active backend and one notice per backend that was skipped. */
export interface BackendChoice {
  /** The backend now active. */
  readonly name: BackendName
  /** Why each skipped backend was skipped, one line each. */
  readonly notices: ReadonlyArray<string>
}

// A specifier held in a variable keeps bundlers and the type checker from requiring the optional
// peers at build time; they are looked up only when a run asks for them. The same keeps
// `@telos/native` (ONNX Runtime's Node binding) out of browser bundles of `@telos/core`.
const importOptional = (specifier: string): Promise<unknown> => import(specifier)

// `process` exists on Node (and runtimes that imitate it); in a browser it is undefined.
interface ProcessLike {
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly versions?: { readonly node?: string }
}
const processLike = (): ProcessLike | undefined => (globalThis as { process?: ProcessLike }).process

const loadNative = async (): Promise<unknown> => {
  if (typeof processLike()?.versions?.node !== "string") throw new Error("needs Node.js")
  const native = (await importOptional("@telos/native")) as typeof import("@telos/native")
  const registration = await native.registerNativeBackend()
  registerStepTracer("native", native.nativeStepTracer())
  return registration
}

/** The default candidates, in order of preference. */
export const defaultCandidates: ReadonlyArray<BackendCandidate> = [
  { name: "node-gpu", tensorflowName: "tensorflow", load: () => importOptional("@tensorflow/tfjs-node-gpu") },
  { name: "node", tensorflowName: "tensorflow", load: () => importOptional("@tensorflow/tfjs-node") },
  {
    name: "native",
    tensorflowName: "native",
    load: loadNative
  },
  { name: "wasm", tensorflowName: "wasm", load: () => import("@tensorflow/tfjs-backend-wasm") },
  { name: "cpu", tensorflowName: "cpu", load: () => Promise.resolve() }
]

const firstLine = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error)
  const line = text.split("\n").find((part) => part.trim().length > 0) ?? "unknown error"
  return line.length > 160 ? `${line.slice(0, 157)}...` : line
}

// Node marks a missing package with a code; bundlers and Vite-based runners (vitest) throw a plain
// error whose message says the specifier could not be resolved.
const missingModuleMessage =
  /^(Cannot find (module|package)|Could not resolve|Failed to (load|resolve) (url|module|import))\b/i

const isMissingModule = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  (("code" in error && (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "MODULE_NOT_FOUND")) ||
    ("message" in error &&
      typeof error.message === "string" &&
      missingModuleMessage.test(error.message.trimStart())))

/** Options for {@link resolveBackend}. */
export interface ResolveBackendOptions {
  /** An explicit choice; overrides `TELOS_BACKEND`. */
  readonly preferred?: string | undefined
  /** Where `TELOS_BACKEND` is read from; `process.env` by default. */
  readonly environment?: Readonly<Record<string, string | undefined>>
  /** The candidates to try, in order; the defaults unless a test substitutes them. */
  readonly candidates?: ReadonlyArray<BackendCandidate>
}

/**
 * Activates the best backend that loads and reports which it is. An explicit preference is tried
 * first; if it fails, resolution continues down the default order with a notice. An unknown name
 * in `TELOS_BACKEND` is a configuration error.
 *
 * @example
 * ```ts
 * const choice = await Effect.runPromise(resolveBackend())
 * console.log(`backend: ${choice.name}`, ...choice.notices)
 * ```
 */
export const resolveBackend = (
  options: ResolveBackendOptions = {}
): Effect.Effect<BackendChoice, ConfigError> =>
  Effect.gen(function* () {
    const environment = options.environment ?? processLike()?.env ?? {}
    const candidates = options.candidates ?? defaultCandidates
    const requested = options.preferred ?? environment.TELOS_BACKEND
    const known = candidates.map((candidate) => candidate.name)
    let order = candidates
    if (requested !== undefined && requested !== "" && requested !== "auto") {
      const wanted = candidates.find((candidate) => candidate.name === requested)
      if (wanted === undefined) {
        return yield* new ConfigError({
          source: options.preferred !== undefined ? "backend option" : "environment",
          issues: [
            {
              field: "TELOS_BACKEND",
              expected: `expected one of auto, ${known.join(", ")}, received ${describeValue(requested)}`
            }
          ]
        })
      }
      order = [wanted, ...candidates.filter((candidate) => candidate !== wanted)]
    }
    const notices: Array<string> = []
    for (const candidate of order) {
      const outcome = yield* Effect.promise(() => activate(candidate))
      if (outcome === undefined) return { name: candidate.name, notices }
      notices.push(`telos: backend ${candidate.name} skipped (${outcome.reason})`)
    }
    // The cpu backend is bundled with TensorFlow.js; reaching here means even it failed.
    notices.push("telos: no backend could be activated; TensorFlow.js keeps its own default")
    return { name: "cpu" as const, notices }
  })

const activate = async (candidate: BackendCandidate): Promise<{ reason: string } | undefined> => {
  try {
    await candidate.load()
    const activated = await tf.setBackend(candidate.tensorflowName)
    if (!activated) return { reason: `TensorFlow.js could not initialise "${candidate.tensorflowName}"` }
    await tf.ready()
    // The cpu backend greets Node users with a multi-line banner; telos reports its backend itself.
    tf.env().set("PROD", true)
    return undefined
  } catch (error) {
    return { reason: isMissingModule(error) ? "not installed" : firstLine(error) }
  }
}

/** The tensor backend as an Effect service: resolved once, reported once. */
export class TensorBackend extends Context.Service<TensorBackend, BackendChoice>()(
  "@telos/core/TensorBackend"
) {
  /** Resolves the backend from the environment when the layer is built. */
  static readonly layer = (options: ResolveBackendOptions = {}): Layer.Layer<TensorBackend, ConfigError> =>
    Layer.effect(TensorBackend, resolveBackend(options))
}

/**
 * {@link resolveBackend} as a promise, for code outside Effect: activates the best backend and
 * returns the choice (rejecting with a `ConfigError` for an unknown `TELOS_BACKEND`).
 *
 * @example
 * ```ts
 * const { name } = await activateBestBackend()
 * console.log(`backend: ${name}`)
 * ```
 */
export const activateBestBackend = (options: ResolveBackendOptions = {}): Promise<BackendChoice> =>
  Effect.runPromise(resolveBackend(options))
