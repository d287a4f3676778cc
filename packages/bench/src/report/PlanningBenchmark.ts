/**
 * One row of a planning suite: an agent runs a batch of seeded episodes and the row summarises
 * them.
 *
 * @module
 */
import type { Env, Info, Random } from "@telos/core"
import type { Agent } from "@telos/planner"
import { runEpisodes } from "@telos/planner"
import type { PlanningRow } from "./Suite.js"

/** What a planning row needs: an agent, the environment it acts in, and the episodes' seeds. */
export interface PlanningBenchmark {
  /** The environment's id, as the row reports it. */
  readonly env: string
  /** Makes one environment (one per episode). */
  readonly makeEnv: () => Env
  /** The agent that acts. */
  readonly agent: Agent
  /** Reads the goal observation from the reset info (default `info.goal`; see `EpisodeOptions.goalOf`). */
  readonly goalOf?: (info: Info) => ArrayLike<number>
  /** Whether an episode succeeded, judged on its last step's info (see `EpisodeOptions.isSuccess`). */
  readonly isSuccess?: (info: Info) => boolean
  /** Whether a step broke a guardrail (see `EpisodeOptions.violates`); the row then counts violations. */
  readonly violates?: (info: Info, observation: ArrayLike<number>) => boolean
  /** Episodes to run, as one batch. */
  readonly episodes: number
  /** The episodes' seeds, when not `seed, seed + 1, ...` (e.g. only seeds whose start suits a guardrail). */
  readonly seeds?: ReadonlyArray<number>
  /** The first episode's seed (episode `i` uses `seed + i`). */
  readonly seed: number
  /** Called after each episode's step with its info (see `EpisodeOptions.onTransition`). */
  readonly onTransition?: (episode: number, info: Info) => void
  /** Called after each episode's reset with its info (see `EpisodeOptions.onReset`). */
  readonly onReset?: (episode: number, info: Info) => void
  /**
   * Episodes planned together, as consecutive batches of this many; absent: all at once. A planner's
   * tensors grow with the batch (2,000 samples of 96 steps for 100 episodes do not fit in memory).
   */
  readonly batch?: number
  /** Extra fields for the row (the planner's settings, say). */
  readonly details?: Readonly<Record<string, unknown>>
}

const mean = (values: ReadonlyArray<number>): number =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length

/**
 * Runs the row's episodes (seeds `seed, seed + 1, ...`) as one batch and summarises them.
 *
 * @example
 * ```ts
 * const row = runPlanningBenchmark({ env: "point-mass", makeEnv: () => pointMass.make(), ... }, rng, onStep)
 * row.successRate
 * ```
 */
export const runPlanningBenchmark = (
  benchmark: PlanningBenchmark,
  rng: Random,
  onStep: (step: number, running: number) => void
): PlanningRow => {
  const seeds =
    benchmark.seeds ?? Array.from({ length: benchmark.episodes }, (_, index) => benchmark.seed + index)
  const batch = benchmark.batch ?? seeds.length
  const runs = Array.from({ length: Math.ceil(seeds.length / batch) }, (_, index) => {
    const first = index * batch
    const batchSeeds = seeds.slice(first, first + batch)
    const { onTransition, onReset } = benchmark
    return runEpisodes(
      batchSeeds.map(() => benchmark.makeEnv()),
      batchSeeds,
      benchmark.agent,
      {
        rng,
        onStep,
        ...(benchmark.goalOf === undefined ? {} : { goalOf: benchmark.goalOf }),
        ...(benchmark.isSuccess === undefined ? {} : { isSuccess: benchmark.isSuccess }),
        ...(benchmark.violates === undefined ? {} : { violates: benchmark.violates }),
        ...(onTransition === undefined
          ? {}
          : { onTransition: (episode: number, info: Info) => onTransition(first + episode, info) }),
        ...(onReset === undefined
          ? {}
          : { onReset: (episode: number, info: Info) => onReset(first + episode, info) })
      }
    )
  })
  const planCalls = runs.reduce((sum, part) => sum + part.planCalls, 0)
  const run = {
    episodes: runs.flatMap((part) => part.episodes),
    planCalls,
    planMillisecondsPerCall:
      planCalls === 0
        ? 0
        : runs.reduce((sum, part) => sum + part.planMillisecondsPerCall * part.planCalls, 0) / planCalls
  }
  const returns = run.episodes.map((episode) => episode.totalReward)
  const longest = Math.max(...run.episodes.map((episode) => episode.plannedCosts.length))
  const meanPlannedCost = Array.from({ length: longest }, (_, step) =>
    mean(
      run.episodes.flatMap((episode) =>
        step < episode.plannedCosts.length ? [episode.plannedCosts[step] as number] : []
      )
    )
  )
  return {
    env: benchmark.env,
    planner: benchmark.agent.name,
    levels: benchmark.agent.levels,
    seed: benchmark.seed,
    episodes: benchmark.episodes,
    successRate: mean(run.episodes.map((episode) => (episode.success ? 1 : 0))),
    meanReturn: mean(returns),
    meanSteps: mean(run.episodes.map((episode) => episode.steps)),
    planMsPerStep: run.planMillisecondsPerCall,
    planCalls: run.planCalls,
    returns,
    meanPlannedCost,
    ...(benchmark.violates === undefined
      ? {}
      : { violations: run.episodes.reduce((total, episode) => total + episode.violations, 0) }),
    ...benchmark.details
  }
}
