/**
 * How a trial's configuration is made: the environment's defaults, the preset's settings, the
 * sweep's base, the trial's setting (dotted keys applied over the base) and its seed, resolved by
 * the configurator, so that what the sweep checked before it started is exactly what each trial runs.
 *
 * @module
 */
import { ConfigError } from "@telos/core"
import { mergeConfig, resolveRunConfig } from "../configurator/Resolve.js"
import type { RunConfig } from "../configurator/RunConfig.js"
import type { EnvSource } from "../pipeline/EnvSource.js"
import type { Trial } from "./Trials.js"

/** A preset's settings, found by its suite's id. */
export interface PresetSettings {
  /** The suite's id. */
  readonly name: string
  /** Its settings (a partial run configuration). */
  readonly settings: Readonly<Record<string, unknown>>
}

const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"])

/**
 * A setting's dotted keys as one nested partial configuration; a key with an empty or forbidden
 * part is a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * nestedSetting({ "actor.horizon": 10, "actor.planner": "cem" }, "grid")
 * // { actor: { horizon: 10, planner: "cem" } }
 * ```
 */
export const nestedSetting = (
  setting: Readonly<Record<string, unknown>>,
  source: string
): Record<string, unknown> => {
  let nested: unknown = {}
  for (const [key, value] of Object.entries(setting)) {
    const path = key.split(".")
    if (path.some((part) => part.length === 0 || forbiddenKeys.has(part))) {
      throw new ConfigError({
        source,
        issues: [{ field: key, expected: "a dotted path of config keys, e.g. actor.horizon" }]
      })
    }
    let inner: unknown = value
    for (const part of [...path].reverse()) inner = { [part]: inner }
    nested = mergeConfig(nested, inner)
  }
  return nested as Record<string, unknown>
}

/**
 * A setting in words, stable and unique within a sweep: its keys in the order given, values as JSON.
 *
 * @example
 * ```ts
 * settingIdOf({ "actor.horizon": 10, "actor.planner": "cem" }) // 'actor.horizon=10, actor.planner="cem"'
 * ```
 */
export const settingIdOf = (setting: Readonly<Record<string, unknown>>): string =>
  Object.entries(setting)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(", ")

/** What a trial's configuration is made from, besides its setting and seed. */
export interface TrialConfigSources {
  /** The environment's id or module path (the plan's). */
  readonly env: string
  /** The environment, loaded. */
  readonly source: EnvSource
  /** The preset's settings, when the sweep names one. */
  readonly preset: PresetSettings | undefined
  /** The sweep's base (a partial run configuration). */
  readonly base: Readonly<Record<string, unknown>>
}

/**
 * The resolved configuration of `trial`; a bad key or value is a `ConfigError` whose source names
 * the setting (`setting actor.horizon=0`) and whose field names the key.
 *
 * @example
 * ```ts
 * const config = trialConfig({ env: "point-mass", source, preset: undefined, base: {} }, trial)
 * config.seed // trial.seed
 * ```
 */
export const trialConfig = (
  sources: TrialConfigSources,
  trial: Pick<Trial, "seed" | "setting" | "settingId">
): RunConfig => {
  const where = trial.settingId === "" ? "sweep base" : `setting ${trial.settingId}`
  const file = mergeConfig(mergeConfig(sources.base, nestedSetting(trial.setting, where)), {
    env: sources.env,
    seed: trial.seed
  }) as Record<string, unknown>
  return resolveRunConfig(sources.source.spec, sources.env, {
    preset: sources.preset,
    file,
    filePath: where,
    pixelVariant: sources.source.pixels !== undefined
  })
}

/**
 * The settings of the preset `name` (a suite made of pipeline runs); any other name is a
 * `ConfigError` from `source` (the sweep file, or `--preset`) listing the suites that have settings.
 *
 * @example
 * ```ts
 * presetSettings("quickstart", suites).settings // quickstartSettings
 * ```
 */
export const presetSettings = (
  name: string,
  catalog: ReadonlyArray<{
    readonly id: string
    readonly settings?: Readonly<Record<string, unknown>> | undefined
  }>,
  source = "sweep"
): PresetSettings => {
  const suite = catalog.find((candidate) => candidate.id === name)
  if (suite?.settings === undefined) {
    throw new ConfigError({
      source,
      issues: [
        {
          field: "preset",
          expected: `a suite made of pipeline runs (${catalog
            .filter((candidate) => candidate.settings !== undefined)
            .map((candidate) => candidate.id)
            .join(", ")}), received "${name}"`
        }
      ]
    })
  }
  return { name: suite.id, settings: suite.settings }
}
