/**
 * The agent: what acts in an environment. An agent starts on a batch of goal observations and,
 * at every step, turns the batch's observations into actions. The one way telos makes an agent
 * plan is model-predictive control: perceive, plan a whole action sequence with a world model,
 * execute its first action (or the first few), and plan again from what it then observes; the
 * previous plan, shifted, warm-starts the next. {@link flatAgent} does this with one model and one
 * planner; `hierarchicalAgent` puts levels of coarser models above it, which hand it subgoals.
 *
 * @module
 */
import type { Cost, Plan, Planner, Random, WorldModel } from "@telos/core"
import { describeValue, InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { addCosts, type DistanceMetric } from "../cost/Cost.js"
import type { EpisodeMemory, OnlineMemory } from "../memory/OnlineMemory.js"
import { maxPlanningHorizon } from "../search/Limits.js"
import { selectProblems, shiftPlan } from "../search/StartingPlan.js"
import type { SubgoalDirector, SubgoalTracker } from "./Subgoals.js"

/**
 * The cost of a batch of plans given their targets `[N, D]`, one latent row per problem: the
 * encoded goals, or the subgoals a memory or a level above hands down. Targets always exist: a task
 * without a goal of its own (balance a pendulum) names the state it wants as its goal.
 *
 * @example
 * ```ts
 * const cost: CostFactory = (targets) => goalCost({ goal: targets, mode: "running" })
 * ```
 */
export type CostFactory = (targets: tf.Tensor2D) => Cost

/** One action of one episode, as the agent planned it. */
export interface AgentAction {
  /** The action row in the model's action space (one-hot for a discrete environment). */
  readonly action: Float32Array
  /** The cost the plan that chose it predicts, for reports. */
  readonly plannedCost: number
}

/** What an agent did in a batch of episodes. */
export interface AgentStatistics {
  /** Planning calls of the bottom level (one per replan interval of the batch). */
  readonly planCalls: number
  /** Wall-clock milliseconds spent in those calls, encoding and the levels above included. */
  readonly planMilliseconds: number
  /** Each planning call's trace: the mean best cost before its first iteration and after each. */
  readonly planningTraces: ReadonlyArray<ReadonlyArray<number>>
  /** Plans made by each level above 0 (index 0 is level 1); empty for a flat agent. */
  readonly levelPlans: ReadonlyArray<number>
}

/** An agent acting in one batch of episodes. */
export interface AgentEpisodes {
  /**
   * The next action of every episode, given each one's observation; `undefined` for episodes
   * whose `running` entry is false (they have ended and are not planned for).
   */
  act(
    observations: ReadonlyArray<ArrayLike<number>>,
    running: ReadonlyArray<boolean>
  ): ReadonlyArray<AgentAction | undefined>
  /** Counts of the batch so far (planning calls, time, traces), for reports. */
  statistics(): AgentStatistics
  /** Frees the batch's tensors (the encoded goals). */
  dispose(): void
}

/** Something that acts: started on a batch of goal observations, one per episode. */
export interface Agent {
  /** A short name for reports. */
  readonly name: string
  /** Levels of its planning hierarchy (1: flat). */
  readonly levels: number
  /** The world model whose actions the agent returns (level 0's). */
  readonly model: WorldModel
  /** Starts a batch of episodes, one per goal observation; `rng` drives the planners' randomness. */
  start(goals: ReadonlyArray<ArrayLike<number>>, rng: Random): AgentEpisodes
}

/**
 * One plan an agent made, as {@link FlatAgentOptions.onPlan} is told it.
 *
 * @example
 * ```ts
 * const onPlan = ({ step, episodes, plan }: PlanEvent) => {
 *   // Episode episodes[0]'s latent predicted 4 steps after `step`: row 0, step 4 of predictedStates.
 *   const at = (0 * (plan.horizon + 1) + 4) * plan.latentSize
 *   const predicted = plan.predictedStates.slice(at, at + plan.latentSize)
 * }
 * ```
 */
export interface PlanEvent {
  /** Environment steps each of these episodes had taken when it was planned (0: before the first action). */
  readonly step: number
  /** The episodes planned for, in the plan's row order: row `i` is episode `episodes[i]` of the batch. */
  readonly episodes: ReadonlyArray<number>
  /**
   * The plan: its best `actions` `[N, T, A]`, their `cost` `[N]`, and the latents the model predicts
   * under them, `predictedStates` `[N, T + 1, D]` (step 0 the encoded observation, step `k` the
   * state `k` model steps later). The planner's own arrays: copy what you keep.
   */
  readonly plan: Plan
}

/** Options of {@link flatAgent}. */
export interface FlatAgentOptions {
  /** The world model planned in. */
  readonly model: WorldModel
  /** The planner that searches the actions. */
  readonly planner: Planner
  /** Model steps planned ahead: an integer from 1 to `maxPlanningHorizon` (10,000). */
  readonly horizon: number
  /** Default: the squared latent distance to the target, summed over the predicted steps. */
  readonly cost: CostFactory
  /**
   * Environment steps between plans (default 1: replan every step). In between, the agent executes
   * the current plan's next actions; the next plan is warm-started from it, shifted by the steps
   * taken.
   */
  readonly replanInterval?: number
  /**
   * Where each plan aims when not straight at the goal: before every plan the director's tracker
   * turns the agents' latents into targets, and the cost is built for those targets.
   */
  readonly memory?: SubgoalDirector
  /** For reports; default the planner's name. */
  readonly name?: string
  /**
   * Perception of the goal observations, `[N, O]` to `[N, D]` (default the model's `encode`). A goal
   * observation can hold numbers that mean nothing (the coordinates a goal does not constrain);
   * an encoder that knows which ones do can place the goal latent accordingly.
   */
  readonly encodeGoals?: (goals: tf.Tensor2D) => tf.Tensor2D
  /**
   * Told after every plan, with the step it was made at, the episodes it was made for and the plan
   * (see {@link PlanEvent}): e.g. to draw the latents the best plan predicts. Unset, nothing is
   * read or copied for it.
   */
  readonly onPlan?: (event: PlanEvent) => void
  /**
   * What the agent remembers of each episode as it acts (e.g. `stallMemory`): it sees the latent
   * of every episode before each plan, and its cost term joins the cost of every plan, at every
   * level of a hierarchy.
   */
  readonly onlineMemory?: OnlineMemory
  /**
   * The unit of `cost`'s goal distance, which the online memory's points are measured in (default
   * `"squared"`; `"distance"` for a `goalCost` of metric `"distance"`).
   */
  readonly memoryHeights?: DistanceMetric
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

/**
 * Encodes host rows (observations or goal observations) with a model's perception.
 *
 * @example
 * ```ts
 * const latents = encodeRows(model, [observation], "observations") // [1, D]
 * ```
 */
export const encodeRows = (
  model: WorldModel,
  rows: ReadonlyArray<ArrayLike<number>>,
  field: string
): tf.Tensor2D => tf.tidy(() => model.encode(toRows(rows, field)))

/**
 * A level's cost for a plan over `episodes`, with the online memory's term added when it remembers
 * something of them, its points measured in `heights` (the unit of the level's goal cost).
 *
 * @example
 * ```ts
 * const cost = withOnlineCost(goalCost({ goal: targets, mode: "running" }), online, [0, 2])
 * ```
 */
export const withOnlineCost = (
  cost: Cost,
  online: EpisodeMemory | undefined,
  episodes: ReadonlyArray<number>,
  heights: DistanceMetric = "squared"
): Cost => {
  const remembered = online?.cost(episodes, heights)
  return remembered === undefined ? cost : addCosts(cost, remembered)
}

/** The action of problem `row` at step `offset` of a plan. */
const actionAt = (plan: Plan, row: number, offset: number): Float32Array => {
  const start = (row * plan.horizon + offset) * plan.actionSize
  return plan.actions.slice(start, start + plan.actionSize)
}

/**
 * An agent that plans with one world model and one planner (model-predictive control). The
 * episodes of a batch are planned together as one batch of problems; episodes that have ended are
 * left out of the next plans, each remaining one warm-started from its own row.
 *
 * @example
 * ```ts
 * const agent = flatAgent({
 *   model: pointMass.groundTruthModel(),
 *   planner: gradientPlanner({ iterations: 20, restarts: 4 }),
 *   horizon: 30,
 *   cost: (targets) => goalCost({ goal: targets, mode: "running" })
 * })
 * runEpisodes(envs, seeds, agent, { rng: Random.fromSeed(0) })
 * ```
 */
export const flatAgent = (options: FlatAgentOptions): Agent => {
  // The horizon first: the replanning interval is bounded by it, and a bad horizon must not be
  // reported as a bad interval.
  const { horizon } = options
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > maxPlanningHorizon) {
    throw new InvalidValueError({
      field: "horizon",
      expected: `an integer from 1 to ${maxPlanningHorizon}`,
      received: describeValue(horizon)
    })
  }
  const interval = options.replanInterval ?? 1
  if (!Number.isInteger(interval) || interval < 1 || interval > options.horizon) {
    throw new InvalidValueError({
      field: "replanInterval",
      expected: `an integer from 1 to the horizon (${options.horizon})`,
      received: String(options.replanInterval)
    })
  }
  return {
    name: options.name ?? options.planner.name,
    levels: 1,
    model: options.model,
    start: (goalRows, rng) => startFlat(options, interval, goalRows, rng)
  }
}

const startFlat = (
  options: FlatAgentOptions,
  interval: number,
  goalRows: ReadonlyArray<ArrayLike<number>>,
  rng: Random
): AgentEpisodes => {
  const { model, planner, horizon } = options
  const count = goalRows.length
  const encodeGoals = options.encodeGoals
  const goals =
    encodeGoals === undefined
      ? encodeRows(model, goalRows, "goals")
      : tf.tidy(() => encodeGoals(toRows(goalRows, "goals")))
  let tracker: SubgoalTracker | undefined
  let online: EpisodeMemory | undefined
  let fixedCost: Cost | undefined
  try {
    const goalLatents = goals.dataSync() as Float32Array
    online = options.onlineMemory?.start(goalLatents, model.latentSize)
    tracker = options.memory?.start(goalLatents, online)
    fixedCost = tracker === undefined && online === undefined ? options.cost(goals) : undefined
  } catch (error) {
    goals.dispose()
    throw error
  }
  let calls = 0
  let milliseconds = 0
  let step = 0
  let previous: Plan | undefined
  // The plan's row of each episode (-1: not in it).
  const planRow = new Int32Array(count).fill(-1)
  const traces: Array<ReadonlyArray<number>> = []
  const plan = (
    observations: ReadonlyArray<ArrayLike<number>>,
    running: ReadonlyArray<boolean>,
    stepsTaken: number
  ): void => {
    const startedAt = performance.now()
    const active = running.flatMap((isRunning, index) => (isRunning ? [index] : []))
    const encoded = encodeRows(model, observations, "observations")
    const latents =
      tracker === undefined && online === undefined ? undefined : (encoded.dataSync() as Float32Array)
    // The memory first: the levels above plan inside `tracker.next` and add its cost.
    if (latents !== undefined) online?.observe(latents, running)
    const targets =
      tracker === undefined || latents === undefined
        ? undefined
        : tf.tensor2d(tracker.next(latents, [...running]), encoded.shape)
    const everyone = active.length === count
    const initialStates = everyone ? encoded : tf.tidy(() => tf.gather(encoded, active))
    // Costs match targets to problems row by row: the targets of the episodes planned for.
    const planTargets = targets ?? goals
    const activeTargets = everyone ? planTargets : tf.tidy(() => tf.gather(planTargets, active))
    try {
      const cost =
        everyone && fixedCost !== undefined
          ? fixedCost
          : withOnlineCost(options.cost(activeTargets), online, active, options.memoryHeights)
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
      previous = planner.plan({ model, initialStates, cost, horizon, warmStart }, rng)
    } finally {
      // Some of these are the same tensor; each is disposed once. The goals stay for the run.
      const temporary = new Set([encoded, initialStates, targets, activeTargets])
      temporary.delete(goals)
      for (const tensor of temporary) tensor?.dispose()
    }
    planRow.fill(-1)
    active.forEach((index, row) => {
      planRow[index] = row
    })
    milliseconds += performance.now() - startedAt
    calls++
    traces.push(previous.trace)
    options.onPlan?.({ step: stepsTaken, episodes: active, plan: previous })
  }
  return {
    act: (observations, running) => {
      if (observations.length !== count || running.length !== count) {
        throw new InvalidValueError({
          field: "observations",
          expected: `one observation and one running flag per episode (${count})`,
          received: `${observations.length} observations, ${running.length} flags`
        })
      }
      const offset = step % interval
      step++
      if (offset === 0) plan(observations, running, step - 1)
      const current = previous as Plan
      return running.map((isRunning, index) => {
        const row = planRow[index] as number
        if (!isRunning || row < 0) return undefined
        return { action: actionAt(current, row, offset), plannedCost: current.cost[row] as number }
      })
    },
    statistics: () => ({
      planCalls: calls,
      planMilliseconds: milliseconds,
      planningTraces: traces,
      levelPlans: []
    }),
    dispose: () => goals.dispose()
  }
}
