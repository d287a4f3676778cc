/**
 * A suite as settings: a list of runs of the pipeline, each an environment and the configuration it
 * runs with (the suite's settings under the run's own), sharing one stage cache so that runs that
 * differ only in their agents or planners train nothing twice. The suite's rows are the runs' rows,
 * each carrying what its run fixed; its protocol is every run's resolved configuration. A resumed
 * suite skips the runs whose rows are all finished and starts the next after its finished rows.
 *
 * @module
 */
import { join } from "node:path"
import { mergeConfig, resolveRunConfig } from "../configurator/Resolve.js"
import type { RunConfig } from "../configurator/RunConfig.js"
import { planningTimingFields, type Suite, type SuiteCheck, type SummaryColumn } from "../report/Suite.js"
import { type EnvSource, loadEnvSource, loadEvaluationSource } from "./EnvSource.js"
import { pipelineRowCount, pipelineSuite, type RunRow, runColumns } from "./Pipeline.js"

/** One run of a suite. */
export interface SuiteRun<Fields extends object> {
  /** A registered environment's id or a module path. */
  readonly env: string
  /** Configuration over the suite's settings (a partial run configuration). */
  readonly settings: Readonly<Record<string, unknown>>
  /** What this run fixes, copied into each of its rows (for the table and the checks). */
  readonly fields: Fields
}

/** A row of a suite of runs: a run's row with the fields its run fixed. */
export type SuiteRunRow<Fields> = RunRow & Fields

/** What a suite of runs is made of. */
export interface RunsSuiteSettings<Fields extends object> {
  /** The suite's id (`telos bench --suite <id>`). */
  readonly id: string
  /** One line on what it shows. */
  readonly description: string
  /** Configuration every run shares, over each environment's defaults (a partial run configuration). */
  readonly settings: Readonly<Record<string, unknown>>
  /** The runs, in order. */
  readonly runs: ReadonlyArray<SuiteRun<Fields>>
  /** Columns for the fields, shown before the run's own. */
  readonly fieldColumns: ReadonlyArray<SummaryColumn>
  /** The suite's checks over all rows. */
  readonly checks: (rows: ReadonlyArray<SuiteRunRow<Fields>>) => ReadonlyArray<SuiteCheck>
}

/**
 * The configuration of one run of a suite: the environment's defaults, the suite's settings, the
 * run's own, then the context's seed and episode count.
 *
 * @example
 * ```ts
 * const config = suiteRunConfig(settings, run, await loadEnvSource(run.env), { seed: 0, episodes: 20 })
 * ```
 */
export const suiteRunConfig = (
  settings: Readonly<Record<string, unknown>>,
  run: SuiteRun<object>,
  source: EnvSource,
  context: { readonly seed: number; readonly episodes: number | undefined }
): RunConfig => {
  const file = mergeConfig(mergeConfig(settings, run.settings), {
    seed: context.seed,
    ...(context.episodes === undefined ? {} : { evaluation: { episodes: context.episodes } })
  }) as Record<string, unknown>
  return resolveRunConfig(source.spec, source.name, {
    file,
    filePath: `suite run on ${run.env}`,
    pixelVariant: source.pixels !== undefined
  })
}

/**
 * The suite that runs the pipeline once per run of `suite`.
 *
 * @example
 * ```ts
 * const suite = runsSuite({ id: "mine", description: "...", settings: {}, runs: [{ env: "point-mass", settings: {}, fields: {} }], fieldColumns: [], checks: () => [] })
 * ```
 */
export const runsSuite = <Fields extends object>(suite: RunsSuiteSettings<Fields>): Suite => {
  const configOf = async (run: SuiteRun<Fields>, context: Parameters<typeof suiteRunConfig>[3]) => {
    const source = await loadEnvSource(run.env)
    return { source, config: suiteRunConfig(suite.settings, run, source, context) }
  }
  return {
    id: suite.id,
    description: suite.description,
    protocol: { settings: suite.settings, runs: suite.runs },
    resolveProtocol: async (context) => {
      const resolved: Array<RunConfig> = []
      for (const run of suite.runs) resolved.push((await configOf(run, context)).config)
      return { settings: suite.settings, runs: suite.runs, resolved }
    },
    settings: suite.settings,
    columns: [...suite.fieldColumns, ...runColumns],
    timingFields: planningTimingFields,
    skipsFinishedRows: true,
    checks: (rows) => suite.checks(rows as ReadonlyArray<SuiteRunRow<Fields>>),
    run: async function* (context) {
      const cache = context.cache ?? join(context.directory ?? "runs", "cache")
      // Finished rows still to pass over; whole runs of them are not started at all.
      let finished = context.resumeAfter ?? 0
      for (const [index, run] of suite.runs.entries()) {
        const { source, config } = await configOf(run, context)
        const rows = pipelineRowCount(config)
        if (finished >= rows) {
          finished -= rows
          continue
        }
        const evaluationSource = await loadEvaluationSource(config, source)
        const pipeline = pipelineSuite(config, source, { cache, evaluationSource })
        const progress = (label: string, fraction: number) =>
          context.progress(`run ${index + 1}/${suite.runs.length} ${run.env}: ${label}`, fraction)
        for await (const row of pipeline.run({ ...context, progress, resumeAfter: finished })) {
          yield { ...(row as RunRow), ...run.fields }
        }
        finished = 0
      }
    }
  }
}
