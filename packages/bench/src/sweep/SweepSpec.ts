/**
 * The sweep file (`telos sweep --config sweep.yaml`): an environment, a base configuration (inline
 * or a run config file), an optional preset, a grid or a list of settings over dotted configuration
 * keys, and seeds. It is decoded with a schema, every error a `ConfigError` naming the field, and
 * every setting is resolved by the configurator before any trial runs, so that a bad key or value
 * stops the sweep at once, naming the setting and the key.
 *
 * @example
 * ```yaml
 * env: point-mass
 * preset: quickstart
 * base: { evaluation: { agents: [ground-truth], episodes: 5 } }
 * grid: { actor.horizon: [10, 20, 30] }
 * seeds: 3
 * ```
 *
 * @module
 */
import { dirname, resolve } from "node:path"
import { ConfigError, decodeConfigSync } from "@telos/core"
import { type EnvRegistry, envRegistry } from "@telos/envs"
import { Schema } from "effect"
import { readConfigFile } from "../configurator/Resolve.js"
import { loadEnvSource, portableEnvName } from "../pipeline/EnvSource.js"
import { stageKey } from "../pipeline/StageCache.js"
import type { Suite } from "../report/Suite.js"
import { suites } from "../report/Suites.js"
import { presetSettings, settingIdOf, trialConfig } from "./TrialConfig.js"
import type { SweepPlan, Trial } from "./Trials.js"

const ConfigObject = Schema.Record(Schema.String, Schema.Unknown)

/** The sweep file as written, before its parts are checked against each other. */
const SweepFile = Schema.Struct({
  env: Schema.optionalKey(Schema.String),
  base: Schema.optionalKey(ConfigObject),
  config: Schema.optionalKey(Schema.String),
  preset: Schema.optionalKey(Schema.String),
  grid: Schema.optionalKey(Schema.Record(Schema.String, Schema.NonEmptyArray(Schema.Unknown))),
  list: Schema.optionalKey(Schema.NonEmptyArray(ConfigObject)),
  seeds: Schema.Union([Schema.NonEmptyArray(Schema.Int), Schema.Int.check(Schema.isGreaterThan(0))])
})

/** A decoded sweep file: what to sweep, before its settings are resolved. */
export interface SweepSpec {
  /** The environment's id or module path; absent when the base names it. */
  readonly env: string | undefined
  /** The base configuration: the inline `base`, or the file `config` names (read). */
  readonly base: Readonly<Record<string, unknown>>
  /** A suite whose settings apply under the base, when given. */
  readonly preset: string | undefined
  /** The settings, in order (a grid's product, or the list). */
  readonly settings: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** The seeds, in order. */
  readonly seeds: ReadonlyArray<number>
}

const issue = (source: string, field: string, expected: string): ConfigError =>
  new ConfigError({ source, issues: [{ field, expected }] })

/**
 * Every combination of a grid's values, the first key outermost; an empty grid is one empty setting.
 *
 * @example
 * ```ts
 * gridSettings({ "actor.horizon": [10, 20], seed: [0] }) // [{ "actor.horizon": 10, seed: 0 }, { "actor.horizon": 20, seed: 0 }]
 * ```
 */
export const gridSettings = (
  grid: Readonly<Record<string, ReadonlyArray<unknown>>>
): ReadonlyArray<Readonly<Record<string, unknown>>> =>
  Object.entries(grid).reduce<ReadonlyArray<Record<string, unknown>>>(
    (settings, [key, values]) =>
      settings.flatMap((setting) => values.map((value) => ({ ...setting, [key]: value }))),
    [{}]
  )

/**
 * Decodes a parsed sweep file. `source` names it in errors; `readBase` reads the run config file
 * `config` names (relative to the sweep file, resolved by the caller).
 *
 * @example
 * ```ts
 * const spec = await decodeSweepSpec({ env: "point-mass", grid: { "actor.horizon": [10, 20] }, seeds: 2 }, "sweep.yaml")
 * spec.settings.length // 2
 * ```
 */
export const decodeSweepSpec = async (
  value: unknown,
  source: string,
  readBase: (path: string) => Promise<Record<string, unknown>> = readConfigFile
): Promise<SweepSpec> => {
  const file = decodeConfigSync(SweepFile, value, source)
  if (file.base !== undefined && file.config !== undefined) {
    throw issue(source, "config", "either base or config, not both")
  }
  if ((file.grid === undefined) === (file.list === undefined)) {
    throw issue(
      source,
      file.grid === undefined ? "grid" : "list",
      "either grid or list (one of them, not both)"
    )
  }
  const seeds =
    typeof file.seeds === "number" ? Array.from({ length: file.seeds }, (_, seed) => seed) : file.seeds
  if (new Set(seeds).size !== seeds.length) throw issue(source, "seeds", "distinct seeds")
  const settings = file.grid !== undefined ? gridSettings(file.grid) : (file.list ?? [])
  const ids = new Map<string, number>()
  settings.forEach((setting, index) => {
    const id = settingIdOf(setting)
    const earlier = ids.get(id)
    if (earlier !== undefined)
      throw issue(source, `list[${index}]`, `a setting other than list[${earlier}] (${id})`)
    ids.set(id, index)
  })
  const base = file.config === undefined ? (file.base ?? {}) : await readBase(file.config)
  const env = file.env ?? (typeof base.env === "string" ? base.env : undefined)
  return { env, base, preset: file.preset, settings, seeds }
}

/**
 * Reads and decodes the sweep file at `path` (JSON or YAML); its `config` is read relative to it.
 *
 * @example
 * ```ts
 * const spec = await readSweepSpec("sweeps/horizon.yaml")
 * ```
 */
export const readSweepSpec = async (path: string): Promise<SweepSpec> =>
  decodeSweepSpec(await readConfigFile(path), path, (config) =>
    readConfigFile(resolve(dirname(path), config))
  )

/**
 * The trials of `settings` with `seeds`: settings outer, seeds inner, numbered from 0.
 *
 * @example
 * ```ts
 * sweepTrials([{ "actor.horizon": 10 }], [0, 1]).map((trial) => trial.seed) // [0, 1]
 * ```
 */
export const sweepTrials = (
  settings: ReadonlyArray<Readonly<Record<string, unknown>>>,
  seeds: ReadonlyArray<number>
): ReadonlyArray<Trial> =>
  settings.flatMap((setting, index) =>
    seeds.map((seed, inner) => ({
      trial: index * seeds.length + inner,
      seed,
      setting,
      settingId: settingIdOf(setting)
    }))
  )

/** What {@link expandSweep} needs besides the spec. */
export interface ExpandOptions {
  /** The stage cache the trials share. */
  readonly cache: string
  /** Where the spec came from, for errors. */
  readonly source: string
  /** The suites a preset may name (the built-in ones by default). */
  readonly catalog?: ReadonlyArray<Suite> | undefined
  /** The environments an id may name (the built-in ones by default). */
  readonly environments?: EnvRegistry | undefined
}

/**
 * The plan of a sweep: its trials, each setting resolved first (with the first seed) so that a bad
 * key or value is a `ConfigError` naming the setting and the key before any trial runs. The key is
 * a hash of the environment, preset, base and trials.
 *
 * @example
 * ```ts
 * const plan = await expandSweep(await readSweepSpec("sweep.yaml"), { cache: "runs/sweep/cache", source: "sweep.yaml" })
 * plan.trials.length // settings x seeds
 * ```
 */
export const expandSweep = async (spec: SweepSpec, options: ExpandOptions): Promise<SweepPlan> => {
  if (spec.env === undefined) {
    throw issue(options.source, "env", "an environment id or module path (env, or base's env)")
  }
  // Workers may start in other folders: a module path travels absolute.
  const env = portableEnvName(spec.env)
  const source = await loadEnvSource(env, options.environments ?? envRegistry)
  const preset =
    spec.preset === undefined ? undefined : presetSettings(spec.preset, options.catalog ?? suites)
  const seed = spec.seeds[0] ?? 0
  trialConfig({ env, source, preset, base: spec.base }, { seed, setting: {}, settingId: "" })
  for (const setting of spec.settings) {
    trialConfig({ env, source, preset, base: spec.base }, { seed, setting, settingId: settingIdOf(setting) })
  }
  const trials = sweepTrials(spec.settings, spec.seeds)
  return {
    key: stageKey("sweep", { env, preset: spec.preset ?? null, base: spec.base, trials }, []),
    env,
    ...(spec.preset === undefined ? {} : { preset: spec.preset }),
    base: spec.base,
    trials,
    cache: resolve(options.cache)
  }
}
