/**
 * Resolving a run's configuration: the environment's defaults, then a config file (JSON or YAML),
 * then `--set key.path=value` overrides, decoded as a whole so that an unknown key or a wrong type
 * is a `ConfigError` naming it; then the checks that span fields (strides, goal coordinates, which
 * planner suits the action space, which agents the configuration can make).
 *
 * @module
 */
import { readFile } from "node:fs/promises"
import { extname } from "node:path"
import { ConfigError, checkLevelStrides, decodeConfigSync, FileError, LevelConfigError } from "@telos/core"
import type { ActionSpace, EnvDefinition, EnvSpec } from "@telos/envs"
import { parse as parseYaml } from "yaml"
import { defaultRunConfig } from "./Defaults.js"
import {
  type DataConfig,
  hierarchicalCounterpart,
  levelActor,
  plansWithLearnedModels,
  RunConfig
} from "./RunConfig.js"

/** A JSON-like value. */
type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Merges `override` into `base`: objects key by key, anything else (arrays included) replaced.
 *
 * @example
 * ```ts
 * mergeConfig({ actor: { horizon: 16, planner: "gradient" } }, { actor: { horizon: 24 } })
 * // { actor: { horizon: 24, planner: "gradient" } }
 * ```
 */
export const mergeConfig = (base: unknown, override: unknown): unknown => {
  if (!isObject(base) || !isObject(override)) return override
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(override)) {
    // Assigning these would change the object's prototype, not add a key the schema could reject.
    if (key === "__proto__" || key === "constructor" || key === "prototype") {
      throw new ConfigError({ source: "config", issues: [{ field: key, expected: "a config key" }] })
    }
    merged[key] = mergeConfig(base[key], value)
  }
  return merged
}

const overrideError = (field: string, expected: string): ConfigError =>
  new ConfigError({ source: "--set", issues: [{ field, expected }] })

/**
 * One `--set key.path=value` as a nested object: the value is read as JSON when it is JSON
 * (`24`, `[10, 40]`, `null`, `"text"`) and as a string otherwise (`cem`).
 *
 * @example
 * ```ts
 * parseOverride("actor.horizon=24") // { actor: { horizon: 24 } }
 * parseOverride("levels.strides=[10,40]") // { levels: { strides: [10, 40] } }
 * ```
 */
export const parseOverride = (text: string): Record<string, unknown> => {
  const equals = text.indexOf("=")
  if (equals <= 0) throw overrideError(text, "key.path=value")
  const path = text.slice(0, equals).split(".")
  if (path.some((key) => key.length === 0 || key === "__proto__" || key === "constructor")) {
    throw overrideError(text.slice(0, equals), "a dotted path of config keys, e.g. actor.horizon")
  }
  const raw = text.slice(equals + 1)
  let value: Json
  try {
    value = JSON.parse(raw) as Json
  } catch {
    value = raw
  }
  let nested: unknown = value
  for (const key of [...path].reverse()) nested = { [key]: nested }
  return nested as Record<string, unknown>
}

/**
 * Reads a config file: JSON (`.json`) or YAML (`.yaml`, `.yml`), a mapping at the top. A missing
 * file is a `FileError`; a file that does not parse, or is not a mapping, a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * const partial = await readConfigFile("runs/my-env.yaml") // { actor: { horizon: 24 } }
 * ```
 */
export const readConfigFile = async (path: string): Promise<Record<string, unknown>> => {
  let text: string
  try {
    text = await readFile(path, "utf8")
  } catch (error) {
    throw new FileError({
      path,
      reason: (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""
    })
  }
  const extension = extname(path).toLowerCase()
  let parsed: unknown
  try {
    parsed = extension === ".json" ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true })
  } catch (error) {
    throw new ConfigError({
      source: path,
      issues: [
        {
          field: "(file)",
          expected: `${extension === ".json" ? "JSON" : "YAML"}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`
        }
      ]
    })
  }
  if (!isObject(parsed)) {
    throw new ConfigError({
      source: path,
      issues: [{ field: "(root)", expected: "a mapping of config keys" }]
    })
  }
  return parsed
}

/**
 * What to choose instead when the exploration `policy` does not suit `actionSpace` (a random walk
 * needs 2-D box actions, correlated actions a box), or `undefined` when it does: the one check behind
 * `data.policy` and `telos collect --policy`.
 *
 * @example
 * ```ts
 * policyMismatch("random-walk", pendulum.definition.actionSpace, "pendulum")
 * // '"uniform" or "correlated": a random walk needs 2-D box actions, and pendulum has 1'
 * ```
 */
export const policyMismatch = (
  policy: DataConfig["policy"],
  actionSpace: ActionSpace,
  env: string
): string | undefined => {
  const discrete = actionSpace._tag === "Discrete"
  if (policy === "random-walk" && (discrete || actionSpace.size !== 2)) {
    return `${discrete ? '"uniform"' : '"uniform" or "correlated"'}: a random walk needs 2-D box actions, and ${env} has ${discrete ? `Discrete(${actionSpace.n})` : `${actionSpace.size}`}`
  }
  if (policy === "correlated" && discrete) {
    return `"uniform": correlated actions need a box, and ${env} has Discrete(${actionSpace.n})`
  }
  return undefined
}

/**
 * What to choose instead when exploration cannot be sent through doorways at `rate` (a share of
 * random-walk episodes sent through the environment's doors needs the random walk and an
 * environment that declares `doorways`), or `undefined` when it can or when `rate` is 0 or absent:
 * the one check behind `data.doorwayRate` and `telos collect --doorway-rate`.
 *
 * @example
 * ```ts
 * doorwayRateMismatch(0.6, "random-walk", pointMass.definition, "point-mass")
 * // '0: point-mass declares no doorways to send exploration through'
 * ```
 */
export const doorwayRateMismatch = (
  rate: number | undefined,
  policy: DataConfig["policy"],
  definition: Pick<EnvDefinition<unknown>, "doorways">,
  env: string
): string | undefined => {
  if ((rate ?? 0) === 0) return undefined
  if (policy !== "random-walk")
    return `0: doorways are crossed by the random walk, and the policy is "${policy}"`
  if (definition.doorways === undefined || definition.doorways.length === 0) {
    return `0: ${env} declares no doorways to send exploration through`
  }
  return undefined
}

const fieldError = (source: string, field: string, expected: string): ConfigError =>
  new ConfigError({ source, issues: [{ field, expected }] })

/** The checks that span fields, each a `ConfigError` naming the key. */
const checkRunConfig = (
  config: RunConfig,
  spec: EnvSpec<unknown>,
  source: string,
  pixelVariant: boolean
): void => {
  if (config.data.observations === "pixels") {
    if (spec.definition.image === undefined) {
      throw fieldError(source, "data.observations", `"state": ${config.env} draws no images`)
    }
    const learned = config.evaluation.agents.some(plansWithLearnedModels)
    if (learned && !pixelVariant) {
      throw fieldError(
        source,
        "data.observations",
        `"state", or an environment registered with a pixel variant "${spec.id}-pixels" (whose info has goalImage) to evaluate pixel agents in`
      )
    }
  }
  try {
    checkLevelStrides([1, ...config.levels.strides], (level) => `levels.strides[${level - 1}]`)
  } catch (error) {
    if (error instanceof LevelConfigError)
      throw fieldError(source, error.field, `${error.expected}, received ${error.received}`)
    throw error
  }
  const definition = spec.definition
  const observationSize = definition.observationSpace.size
  config.cost.dimensions.forEach((dimension, index) => {
    if (dimension >= observationSize) {
      throw fieldError(
        source,
        `cost.dimensions[${index}]`,
        `an observation coordinate below ${observationSize}, received ${dimension}`
      )
    }
  })
  if (new Set(config.cost.dimensions).size !== config.cost.dimensions.length) {
    throw fieldError(source, "cost.dimensions", "distinct coordinates")
  }
  if (config.cost.weights.length > 0) {
    // A learned latent's coordinates mean nothing fixed: weights are for observation coordinates.
    if (config.cost.judgedOn !== "probe") {
      throw fieldError(
        source,
        "cost.weights",
        'no weights, or cost.judgedOn "probe" (weights are per observation coordinate)'
      )
    }
    const judged = config.cost.dimensions.length > 0 ? config.cost.dimensions.length : observationSize
    if (config.cost.weights.length !== judged) {
      throw fieldError(
        source,
        "cost.weights",
        `${judged} weights, one per judged coordinate, received ${config.cost.weights.length}`
      )
    }
  }
  if (config.cost.goal !== null && config.cost.goal.length !== observationSize) {
    throw fieldError(
      source,
      "cost.goal",
      `a goal observation of ${observationSize} numbers, received ${config.cost.goal.length}`
    )
  }
  const discrete = definition.actionSpace._tag === "Discrete"
  const mismatch = policyMismatch(config.data.policy, definition.actionSpace, config.env)
  if (mismatch !== undefined) throw fieldError(source, "data.policy", mismatch)
  const doorwayMismatch = doorwayRateMismatch(
    config.data.doorwayRate,
    config.data.policy,
    definition,
    config.env
  )
  if (doorwayMismatch !== undefined) throw fieldError(source, "data.doorwayRate", doorwayMismatch)
  if (discrete !== (config.actor.planner === "categorical-cem")) {
    throw fieldError(
      source,
      "actor.planner",
      discrete
        ? `"categorical-cem" for ${config.env}'s discrete actions, received "${config.actor.planner}"`
        : `"gradient", "cem", "mppi", "random-shooting" or "hybrid" for ${config.env}'s box actions, received "${config.actor.planner}"`
    )
  }
  if (config.upperActors.length > config.levels.strides.length) {
    throw fieldError(
      source,
      "upperActors",
      `at most one entry per level above 0 (${config.levels.strides.length}), received ${config.upperActors.length}`
    )
  }
  const upperActors = [
    ["upperActor", config.upperActor],
    ...config.upperActors.map((_, index) => [`upperActors[${index}]`, levelActor(config, index + 1)] as const)
  ] as const
  for (const [field, actor] of upperActors) {
    if (actor.planner === "categorical-cem") {
      throw fieldError(
        source,
        `${field}.planner`,
        `"gradient", "cem", "mppi", "random-shooting" or "hybrid" (macro-actions are boxes)`
      )
    }
  }
  for (const [field, actor] of [
    ["actor", config.actor],
    ["upperActor", config.upperActor]
  ] as const) {
    if (field === "actor" && actor.replanInterval !== null && actor.replanInterval > actor.horizon) {
      throw fieldError(source, `${field}.replanInterval`, `at most the horizon ${actor.horizon}`)
    }
  }
  config.evaluation.agents.forEach((agent, index) => {
    const field = `evaluation.agents[${index}]`
    if (agent.startsWith("ground-truth") && !spec.hasGroundTruthModel) {
      throw fieldError(source, field, `an agent ${config.env} can have: it has no ground-truth model`)
    }
    if (agent.startsWith("hierarchical") && config.levels.strides.length === 0) {
      throw fieldError(source, field, "levels.strides with at least one level for a hierarchical agent")
    }
    if (agent.endsWith("+memory") && config.memory.landmarks === 0) {
      throw fieldError(source, field, "memory.landmarks above 0 for an agent with memory")
    }
    if (config.evaluation.equalCompute && agent.startsWith("flat")) {
      const counterpart = hierarchicalCounterpart(agent)
      if (!config.evaluation.agents.includes(counterpart)) {
        throw fieldError(source, field, `the agent "${counterpart}" beside it to match its compute to`)
      }
    }
  })
  if (config.evaluation.equalCompute && config.actor.planner !== "gradient") {
    throw fieldError(
      source,
      "evaluation.equalCompute",
      `false, or actor.planner "gradient" (compute is matched in restarts), received "${config.actor.planner}"`
    )
  }
  for (const [field, weight] of [
    ["memory.passages.weight", config.memory.passages.weight],
    ["memory.routeWeight", config.memory.routeWeight]
  ] as const) {
    if (weight > 0 && config.memory.landmarks === 0) {
      throw fieldError(source, field, "0, or memory.landmarks above 0 (the memory is what it reads)")
    }
  }
  if (config.guardrail.keepOut.length > 0) {
    config.guardrail.position.forEach((coordinate, index) => {
      if (coordinate >= observationSize) {
        throw fieldError(
          source,
          `guardrail.position[${index}]`,
          `a state-observation coordinate below ${observationSize}, received ${coordinate}`
        )
      }
    })
    if (config.guardrail.position[0] === config.guardrail.position[1]) {
      throw fieldError(
        source,
        "guardrail.position",
        "two distinct coordinates (the zones are circles on a plane)"
      )
    }
  }
}

/** Where a run's configuration comes from, besides the environment's defaults. */
export interface ConfigSources {
  /** A suite's settings (a partial configuration), applied over the defaults and under the file. */
  readonly preset?:
    | {
        /** The suite's id, for error messages. */
        readonly name: string
        /** Its settings. */
        readonly settings: Readonly<Record<string, unknown>>
      }
    | undefined
  /** A parsed config file, applied over the defaults. */
  readonly file?: Readonly<Record<string, unknown>> | undefined
  /** Its path, for error messages. */
  readonly filePath?: string | undefined
  /** `--set key.path=value` overrides, in order, applied last. */
  readonly overrides?: ReadonlyArray<string> | undefined
  /** Whether the environment has a pixel variant to evaluate pixel runs in (see `EnvSource.pixels`). */
  readonly pixelVariant?: boolean | undefined
}

/**
 * The resolved configuration of a run on `spec`: defaults, then a suite's settings, then the file,
 * then the overrides.
 *
 * @example
 * ```ts
 * const config = resolveRunConfig(pointMass, "point-mass", { overrides: ["actor.horizon=24"] })
 * config.actor.horizon // 24
 * ```
 */
export const resolveRunConfig = (
  spec: EnvSpec<unknown>,
  env: string,
  sources: ConfigSources = {}
): RunConfig => {
  let merged: unknown = defaultRunConfig(spec, env)
  if (sources.preset !== undefined) {
    const source = `preset ${sources.preset.name}`
    merged = mergeConfig(merged, sources.preset.settings)
    checkRunConfig(decodeConfigSync(RunConfig, merged, source), spec, source, sources.pixelVariant === true)
  }
  if (sources.file !== undefined) {
    // The file is checked on its own first, so that an error is blamed on where it was made.
    const source = sources.filePath ?? "run config"
    merged = mergeConfig(merged, sources.file)
    checkRunConfig(decodeConfigSync(RunConfig, merged, source), spec, source, sources.pixelVariant === true)
  }
  const overrides = sources.overrides ?? []
  for (const text of overrides) merged = mergeConfig(merged, parseOverride(text))
  const source = overrides.length > 0 ? "--set" : (sources.filePath ?? "run config")
  const config = decodeConfigSync(RunConfig, merged, source)
  checkRunConfig(config, spec, source, sources.pixelVariant === true)
  return config
}
