/**
 * The `diverse-maze-ceiling` suite: what the `diverse-maze` suite's agents would reach with a
 * perfect model. Each episode of a bucket (the same seeds, so the same layouts, starts and goals)
 * is played in the environment of its own layout by the suite's level-0 actor and cost on that
 * layout's true dynamics (`wallModel`, the ground truth of a diverse maze of one layout), so only
 * the model differs from the learned flat agent.
 *
 * @module
 */
import type { Env, ResetOptions } from "@telos/core"
import { holdActions, Random } from "@telos/core"
import { diverseMazeRules, type EnvSpec, envRegistry, makeDiverseMaze } from "@telos/envs"
import { runEpisodes } from "@telos/planner"
import { mergeConfig, resolveRunConfig } from "../../configurator/Resolve.js"
import type { RunConfig } from "../../configurator/RunConfig.js"
import { agentOf, groundTruthParts } from "../../pipeline/Agents.js"
import type { PlanningRow, Suite, SummaryColumn } from "../../report/Suite.js"
import {
  type DiverseMazeBucket,
  diverseMazeSettings,
  diverseMazeVariations
} from "../diverseMaze/settings.js"

/** One row: the planner on the true dynamics in one bucket, flat or with a level above. */
export interface DiverseMazeCeilingRow extends PlanningRow {
  /** The bucket of held-out start-goal pairs. */
  readonly bucket: DiverseMazeBucket
  /** The gradient planner's restarts (level 0's, with a level above). */
  readonly restarts: number
  /** Distinct layouts among the episodes. */
  readonly layouts: number
}

/** Options of {@link makeDiverseMazeCeilingSuite}: they shrink it (tests) or pick parts. */
export interface DiverseMazeCeilingOptions {
  /** Buckets (default short, medium, long). */
  readonly buckets?: ReadonlyArray<DiverseMazeBucket>
  /**
   * The agents, one row each: levels (1 flat; 2 with a level above that holds each action for the
   * suite's level-1 stride, planned by its upper actor) and level 0's restarts. Default: flat at 8
   * restarts (the actor's own) and at 46 (about the flat agents' at the 2-level agent's compute in
   * the `diverse-maze` suite), and 2 levels at 8.
   */
  readonly agents?: ReadonlyArray<CeilingAgent>
  /** Configuration over the `diverse-maze` suite's settings (tests shrink the actors). */
  readonly settings?: Readonly<Record<string, unknown>>
  /** Episodes per row when `--episodes` does not say (default 40, as the `diverse-maze` suite). */
  readonly episodes?: number
}

/** An agent of the ceiling: its levels and level 0's restarts. */
export interface CeilingAgent {
  /** 1: the flat planner; 2: with a level above whose action is held for the level-1 stride. */
  readonly levels: 1 | 2
  /** Restarts of level 0's gradient planner. */
  readonly restarts: number
}

const defaultAgents: ReadonlyArray<CeilingAgent> = [
  { levels: 1, restarts: 8 },
  { levels: 1, restarts: 46 },
  { levels: 2, restarts: 8 }
]

/** A bucket's held-out environment, with state observations (as registered). */
const bucketSpec = (bucket: DiverseMazeBucket): EnvSpec<unknown> =>
  envRegistry.get(`diverse-maze-held-out-${bucket}`)

/** The `diverse-maze` suite's configuration (under `settings`), resolved for a bucket's environment. */
const bucketConfig = (spec: EnvSpec<unknown>, settings: Readonly<Record<string, unknown>>): RunConfig =>
  resolveRunConfig(spec, spec.id, {
    preset: {
      name: "diverse-maze",
      settings: mergeConfig(diverseMazeSettings, settings) as Record<string, unknown>
    },
    pixelVariant: true
  })

/**
 * `env`, always reset to one start and goal: a bucket's episode replayed in the environment of its
 * own layout (the seed still draws the wall push-backs).
 *
 * @example
 * ```ts
 * const env = fixedEpisode(oneLayout.make(), [12, 20], [44, 36])
 * env.reset({ seed: 3 }).info.position // [12, 20]
 * ```
 */
export const fixedEpisode = (env: Env, start: ReadonlyArray<number>, goal: ReadonlyArray<number>): Env =>
  new Proxy(env, {
    get: (target, property) => {
      if (property === "reset") {
        return (options?: ResetOptions) => target.reset({ ...options, options: { start, goal } })
      }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === "function" ? value.bind(target) : value
    }
  })

/**
 * Plays a bucket's episodes `seed .. seed + episodes - 1` with a ground-truth agent, each in the
 * environment of its own layout.
 */
const bucketRow = (
  bucket: DiverseMazeBucket,
  { levels, restarts }: CeilingAgent,
  settings: Readonly<Record<string, unknown>>,
  seed: number,
  episodes: number,
  progress: (fraction: number) => void
): DiverseMazeCeilingRow => {
  const heldOut = bucketSpec(bucket)
  const bucketEnv = heldOut.make()
  const resolved = bucketConfig(heldOut, settings)
  const config: RunConfig = { ...resolved, actor: { ...resolved.actor, candidates: restarts } }
  const stride = config.levels.strides[0] ?? 1
  let successes = 0
  let totalReturn = 0
  let totalSteps = 0
  let planCalls = 0
  let planMilliseconds = 0
  const layouts = new Set<number>()
  for (let episode = 0; episode < episodes; episode++) {
    const episodeSeed = seed + episode
    const { info } = bucketEnv.reset({ seed: episodeSeed })
    const layout = info.layout as number
    layouts.add(layout)
    const spec = makeDiverseMaze({
      name: `layout-${layout}`,
      layouts: [layout],
      pathLength: { minimum: 1, maximum: diverseMazeRules.maxPathLength - 1 },
      observation: "state"
    })
    const env = fixedEpisode(
      spec.make(),
      Array.from(info.position as Float64Array),
      Array.from(info.goal as Float64Array)
    )
    const parts = groundTruthParts(config, spec)
    const agent =
      levels === 1
        ? agentOf("ground-truth", parts)
        : agentOf("hierarchical", { ...parts, upperModels: [holdActions(parts.model, stride)] })
    const run = runEpisodes([env], [episodeSeed], agent, { rng: Random.fromSeed(episodeSeed) })
    const outcome = run.episodes[0]
    if (outcome !== undefined) {
      successes += outcome.success ? 1 : 0
      totalReturn += outcome.totalReward
      totalSteps += outcome.steps
    }
    planCalls += run.planCalls
    planMilliseconds += run.planCalls * run.planMillisecondsPerCall
    progress((episode + 1) / episodes)
  }
  return {
    env: `diverse-maze-held-out-${bucket}`,
    planner: levels === 1 ? "ground-truth" : "ground-truth, 2 levels",
    levels,
    seed,
    episodes,
    successRate: successes / episodes,
    meanReturn: totalReturn / episodes,
    meanSteps: totalSteps / episodes,
    planMsPerStep: planCalls === 0 ? 0 : planMilliseconds / planCalls,
    bucket,
    restarts,
    layouts: layouts.size
  }
}

const column = (title: string, cell: (row: DiverseMazeCeilingRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as DiverseMazeCeilingRow)
})

/**
 * Builds the `diverse-maze-ceiling` suite.
 *
 * @example
 * ```ts
 * const small = makeDiverseMazeCeilingSuite({ buckets: ["long"], agents: [{ levels: 2, restarts: 8 }], episodes: 4 })
 * ```
 */
export const makeDiverseMazeCeilingSuite = (options: DiverseMazeCeilingOptions = {}): Suite => {
  const buckets = options.buckets ?? diverseMazeVariations.buckets
  const agents = options.agents ?? defaultAgents
  return {
    id: "diverse-maze-ceiling",
    description:
      "The diverse-maze suite's planners on the true dynamics (the ground truth of each episode's own layout), flat and with a level above: the success a perfect model would give, per bucket of held-out start-goal pairs",
    protocol: {
      episodes: `${options.episodes ?? 40} per row unless --episodes says, seeds from --seed as the diverse-maze suite's rows (the same layouts, starts and goals)`,
      model:
        "wallModel of the episode's layout: free moves exact, a blocked move stopped at the first face it enters and pushed back by the mean push-back",
      agent:
        "ground-truth: the diverse-maze suite's level-0 actor and cost (gradient planner, its horizon and iterations, the distance to the goal) on that model; with 2 levels, a level above whose model holds each action for the suite's level-1 stride (holdActions), planned by the suite's upper actor on the same cost",
      buckets,
      agents
    },
    run: async function* (context) {
      const episodes = context.episodes ?? options.episodes ?? 40
      for (const bucket of buckets) {
        for (const agent of agents) {
          yield bucketRow(bucket, agent, options.settings ?? {}, context.seed, episodes, (fraction) =>
            context.progress(`${bucket}, ${agent.levels} level(s), ${agent.restarts} restarts`, fraction)
          )
        }
      }
    },
    columns: [
      column("bucket", (row) => row.bucket),
      column("levels", (row) => String(row.levels)),
      column("restarts", (row) => String(row.restarts)),
      column("episodes", (row) => String(row.episodes)),
      column("layouts", (row) => String(row.layouts)),
      column("success", (row) => row.successRate.toFixed(3)),
      column("mean steps", (row) => row.meanSteps.toFixed(1)),
      column("plan ms / step", (row) => row.planMsPerStep.toFixed(1))
    ]
  }
}

/** The `diverse-maze-ceiling` suite at its default size. */
export const diverseMazeCeilingSuite: Suite = makeDiverseMazeCeilingSuite()
