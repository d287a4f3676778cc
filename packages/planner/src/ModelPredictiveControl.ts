/**
 * Model-predictive control: at every step the agent perceives, plans a whole action sequence with
 * its world model, executes only the first action, and plans again from what it then observes.
 * The previous plan, shifted by one step, warm-starts the next. Many episodes run side by side and
 * are planned as one batch, so a suite of episodes costs little more than one.
 *
 * @module
 */
import type { Cost, Env, Info, Plan, Planner, Random, WorldModel } from "@telos/core"
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { selectProblems, shiftPlan } from "./StartingPlan.js"
import type { SubgoalDirector, SubgoalTracker } from "./Subgoals.js"

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
  /**
   * Environment steps between plans (default 1: replan every step). In between, the agent executes
   * the current plan's next actions; the next plan is warm-started from it, shifted by the steps
   * taken.
   */
  readonly replanInterval?: number
  /**
   * Where each plan aims when not straight at the goal: before every plan, the director's tracker
   * turns the agents' latents into targets, and the cost is built for those targets instead of the
   * goals. Needs `goalOf`.
   */
  readonly subgoals?: SubgoalDirector
  /**
   * Whether a step broke a guardrail, judged on the environment's info after it (e.g. the agent's
   * true position inside a keep-out zone); such steps are counted per episode.
   */
  readonly violates?: (info: Info) => boolean
}

/** How one episode went. */
export interface EpisodeOutcome {
  readonly seed: number
  readonly totalReward: number
  readonly steps: number
  readonly success: boolean
  /** The plan's predicted cost at each step (best candidate), for reports. */
  readonly plannedCosts: ReadonlyArray<number>
  /** Steps after which `violates` held (0 without it). */
  readonly violations: number
}

/** The outcome of a batch of episodes planned together. */
export interface ControlRun {
  readonly episodes: ReadonlyArray<EpisodeOutcome>
  /** Planning calls made (one per `replanInterval` steps of the batch). */
  readonly planCalls: number
  /** Mean wall-clock milliseconds per planning call for the whole batch. */
  readonly planMillisecondsPerCall: number
  /** Each planning call's trace: the mean best cost before its first iteration and after each. */
  readonly planningTraces: ReadonlyArray<ReadonlyArray<number>>
}

/** Optional hooks. */
export interface ControlOptions {
  /** Called after every step of the batch: steps taken so far, episodes still running. */
  readonly onStep?: (step: number, running: number) => void
  /** Called after each episode's step with the environment's info (e.g. to record trajectories). */
  readonly onTransition?: (episode: number, info: Info) => void
}

/**
 * Plans are float32, action spaces float64: a bound such as 2.45 rounds to 2.4500000477 in float32,
 * one rounding step outside the box. Actions within that rounding of a bound are put on it; anything
 * further out is left for the environment to reject.
 */
export const toEnvironmentAction = (action: Float32Array, env: Env): Float64Array => {
  const values = Float64Array.from(action)
  const space = env.actionSpace
  if (space._tag !== "Box") return values
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number
    const low = space.low[index] as number
    const high = space.high[index] as number
    const rounding = 1e-6 * Math.max(1, Math.abs(low), Math.abs(high))
    if (value < low && value >= low - rounding) values[index] = low
    else if (value > high && value <= high + rounding) values[index] = high
  }
  return values
}

/** The action of problem `index` at step `offset` of a plan. */
const actionAt = (plan: Plan, index: number, offset: number): Float32Array => {
  const start = (index * plan.horizon + offset) * plan.actionSize
  return plan.actions.slice(start, start + plan.actionSize)
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
  const violations = envs.map(() => 0)
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
  const interval = task.replanInterval ?? 1
  if (!Number.isInteger(interval) || interval < 1 || interval > task.horizon) {
    goals?.dispose()
    throw new InvalidValueError({
      field: "task.replanInterval",
      expected: `an integer from 1 to the horizon (${task.horizon})`,
      received: String(task.replanInterval)
    })
  }
  let planCalls = 0
  let planMilliseconds = 0
  let previous: Plan | undefined
  // The plan's row of each episode (-1: not in it). Episodes that have ended are not planned for.
  const planRow = new Int32Array(envs.length).fill(-1)
  const planningTraces: Array<ReadonlyArray<number>> = []
  if (task.subgoals !== undefined && goals === undefined) {
    throw new InvalidValueError({
      field: "task.subgoals",
      expected: "a task with goalOf",
      received: "no goalOf"
    })
  }
  const tracker: SubgoalTracker | undefined =
    goals === undefined ? undefined : task.subgoals?.start(goals.dataSync() as Float32Array)
  try {
    const fixedCost = tracker === undefined ? task.cost(goals) : undefined
    for (let step = 0; running.some(Boolean); step++) {
      const offset = step % interval
      if (offset === 0) {
        const startedAt = performance.now()
        const active = running.flatMap((isRunning, index) => (isRunning ? [index] : []))
        const encoded = encodeRows(task.model, observations, "observations")
        const targets =
          tracker === undefined
            ? undefined
            : tf.tensor2d(tracker.next(encoded.dataSync() as Float32Array, [...running]), encoded.shape)
        const everyone = active.length === envs.length
        const initialStates = everyone ? encoded : tf.tidy(() => tf.gather(encoded, active))
        // Costs match goals to problems row by row: the goals of the episodes planned for.
        const planGoals = targets ?? goals
        const activeGoals =
          everyone || planGoals === undefined ? planGoals : tf.tidy(() => tf.gather(planGoals, active))
        const cost = everyone && fixedCost !== undefined ? fixedCost : task.cost(activeGoals)
        try {
          // Planners shift a warm start by one step; the other interval - 1 are shifted here.
          const warmStart =
            previous === undefined
              ? undefined
              : shiftPlan(
                  selectProblems(
                    previous,
                    active.map((index) => planRow[index] as number)
                  ),
                  interval - 1
                )
          previous = task.planner.plan(
            { model: task.model, initialStates, cost, horizon: task.horizon, warmStart },
            rng
          )
        } finally {
          // Some of these are the same tensor; each is disposed once. The goals stay for the run.
          const temporary = new Set([encoded, initialStates, targets, activeGoals])
          temporary.delete(goals)
          for (const tensor of temporary) tensor?.dispose()
        }
        planRow.fill(-1)
        active.forEach((index, row) => {
          planRow[index] = row
        })
        planMilliseconds += performance.now() - startedAt
        planCalls++
        planningTraces.push(previous.trace)
      }
      envs.forEach((env, index) => {
        if (!running[index]) return
        const row = planRow[index] as number
        const outcome = env.step(toEnvironmentAction(actionAt(previous as Plan, row, offset), env))
        observations[index] = outcome.observation
        totals[index] = (totals[index] as number) + outcome.reward
        steps[index] = (steps[index] as number) + 1
        if (task.violates?.(outcome.info) === true) violations[index] = (violations[index] as number) + 1
        options.onTransition?.(index, outcome.info)
        plannedCosts[index]?.push((previous as Plan).cost[row] as number)
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
      plannedCosts: plannedCosts[index] as Array<number>,
      violations: violations[index] as number
    })),
    planCalls,
    planMillisecondsPerCall: planCalls === 0 ? 0 : planMilliseconds / planCalls,
    planningTraces
  }
}
