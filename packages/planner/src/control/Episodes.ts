/**
 * Running episodes: an agent acts in a batch of environments, one episode each, until every
 * episode has ended. The environments are stepped on the host; the agent plans for all the
 * episodes still running as one batch, so a suite of episodes costs little more than one.
 *
 * @module
 */
import type { Env, Info, Random } from "@telos/core"
import { InvalidValueError } from "@telos/core"
import type { Agent, AgentStatistics } from "./Agent.js"

/** How one episode went. */
export interface EpisodeOutcome {
  /** The seed the environment was reset with. */
  readonly seed: number
  /** The sum of the episode's rewards. */
  readonly totalReward: number
  /** Steps taken. */
  readonly steps: number
  /** Whether the episode succeeded, judged on the info of its last step. */
  readonly success: boolean
  /** The plan's predicted cost at each step (best candidate), for reports. */
  readonly plannedCosts: ReadonlyArray<number>
  /** Steps after which `violates` held (0 without it). */
  readonly violations: number
}

/** The outcome of a batch of episodes run together. */
export interface EpisodesRun {
  /** One outcome per environment, in order. */
  readonly episodes: ReadonlyArray<EpisodeOutcome>
  /** Planning calls made (one per replan interval of the batch). */
  readonly planCalls: number
  /** Mean wall-clock milliseconds per planning call for the whole batch. */
  readonly planMillisecondsPerCall: number
  /** Each planning call's trace: the mean best cost before its first iteration and after each. */
  readonly planningTraces: ReadonlyArray<ReadonlyArray<number>>
  /** What the agent reports of itself (plans per level, ...). */
  readonly agent: AgentStatistics
}

/** Options of {@link runEpisodes}. */
export interface EpisodeOptions {
  /** The agent's randomness (planners' samples); the environments are seeded by `seeds`. */
  readonly rng: Random
  /**
   * Reads an episode's goal observation from its reset info; default `info.goal`. An environment
   * without a goal of its own (balance a pendulum) names the observation it wants here.
   */
  readonly goalOf?: (info: Info) => ArrayLike<number>
  /** Whether an episode succeeded, judged on the info of its last step; default `info.success === true`. */
  readonly isSuccess?: (info: Info) => boolean
  /**
   * Whether a step broke a guardrail, judged on the environment's info and observation after it
   * (e.g. the agent's true position inside a keep-out zone); such steps are counted per episode.
   */
  readonly violates?: (info: Info, observation: ArrayLike<number>) => boolean
  /** Called after every step of the batch: steps taken so far, episodes still running. */
  readonly onStep?: (step: number, running: number) => void
  /** Called after each episode's step with the environment's info (e.g. to record trajectories). */
  readonly onTransition?: (episode: number, info: Info) => void
  /** Called after each environment's reset with its info (where a recorded trajectory starts). */
  readonly onReset?: (episode: number, info: Info) => void
}

const defaultGoalOf = (info: Info): ArrayLike<number> => {
  const goal = info.goal
  if (
    goal === undefined ||
    goal === null ||
    typeof goal !== "object" ||
    typeof (goal as ArrayLike<number>).length !== "number"
  ) {
    throw new InvalidValueError({
      field: "goalOf",
      expected: "an environment whose reset info has a goal observation, or a goalOf that names one",
      received: "a reset info without `goal`"
    })
  }
  return goal as ArrayLike<number>
}

/**
 * The environment's action for a planned row. For a discrete space the row is one value per choice
 * (one-hot, or scores of a relaxed plan) and the action is the highest one's index, the first on
 * ties. For a box: plans are float32, action spaces float64, and a bound such as 2.45 rounds to
 * 2.4500000477 in float32, one rounding step outside the box; actions within that rounding of a
 * bound are put on it, anything further out is left for the environment to reject or clip.
 *
 * @example
 * ```ts
 * toEnvironmentAction(Float32Array.of(0, 1, 0), gridEnv) // 1 for Discrete(3)
 * toEnvironmentAction(Float32Array.of(2.45), pendulumEnv) // Float64Array [2.45]
 * ```
 */
export const toEnvironmentAction = (action: Float32Array, env: Env): Float64Array | number => {
  const space = env.actionSpace
  if (space._tag === "Discrete") return space.choose(action, "action")
  const values = Float64Array.from(action)
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

/**
 * Runs one episode per environment with `agent`, all planned together, until every episode has
 * ended. Environment `i` is reset with `seeds[i]`; the agent starts on the goal observations the
 * resets report.
 *
 * @example
 * ```ts
 * const agent = flatAgent({ model, planner: gradientPlanner(), horizon: 25, cost: (targets) => goalCost({ goal: targets, mode: "running" }) })
 * const run = runEpisodes(envs, [0, 1, 2], agent, { rng: Random.fromSeed(0) })
 * run.episodes.filter((episode) => episode.success).length
 * ```
 */
export const runEpisodes = (
  envs: ReadonlyArray<Env>,
  seeds: ReadonlyArray<number>,
  agent: Agent,
  options: EpisodeOptions
): EpisodesRun => {
  if (envs.length === 0 || envs.length !== seeds.length) {
    throw new InvalidValueError({
      field: "seeds",
      expected: `one seed per environment (${envs.length}), at least one`,
      received: `${seeds.length} seeds`
    })
  }
  const isSuccess = options.isSuccess ?? ((info: Info) => info.success === true)
  const goalOf = options.goalOf ?? defaultGoalOf
  const resets = envs.map((env, index) => env.reset({ seed: seeds[index] as number }))
  resets.forEach((reset, index) => {
    options.onReset?.(index, reset.info)
  })
  const observations: Array<ArrayLike<number>> = resets.map((reset) => reset.observation)
  const totals = envs.map(() => 0)
  const steps = envs.map(() => 0)
  const violations = envs.map(() => 0)
  const successes = envs.map(() => false)
  const running = envs.map(() => true)
  const plannedCosts: Array<Array<number>> = envs.map(() => [])
  const episodes = agent.start(
    resets.map((reset) => goalOf(reset.info)),
    options.rng
  )
  try {
    for (let step = 0; running.some(Boolean); step++) {
      const actions = episodes.act(observations, running)
      envs.forEach((env, index) => {
        if (!running[index]) return
        const chosen = actions[index]
        if (chosen === undefined) {
          throw new InvalidValueError({
            field: `agent ${agent.name}`,
            expected: `an action for every running episode`,
            received: `none for episode ${index}`
          })
        }
        const outcome = env.step(toEnvironmentAction(chosen.action, env))
        observations[index] = outcome.observation
        totals[index] = (totals[index] as number) + outcome.reward
        steps[index] = (steps[index] as number) + 1
        if (options.violates?.(outcome.info, outcome.observation) === true)
          violations[index] = (violations[index] as number) + 1
        options.onTransition?.(index, outcome.info)
        plannedCosts[index]?.push(chosen.plannedCost)
        if (outcome.terminated || outcome.truncated) {
          running[index] = false
          successes[index] = isSuccess(outcome.info)
        }
      })
      options.onStep?.(step + 1, running.filter(Boolean).length)
    }
  } finally {
    episodes.dispose()
  }
  const statistics = episodes.statistics()
  return {
    episodes: envs.map((_, index) => ({
      seed: seeds[index] as number,
      totalReward: totals[index] as number,
      steps: steps[index] as number,
      success: successes[index] as boolean,
      plannedCosts: plannedCosts[index] as Array<number>,
      violations: violations[index] as number
    })),
    planCalls: statistics.planCalls,
    planMillisecondsPerCall:
      statistics.planCalls === 0 ? 0 : statistics.planMilliseconds / statistics.planCalls,
    planningTraces: statistics.planningTraces,
    agent: statistics
  }
}
