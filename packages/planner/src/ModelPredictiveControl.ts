/**
 * Model-predictive control: at every step the agent perceives, plans a whole action sequence with
 * its world model, executes only the first action, and plans again from what it then observes.
 * The previous plan, shifted by one step, warm-starts the next. Many episodes run side by side and
 * are planned as one batch, so a suite of episodes costs little more than one.
 *
 * @module
 */
import type { Cost, Env, Info, Plan, Planner, Random, WorldModel } from "@telos/core"
import { firstAction, InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

/** What the controller needs to act in an environment. */
export interface ControlTask {
  readonly model: WorldModel
  readonly planner: Planner
  /** Model steps planned ahead. */
  readonly horizon: number
  /**
   * The cost for a batch of episodes. `goals` holds the encoded goal of each episode, `[N, D]`,
   * when the task has goals (see `goalOf`); it is owned by the controller and lives for the run.
   */
  readonly cost: (goals: tf.Tensor2D | undefined) => Cost
  /** Reads an episode's goal observation from its reset info; absent for tasks without goals. */
  readonly goalOf?: (info: Info) => ArrayLike<number>
  /** Whether an episode succeeded, judged on the info of its last step; defaults to `info.success === true`. */
  readonly isSuccess?: (info: Info) => boolean
}

/** How one episode went. */
export interface EpisodeOutcome {
  readonly seed: number
  readonly totalReward: number
  readonly steps: number
  readonly success: boolean
  /** The plan's predicted cost at each step (best candidate), for reports. */
  readonly plannedCosts: ReadonlyArray<number>
}

/** The outcome of a batch of episodes planned together. */
export interface ControlRun {
  readonly episodes: ReadonlyArray<EpisodeOutcome>
  /** Planning calls made (one per step of the batch). */
  readonly planCalls: number
  /** Mean wall-clock milliseconds per planning call for the whole batch. */
  readonly planMillisecondsPerCall: number
}

/** Optional hooks. */
export interface ControlOptions {
  /** Called after every step of the batch: steps taken so far, episodes still running. */
  readonly onStep?: (step: number, running: number) => void
}

const toRows = (rows: ReadonlyArray<ArrayLike<number>>, field: string): tf.Tensor2D => {
  const width = rows[0]?.length ?? 0
  const data = new Float32Array(rows.length * width)
  rows.forEach((row, index) => {
    if (row.length !== width) {
      throw new InvalidValueError({
        field: `${field}[${index}]`,
        expected: `length ${width}`,
        received: `length ${row.length}`
      })
    }
    data.set(Array.from(row), index * width)
  })
  return tf.tensor2d(data, [rows.length, width])
}

const encodeRows = (model: WorldModel, rows: ReadonlyArray<ArrayLike<number>>, field: string): tf.Tensor2D =>
  tf.tidy(() => model.encode(toRows(rows, field)))

/**
 * Runs one episode per environment, all planned together, until every episode has ended.
 * Environment `i` is reset with `seeds[i]`.
 *
 * @example
 * ```ts
 * const run = runEpisodes(envs, [0, 1, 2], {
 *   model, planner: gradientPlanner(), horizon: 25,
 *   goalOf: (info) => info.goal as Float64Array,
 *   cost: (goals) => goalCost({ goal: goals!, mode: "running" })
 * }, Random.fromSeed(0))
 * run.episodes.filter((episode) => episode.success).length
 * ```
 */
export const runEpisodes = (
  envs: ReadonlyArray<Env>,
  seeds: ReadonlyArray<number>,
  task: ControlTask,
  rng: Random,
  options: ControlOptions = {}
): ControlRun => {
  if (envs.length === 0 || envs.length !== seeds.length) {
    throw new InvalidValueError({
      field: "seeds",
      expected: `one seed per environment (${envs.length}), at least one`,
      received: `${seeds.length} seeds`
    })
  }
  const isSuccess = task.isSuccess ?? ((info: Info) => info.success === true)
  const resets = envs.map((env, index) => env.reset({ seed: seeds[index] as number }))
  const observations: Array<ArrayLike<number>> = resets.map((reset) => reset.observation)
  const totals = envs.map(() => 0)
  const steps = envs.map(() => 0)
  const successes = envs.map(() => false)
  const running = envs.map(() => true)
  const plannedCosts: Array<Array<number>> = envs.map(() => [])
  const goalOf = task.goalOf
  const goals =
    goalOf === undefined
      ? undefined
      : encodeRows(
          task.model,
          resets.map((reset) => goalOf(reset.info)),
          "goals"
        )
  let planCalls = 0
  let planMilliseconds = 0
  let previous: Plan | undefined
  try {
    const cost = task.cost(goals)
    for (let step = 0; running.some(Boolean); step++) {
      const startedAt = performance.now()
      const initialStates = encodeRows(task.model, observations, "observations")
      try {
        previous = task.planner.plan(
          { model: task.model, initialStates, cost, horizon: task.horizon, warmStart: previous },
          rng
        )
      } finally {
        initialStates.dispose()
      }
      planMilliseconds += performance.now() - startedAt
      planCalls++
      envs.forEach((env, index) => {
        if (!running[index]) return
        const outcome = env.step(firstAction(previous as Plan, index))
        observations[index] = outcome.observation
        totals[index] = (totals[index] as number) + outcome.reward
        steps[index] = (steps[index] as number) + 1
        plannedCosts[index]?.push((previous as Plan).cost[index] as number)
        if (outcome.terminated || outcome.truncated) {
          running[index] = false
          successes[index] = isSuccess(outcome.info)
        }
      })
      options.onStep?.(step + 1, running.filter(Boolean).length)
    }
  } finally {
    goals?.dispose()
  }
  return {
    episodes: envs.map((_, index) => ({
      seed: seeds[index] as number,
      totalReward: totals[index] as number,
      steps: steps[index] as number,
      success: successes[index] as boolean,
      plannedCosts: plannedCosts[index] as Array<number>
    })),
    planCalls,
    planMillisecondsPerCall: planCalls === 0 ? 0 : planMilliseconds / planCalls
  }
}
