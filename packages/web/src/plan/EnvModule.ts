/**
 * Your own environment in the page: a module exporting an `EnvSpec` made with `defineEnv` (as
 * default, or its only exported environment), the same module `telos run --env ./my-env.ts` takes.
 * Under the development server (`pnpm --filter @telos/web dev`) Vite compiles it and resolves its
 * `@telos/*` imports to the page's own packages, so a file anywhere in the workspace loads by its
 * path. The environment joins a registry beside the built-in ones, so a bundle exported for it
 * (`telos run --env ./my-env.ts --export packages/web/public/models/my-env`) plans in it.
 *
 * @module
 */
import { type EnvRegistry, type EnvSpec, envRegistry } from "@telos/envs"

/** A module that could not be used as an environment; the message says why. */
export class EnvModuleLoadError extends Error {
  override readonly name = "EnvModuleLoadError"
}

const isEnvSpec = (value: unknown): value is EnvSpec<unknown> =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { id?: unknown }).id === "string" &&
  typeof (value as { make?: unknown }).make === "function" &&
  typeof (value as { definition?: unknown }).definition === "object"

/**
 * The environment a module exports: its default export, or else its only exported `EnvSpec`.
 *
 * @example
 * ```ts
 * environmentOf(await import("./unicycle.ts"), "unicycle.ts").id // "unicycle"
 * ```
 */
export const environmentOf = (exports: Readonly<Record<string, unknown>>, path: string): EnvSpec<unknown> => {
  if (isEnvSpec(exports.default)) return exports.default
  const candidates = [...new Set(Object.values(exports).filter(isEnvSpec))]
  if (candidates.length === 1) return candidates[0] as EnvSpec<unknown>
  throw new EnvModuleLoadError(
    candidates.length === 0
      ? `${path} exports no environment (export an EnvSpec made with defineEnv, as default or by name)`
      : `${path} exports ${candidates.length} environments (${candidates.map((spec) => spec.id).join(", ")}) and no default`
  )
}

/**
 * The URL the development server serves a workspace file at: an absolute path through Vite's
 * `/@fs`, anything else as given (relative to the page).
 *
 * @example
 * ```ts
 * moduleUrl("/work/telos/examples/unicycle.ts") // "/@fs/work/telos/examples/unicycle.ts"
 * ```
 */
export const moduleUrl = (path: string): string => (path.startsWith("/") ? `/@fs${path}` : path)

/**
 * Imports the module at `path` and registers its environment in `registry` (the built-in one by
 * default; an id already registered stays as it is when it is the same environment, and is
 * refused otherwise).
 *
 * @example
 * ```ts
 * const spec = await loadEnvModule("/work/telos/examples/unicycle.ts")
 * ```
 */
export const loadEnvModule = async (
  path: string,
  registry: EnvRegistry = envRegistry
): Promise<EnvSpec<unknown>> => {
  let exports: Record<string, unknown>
  try {
    exports = await import(/* @vite-ignore */ moduleUrl(path))
  } catch (error) {
    throw new EnvModuleLoadError(
      `${path} could not be loaded (${error instanceof Error ? error.message : String(error)}); modules load under the development server: pnpm --filter @telos/web dev`
    )
  }
  const spec = environmentOf(exports, path)
  if (registry.has(spec.id)) {
    if (registry.get(spec.id) !== spec) {
      throw new EnvModuleLoadError(
        `${path}: an environment "${spec.id}" is registered already (a built-in one?)`
      )
    }
    return spec
  }
  registry.register(spec)
  return spec
}
