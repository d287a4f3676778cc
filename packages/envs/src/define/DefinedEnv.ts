/**
 * The single environment that {@link defineEnv} builds around an {@link EnvDefinition}: it
 * validates actions, owns the seeded random stream, counts steps and reports truncation.
 *
 * @module
 */
import {
  type ActionInput,
  type Box,
  checkSeed,
  type Env,
  type Info,
  InvalidValueError,
  Random,
  type ResetOptions,
  type ResetResult,
  type StepResult
} from "@telos/core"
import { Result } from "effect"
import type { ActionSpace, EnvDefinition } from "./EnvDefinition.js"
import { fallbackSvg } from "./Svg.js"

/**
 * An environment whose observations are real vectors (`Float64Array`s of a `Box`). Its action
 * space is a `Box` or a `Discrete`; `Action` narrows it when the environment is known.
 *
 * @example
 * ```ts
 * const env: BoxEnv<Box> = pointMass.make()
 * const action = env.actionSpace.sample(Random.fromSeed(1)) // Float64Array(2)
 * const grid: BoxEnv<Discrete> = gridDoors.make()
 * grid.reset({ seed: 0 })
 * grid.step(grid.actionSpace.sample(Random.fromSeed(1))) // an integer in [0, 4]
 * ```
 */
export interface BoxEnv<Action extends ActionSpace = ActionSpace> extends Env<Float64Array> {
  readonly observationSpace: Box
  readonly actionSpace: Action
}

const isArrayLike = (value: unknown): value is ArrayLike<unknown> =>
  Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value)

// Only finite numbers move; NaN, infinities and non-numbers stay, for the validator to name them.
const clipFinite = (space: Box, action: unknown): unknown => {
  if (!isArrayLike(action) || action.length !== space.size) return action
  const clipped = space.clip(Array.from(action, (component) => (isFiniteNumber(component) ? component : 0)))
  return Array.from(action, (component, i) => (isFiniteNumber(component) ? clipped[i] : component))
}

/**
 * Checks an action against a definition's action space and its out-of-range rule, and returns it
 * in the form `transition` receives: a fresh `Float64Array` (clipped under `"clip"`), or
 * `Float64Array.of(index)` for a `Discrete` space. A bad action is an `InvalidValueError` naming
 * `field` (`action[1]` for a component).
 *
 * @example
 * ```ts
 * checkAction(pendulum.definition, [3], "action") // Float64Array [2]: pendulum clips
 * checkAction(gridDoors.definition, 4, "action") // Float64Array [4]
 * checkAction(pointMass.definition, [3, 0], "action") // throws: action[0]
 * ```
 */
export const checkAction = (
  definition: Pick<EnvDefinition<unknown>, "actionSpace" | "outOfRangeActions">,
  action: unknown,
  field: string
): Float64Array => {
  const space = definition.actionSpace
  if (space._tag === "Discrete") {
    const checked = space.validate(action, field)
    if (Result.isFailure(checked)) throw checked.failure
    return Float64Array.of(checked.success)
  }
  const candidate = definition.outOfRangeActions === "clip" ? clipFinite(space, action) : action
  const checked = space.validate(candidate, field)
  if (Result.isFailure(checked)) throw checked.failure
  return checked.success
}

/**
 * Where an episode stands: not started, in progress, or ended (terminated or truncated).
 *
 * @example
 * ```ts
 * const status: EpisodeStatus = "running"
 * ```
 */
export type EpisodeStatus = "not-started" | "running" | "ended"

/**
 * A random stream from a reset seed. A seed that is not a number, not finite, or beyond
 * ±`Number.MAX_SAFE_INTEGER` (where distinct seeds would share a stream) is an
 * `InvalidValueError` naming `field`, see `checkSeed`.
 *
 * @example
 * ```ts
 * randomFromSeed(7, "seed").uniform()
 * randomFromSeed(1e300, "seed") // throws InvalidValueError naming seed
 * ```
 */
export const randomFromSeed = (seed: number, field: string): Random => Random.fromSeed(checkSeed(seed, field))

/**
 * One running copy of a defined environment.
 *
 * @example
 * ```ts
 * const env = new DefinedEnv(pointMass.definition)
 * env.reset({ seed: 0 })
 * env.step([0.5, -0.5])
 * ```
 */
export class DefinedEnv<State, Action extends ActionSpace = ActionSpace> implements BoxEnv<Action> {
  readonly id: string
  readonly observationSpace: Box
  readonly actionSpace: Action
  readonly maxEpisodeSteps: number
  private readonly definition: EnvDefinition<State, Action>
  // Seeded from 0 so that an env reset without a seed still behaves the same on every run.
  private random = Random.fromSeed(0)
  private state: State | undefined = undefined
  private steps = 0
  private ended = false

  constructor(definition: EnvDefinition<State, Action>) {
    this.definition = definition
    this.id = definition.id
    this.observationSpace = definition.observationSpace
    this.actionSpace = definition.actionSpace
    this.maxEpisodeSteps = definition.maxEpisodeSteps
  }

  /** Where the current episode stands. */
  get status(): EpisodeStatus {
    return this.state === undefined ? "not-started" : this.ended ? "ended" : "running"
  }

  /** Starts an episode; a seed restarts the random stream, no seed continues it. */
  reset(options: ResetOptions = {}): ResetResult<Float64Array> {
    const random = options.seed === undefined ? this.random : randomFromSeed(options.seed, "seed")
    const state = this.definition.initialState(random, options.options)
    this.random = random
    this.state = state
    this.steps = 0
    this.ended = false
    return { observation: this.observe(state), info: this.info(state) }
  }

  /**
   * Applies one action: an array for a `Box` space, an integer for a `Discrete` one. Throws
   * `InvalidValueError` for a bad action (after clipping, under `outOfRangeActions: "clip"`) or a
   * step outside an episode.
   */
  step(action: ActionInput): StepResult<Float64Array> {
    this.requireRunning()
    return this.advance(this.validateAction(action, "action"))
  }

  /** Checks an action with {@link checkAction}, naming `field` in the error. */
  validateAction(action: unknown, field: string): Float64Array {
    return checkAction(this.definition, action, field)
  }

  /** Throws unless an episode is in progress. */
  requireRunning(field = "step"): void {
    if (this.status === "not-started") {
      throw new InvalidValueError({
        field,
        expected: "a call to reset() before the first step",
        received: "no episode in progress"
      })
    }
    if (this.status === "ended") {
      throw new InvalidValueError({
        field,
        expected: "a call to reset() after the episode ended",
        received: "a step after the end of the episode"
      })
    }
  }

  /** Steps with an action that is already validated, in an episode that is known to be running. */
  advance(action: Float64Array): StepResult<Float64Array> {
    const state = this.state as State
    const next = this.definition.transition(state, action, this.random)
    this.state = next.state
    this.steps += 1
    const truncated = !next.terminated && this.steps >= this.maxEpisodeSteps
    this.ended = next.terminated || truncated
    return {
      observation: this.observe(next.state),
      reward: next.reward,
      terminated: next.terminated,
      truncated,
      info: this.info(next.state)
    }
  }

  /** An SVG picture of the current state. */
  render(): string {
    const state = this.state
    if (state !== undefined && this.definition.render !== undefined) return this.definition.render(state)
    return fallbackSvg(this.id, state === undefined ? undefined : this.observe(state))
  }

  // Copied so that callers may keep or modify observations without touching the env.
  private observe(state: State): Float64Array {
    return Float64Array.from(this.definition.observe(state))
  }

  private info(state: State): Info {
    return this.definition.info?.(state) ?? {}
  }
}
