/**
 * The environment contract, after Gymnasium: `reset` starts an episode from a seed, `step` applies
 * one action and reports the observation, the reward and whether the episode ended (`terminated`:
 * the task itself ended it, `truncated`: the step budget did).
 *
 * @module
 */
import type { Box, Discrete } from "./Space.js"

/** Extra facts about a reset or a step (the goal, whether it was reached, ...). */
export type Info = Readonly<Record<string, unknown>>

/** What `reset` accepts. */
export interface ResetOptions {
  /** Seeds the episode; without it the environment continues its current random stream. */
  readonly seed?: number
  /** Environment-specific options (a fixed start, a fixed goal, ...). */
  readonly options?: Readonly<Record<string, unknown>>
}

/** What `reset` returns. */
export interface ResetResult<Observation> {
  /** The first observation of the episode. */
  readonly observation: Observation
  /** Extra facts about the start (the goal, ...). */
  readonly info: Info
}

/** What `step` returns. */
export interface StepResult<Observation> {
  /** The observation after the action. */
  readonly observation: Observation
  /** The reward for the action. */
  readonly reward: number
  /** The task ended the episode (goal reached, failure). */
  readonly terminated: boolean
  /** The step budget ended the episode. */
  readonly truncated: boolean
  /** Extra facts about the step (whether the goal was reached, ...). */
  readonly info: Info
}

/** An action as a user may pass it: any array-like of numbers for a box, an integer for a discrete space. */
export type ActionInput = ArrayLike<number> | number

/** A single environment. */
export interface Env<Observation = Float64Array> {
  /** The registry name, e.g. `"point-mass"`. */
  readonly id: string
  /** The space observations lie in. */
  readonly observationSpace: Box | Discrete
  /** The space actions must lie in. */
  readonly actionSpace: Box | Discrete
  /** Steps after which `step` reports `truncated`. */
  readonly maxEpisodeSteps: number
  /** Starts a new episode. */
  reset(options?: ResetOptions): ResetResult<Observation>
  /** Applies one action; throws `InvalidValueError` for an action outside the action space. */
  step(action: ActionInput): StepResult<Observation>
  /** An SVG picture of the current state. */
  render(): string
}

/** Many copies of one environment stepped together (for data collection and batched evaluation). */
export interface VectorEnv<Observation = Float64Array> {
  /** The registry name of the environment copied. */
  readonly id: string
  /** How many copies are stepped together. */
  readonly count: number
  /** The space each copy's observations lie in. */
  readonly observationSpace: Box | Discrete
  /** The space each copy's actions must lie in. */
  readonly actionSpace: Box | Discrete
  /** Steps after which a copy reports `truncated`. */
  readonly maxEpisodeSteps: number
  /** Resets every copy; copy `i` is seeded with `seed + i` when a seed is given. */
  reset(options?: ResetOptions): ReadonlyArray<ResetResult<Observation>>
  /**
   * Steps every copy with its own action. A copy whose episode has ended is reset automatically on
   * its next step unless `autoReset` was switched off, as Gymnasium's vector environments do.
   */
  step(actions: ReadonlyArray<ActionInput>): ReadonlyArray<StepResult<Observation>>
}
