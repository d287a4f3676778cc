/**
 * Where a run's environment comes from: a registered id (`point-mass`), or the path of a module a
 * user wrote (`./examples/unicycle.ts`) that exports an environment made with `defineEnv`. A
 * TypeScript module is loaded through tsx, so a user needs no build step of their own.
 *
 * @module
 */
import { createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { extname, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { ConfigError, UnknownNameError } from "@telos/core"
import { type EnvRegistry, type EnvSpec, envRegistry } from "@telos/envs"
import { Data } from "effect"

/**
 * An environment module could not be used: missing, throwing while it loads, or exporting no
 * environment.
 *
 * @example
 * ```ts
 * new EnvModuleError({ path: "./my-env.ts", problem: "exports no environment (an EnvSpec from defineEnv)" }).message
 * // "environment module ./my-env.ts: exports no environment (an EnvSpec from defineEnv)"
 * ```
 */
export class EnvModuleError extends Data.TaggedError("EnvModuleError")<{
  /** The module's path, as the user gave it. */
  readonly path: string
  /** What is wrong with it. */
  readonly problem: string
}> {
  /** Names the module and the problem. */
  override get message(): string {
    return `environment module ${this.path}: ${this.problem}`
  }
}

/** A run's environment and how the cache tells one version of it from another. */
export interface EnvSource {
  /** The environment. */
  readonly spec: EnvSpec<unknown>
  /** What the user named: an id or a path. */
  readonly name: string
  /**
   * The registered id, or the hash of the module's source: part of every cached stage's key. Only
   * the module's own file is hashed: after editing a file it imports, clear the cache (or pass a
   * new `--cache`).
   */
  readonly fingerprint: string
  /**
   * The environment seen through its images (registered as `<id>-pixels`, with the goal's image
   * in `info.goalImage`), for runs that perceive pixels; absent when there is none.
   */
  readonly pixels?: EnvSpec<unknown> | undefined
}

const isEnvSpec = (value: unknown): value is EnvSpec<unknown> =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as EnvSpec<unknown>).id === "string" &&
  typeof (value as EnvSpec<unknown>).make === "function" &&
  typeof (value as EnvSpec<unknown>).definition === "object"

const looksLikePath = (name: string): boolean =>
  name.includes("/") || name.includes("\\") || [".ts", ".mts", ".js", ".mjs"].includes(extname(name))

/**
 * `name` as any process on this machine can load it: a module path made absolute (workers start
 * in other folders), an environment id as it is.
 *
 * @example
 * ```ts
 * portableEnvName("./envs/cart.ts") // "/home/me/project/envs/cart.ts"
 * portableEnvName("point-mass") // "point-mass"
 * ```
 */
export const portableEnvName = (name: string): string => (looksLikePath(name) ? resolve(name) : name)

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""

const importModule = async (path: string): Promise<Record<string, unknown>> => {
  const extension = extname(path)
  if (extension === ".ts" || extension === ".mts") {
    const { tsImport } = await import("tsx/esm/api")
    return (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>
}

/**
 * The environment of `name`: a registered one, or the one a module at that path exports (its
 * default export, or else its only exported environment). An unknown id is an `UnknownNameError`
 * listing the known ones; a module that is missing, throws or exports no environment (or several
 * without a default) is an {@link EnvModuleError}.
 *
 * @example
 * ```ts
 * const { spec } = await loadEnvSource("./examples/unicycle.ts")
 * spec.id // "unicycle"
 * ```
 */
export const loadEnvSource = async (
  name: string,
  registry: EnvRegistry = envRegistry
): Promise<EnvSource> => {
  if (registry.has(name)) {
    const pixels = `${name}-pixels`
    return {
      spec: registry.get(name),
      name,
      fingerprint: `registered:${name}`,
      ...(registry.has(pixels) ? { pixels: registry.get(pixels) } : {})
    }
  }
  if (!looksLikePath(name)) {
    throw new UnknownNameError({
      kind: "environment (or the path of a module exporting one)",
      name,
      known: registry.list().map((entry) => entry.id)
    })
  }
  const path = resolve(name)
  let source: string
  try {
    source = await readFile(path, "utf8")
  } catch (error) {
    throw new EnvModuleError({ path: name, problem: `cannot be read (${firstLine(error)})` })
  }
  let exports: Record<string, unknown>
  try {
    exports = await importModule(path)
  } catch (error) {
    throw new EnvModuleError({ path: name, problem: `throws while loading: ${firstLine(error)}` })
  }
  const fallback = exports.default
  // tsx hands a CommonJS-shaped module's exports over as `default`.
  const named =
    typeof fallback === "object" && fallback !== null && !isEnvSpec(fallback)
      ? { ...(fallback as Record<string, unknown>), ...exports }
      : exports
  const spec = isEnvSpec(named.default) ? named.default : undefined
  const candidates = [...new Set(Object.values(named).filter(isEnvSpec))]
  const chosen = spec ?? (candidates.length === 1 ? candidates[0] : undefined)
  if (chosen === undefined) {
    throw new EnvModuleError({
      path: name,
      problem:
        candidates.length === 0
          ? "exports no environment (export an EnvSpec made with defineEnv, as default or by name)"
          : `exports ${candidates.length} environments (${candidates.map((candidate) => candidate.id).join(", ")}) and no default: export the one to run as default`
    })
  }
  return {
    spec: chosen,
    name,
    fingerprint: `module:${createHash("sha256").update(source).digest("hex").slice(0, 16)}`
  }
}

const spaceOf = (spec: EnvSpec<unknown> | undefined, part: "observationSpace" | "actionSpace"): string => {
  if (spec === undefined) return "none"
  const space = spec.definition[part]
  return space._tag === "Discrete" ? `${space.n} choices` : `[${space.shape.join(", ")}]`
}

/**
 * The environment a run's agents are evaluated in (`evaluation.env`), loaded as the run's own is;
 * `undefined` when the run evaluates in its own. It must perceive and act as the run's environment
 * does (the same observation and action shapes, images included where the run reads images), or
 * it is a `ConfigError` naming the shapes that differ.
 *
 * @example
 * ```ts
 * const heldOut = await loadEvaluationSource(config, await loadEnvSource(config.env))
 * heldOut?.spec.id // "diverse-maze-held-out"
 * ```
 */
export const loadEvaluationSource = async (
  config: {
    readonly evaluation: { readonly env: string | null }
    readonly data: { readonly observations: string }
  },
  source: EnvSource,
  registry: EnvRegistry = envRegistry
): Promise<EnvSource | undefined> => {
  const named = config.evaluation.env
  if (named === null) return undefined
  const evaluation = await loadEnvSource(named, registry)
  const pixels = config.data.observations === "pixels"
  const pairs: ReadonlyArray<readonly [string, EnvSpec<unknown> | undefined, EnvSpec<unknown> | undefined]> =
    [
      ["", source.spec, evaluation.spec],
      ...(pixels ? ([["images of ", source.pixels, evaluation.pixels]] as const) : [])
    ]
  for (const [what, own, other] of pairs) {
    for (const part of ["observationSpace", "actionSpace"] as const) {
      if (spaceOf(own, part) !== spaceOf(other, part)) {
        throw new ConfigError({
          source: "run config",
          issues: [
            {
              field: "evaluation.env",
              expected: `an environment whose ${what}${part === "actionSpace" ? "actions" : "observations"} have the shape of ${source.name}'s ${spaceOf(own, part)}, received "${named}" with ${spaceOf(other, part)}`
            }
          ]
        })
      }
    }
  }
  return evaluation
}
