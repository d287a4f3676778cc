/**
 * The batched version of a defined environment: `count` independent copies stepped together,
 * with Gymnasium's "next-step" automatic reset.
 *
 * @module
 */
import {
  type ActionInput,
  type Box,
  checkSeed,
  describeValue,
  InvalidValueError,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type VectorEnv
} from "@telos/core"
import { DefinedEnv } from "./DefinedEnv.js"
import type { ActionSpace, EnvDefinition } from "./EnvDefinition.js"

/**
 * Options for a vector environment.
 *
 * @example
 * ```ts
 * const options: VectorEnvOptions = { autoReset: false }
 * ```
 */
export interface VectorEnvOptions {
  /** Reset a finished copy on its next step (default `true`). */
  readonly autoReset?: boolean | undefined
}

/**
 * A vector environment whose observations are real vectors; its action space is a `Box` or a
 * `Discrete`, narrowed by `Action` when the environment is known.
 *
 * @example
 * ```ts
 * const envs: BoxVectorEnv<Box> = pointMass.makeVector(8)
 * envs.reset({ seed: 0 })
 * ```
 */
export interface BoxVectorEnv<Action extends ActionSpace = ActionSpace> extends VectorEnv<Float64Array> {
  readonly observationSpace: Box
  readonly actionSpace: Action
  /** Whether finished copies restart on their next step. */
  readonly autoReset: boolean
}

/**
 * `count` copies of one defined environment.
 *
 * @example
 * ```ts
 * const envs = new DefinedVectorEnv(pendulum.definition, 4, {})
 * envs.reset({ seed: 10 }) // copy i is seeded with 10 + i
 * envs.step([[0], [1], [-1], [2]])
 * ```
 */
export class DefinedVectorEnv<State, Action extends ActionSpace = ActionSpace>
  implements BoxVectorEnv<Action>
{
  readonly id: string
  readonly count: number
  readonly observationSpace: Box
  readonly actionSpace: Action
  readonly maxEpisodeSteps: number
  readonly autoReset: boolean
  private readonly copies: ReadonlyArray<DefinedEnv<State, Action>>

  constructor(definition: EnvDefinition<State, Action>, count: number, options: VectorEnvOptions) {
    if (!Number.isInteger(count) || count < 1) {
      throw new InvalidValueError({
        field: "count",
        expected: "a positive integer",
        received: describeValue(count)
      })
    }
    this.id = definition.id
    this.count = count
    this.observationSpace = definition.observationSpace
    this.actionSpace = definition.actionSpace
    this.maxEpisodeSteps = definition.maxEpisodeSteps
    this.autoReset = options.autoReset ?? true
    this.copies = Array.from({ length: count }, () => new DefinedEnv(definition))
  }

  /**
   * Resets every copy; copy `i` is seeded with `seed + i` when a seed is given. A seed whose last
   * copy's seed `seed + count - 1` would leave the range of distinct seeds is refused before any
   * copy resets.
   */
  reset(options: ResetOptions = {}): ReadonlyArray<ResetResult<Float64Array>> {
    const { seed } = options
    if (seed !== undefined) {
      checkSeed(seed, "seed")
      // Compared on this side: seed + count - 1 itself may round back into range.
      const largest = Number.MAX_SAFE_INTEGER - (this.count - 1)
      if (seed > largest) {
        throw new InvalidValueError({
          field: "seed",
          expected: `at most ${largest}, so that each of the ${this.count} copies' seeds (seed + i) is distinct`,
          received: describeValue(seed)
        })
      }
    }
    return this.copies.map((copy, index) => {
      const perCopy: ResetOptions = seed === undefined ? { ...options } : { ...options, seed: seed + index }
      return copy.reset(perCopy)
    })
  }

  /**
   * Steps every copy with its own action (an array for a `Box` space, an integer for a `Discrete`
   * one; clipped under `outOfRangeActions: "clip"`). Every action and every copy is checked before
   * any copy moves, so a bad batch changes nothing.
   */
  step(actions: ReadonlyArray<ActionInput>): ReadonlyArray<StepResult<Float64Array>> {
    if (!Array.isArray(actions) || actions.length !== this.count) {
      throw new InvalidValueError({
        field: "actions",
        expected: `an array of ${this.count} actions`,
        received: describeValue(actions)
      })
    }
    const checked = this.copies.map((copy, index) => copy.validateAction(actions[index], `actions[${index}]`))
    this.copies.forEach((copy, index) => {
      if (copy.status === "not-started" || (copy.status === "ended" && !this.autoReset)) {
        copy.requireRunning(`copies[${index}]`)
      }
    })
    return this.copies.map((copy, index) =>
      copy.status === "ended" ? restart(copy) : copy.advance(checked[index] as Float64Array)
    )
  }
}

// Gymnasium's next-step autoreset: the step after the end is spent on the reset, and its action
// is ignored.
const restart = <State, Action extends ActionSpace>(
  copy: DefinedEnv<State, Action>
): StepResult<Float64Array> => {
  const { observation, info } = copy.reset()
  return { observation, reward: 0, terminated: false, truncated: false, info }
}
