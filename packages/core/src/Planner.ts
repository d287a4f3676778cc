/**
 * The planner contract (the actor). A planner receives one or more planning problems — each a
 * start latent, solved against one world model and one cost — and returns, for each, the action
 * sequence of least cost it found. Results come back in host memory, read from the backend once.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs"
import type { Cost } from "./Cost.js"
import type { Random } from "./Random.js"
import type { WorldModel } from "./WorldModel.js"

/** `N` problems solved together over one model and one cost. */
export interface PlanningProblem {
  /** The world model the plans are rolled out in. */
  readonly model: WorldModel
  /**
   * Start latents `[N, D]`, one per problem. The cost sees candidates laid out problem-major:
   * all candidates of problem 0, then all of problem 1, and so on.
   */
  readonly initialStates: tf.Tensor2D
  /** The cost the plans minimise. */
  readonly cost: Cost
  /** Model steps to plan ahead. */
  readonly horizon: number
  /** The previous plan for the same problems; the planner shifts it one step to start from. */
  readonly warmStart?: Plan | undefined
  /**
   * A plan for these very states (e.g. another planner's answer) to start from as it is, without
   * shifting; takes precedence over `warmStart`.
   */
  readonly initialGuess?: Plan | undefined
}

/** The planner's answer, in host memory. Arrays are row-major. */
export interface Plan {
  /** Number `N` of problems solved. */
  readonly problems: number
  /** Number `T` of steps per plan. */
  readonly horizon: number
  /** Size `A` of an action. */
  readonly actionSize: number
  /** Size `D` of a latent state. */
  readonly latentSize: number
  /** Best action sequence per problem, `[N, T, A]`. */
  readonly actions: Float32Array
  /** The states the model predicts under those actions, `[N, T + 1, D]`. */
  readonly predictedStates: Float32Array
  /** The cost of each returned sequence, `[N]`. */
  readonly cost: Float32Array
  /**
   * The cost of the best initial guess, `[N]`; `cost` is never above it, except for planners that
   * enforce hard constraints, where feasibility comes first.
   */
  readonly initialCost: Float32Array
  /** Mean over problems of the best cost so far, before the first iteration and after each. */
  readonly trace: ReadonlyArray<number>
}

/** Anything that turns planning problems into plans. */
export interface Planner {
  /** A short name for reports. */
  readonly name: string
  /** Solves the problems; `rng` drives any randomness (restarts, samples). */
  plan(problem: PlanningProblem, rng: Random): Plan
}

/** The first action of problem `index`'s plan. */
export const firstAction = (plan: Plan, index: number): Float32Array => {
  const start = index * plan.horizon * plan.actionSize
  return plan.actions.slice(start, start + plan.actionSize)
}
