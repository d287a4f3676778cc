/**
 * `checkEnv`: checks that an environment keeps the contract the rest of telos relies on, before
 * any data is collected or any model trained on it — in the spirit of Gymnasium's env checker. A
 * few hundred steps at most, so it can run at every start-up.
 *
 * @module
 */
import {
  type ActionInput,
  describeValue,
  type Info,
  Random,
  type ResetOptions,
  type StepResult
} from "@telos/core"
import { Data } from "effect"
import type { EnvSpec } from "./DefineEnv.js"
import type { ActionSpace } from "./EnvDefinition.js"

/**
 * The checks {@link checkEnv} runs, as they appear in {@link EnvCheckError.check}.
 *
 * @example
 * ```ts
 * const check: EnvCheck = "determinism"
 * ```
 */
export type EnvCheck =
  | "observation-space"
  | "action-space"
  | "max-episode-steps"
  | "goal-dimensions"
  | "reset-options"
  | "observation"
  | "step"
  | "reward"
  | "termination"
  | "goal"
  | "info-success"
  | "determinism"

/**
 * An environment failed one of {@link checkEnv}'s checks: `env` is its id, `check` which check,
 * `detail` what was found.
 *
 * @example
 * ```ts
 * new EnvCheckError({ env: "line", check: "reward", detail: "step 3 returned reward NaN" }).message
 * // "line: check reward failed: step 3 returned reward NaN"
 * ```
 */
export class EnvCheckError extends Data.TaggedError("EnvCheckError")<{
  /** The environment's id. */
  readonly env: string
  /** The check that failed. */
  readonly check: EnvCheck
  /** What was wrong, in words. */
  readonly detail: string
}> {
  /** Names the environment, the check and the detail. */
  override get message(): string {
    return `${this.env}: check ${this.check} failed: ${this.detail}`
  }
}

/**
 * Settings of {@link checkEnv}.
 *
 * @example
 * ```ts
 * const options: CheckEnvOptions = { seed: 3, determinismSteps: 20 }
 * ```
 */
export interface CheckEnvOptions {
  /** Seeds the resets and the random actions (default 0). */
  readonly seed?: number | undefined
  /** Steps replayed to compare two runs of the same seed (default 50). */
  readonly determinismSteps?: number | undefined
  /**
   * Most steps of the episode that checks truncation (default 300); an environment with a longer
   * budget gets a warning instead of the truncation check.
   */
  readonly maxSteps?: number | undefined
  /** Slack on the observation bounds, relative to a bound's magnitude (at least 1; default 1e-6). */
  readonly tolerance?: number | undefined
}

/**
 * What {@link checkEnv} found in an environment that passed: the steps it took, and warnings about
 * things that are legal but probably unintended.
 *
 * @example
 * ```ts
 * const report: CheckEnvReport = { env: "line", steps: 100, warnings: [] }
 * ```
 */
export interface CheckEnvReport {
  /** The environment's id. */
  readonly env: string
  /** Steps the check took in the environment. */
  readonly steps: number
  /** Things that are legal but probably unintended, one line each. */
  readonly warnings: ReadonlyArray<string>
}

const isArrayLike = (value: unknown): value is ArrayLike<unknown> =>
  Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))

const isFiniteVector = (value: unknown, size: number): value is ArrayLike<number> => {
  if (!isArrayLike(value) || value.length !== size) return false
  for (let i = 0; i < size; i++) {
    const item = value[i]
    if (typeof item !== "number" || !Number.isFinite(item)) return false
  }
  return true
}

const firstBad = (value: ArrayLike<unknown>): string => {
  for (let i = 0; i < value.length; i++) {
    const item = value[i]
    if (typeof item !== "number" || !Number.isFinite(item)) return `[${i}] is ${describeValue(item)}`
  }
  return `has length ${value.length}`
}

const sampleAction = (space: ActionSpace, rng: Random): ActionInput => space.sample(rng)

interface Recorded {
  readonly observation: Float64Array
  readonly reward: number
  readonly terminated: boolean
  readonly truncated: boolean
}

const sameVector = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return 0
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i
  return -1
}

/**
 * Checks an environment, throwing an {@link EnvCheckError} at the first failure:
 *
 * - `observation-space`, `action-space`, `max-episode-steps`, `goal-dimensions`: the observation
 *   space is a `Box`, the action space a `Box` or a `Discrete` (and `outOfRangeActions` one of
 *   `"reject"`, `"clip"`), the step budget a positive integer, `goalDimensions` (when declared)
 *   distinct integer indices of the observation and `goalWeights` one finite non-negative weight
 *   for each;
 * - `reset-options`: `reset({ seed, options: undefined })` works;
 * - `observation`: every observation, at reset and after each step, has the observation space's
 *   length and finite entries; `observation-space`: it lies inside the space (within `tolerance`);
 * - `step`: `step` accepts actions drawn from the action space; `reward`: rewards are finite
 *   numbers; `termination`: `terminated` and `truncated` are booleans;
 * - `goal`: when the reset's info has a `goal`, it (and every later one) is a finite vector of the
 *   observation's length — or, where the info also has a `goalImage` (pixel worlds, whose `goal`
 *   is a state), any finite vector, and `goalImage` the observation-shaped one; `info-success`: then the last info of an episode has a boolean
 *   `success`, and every `success` reported is a boolean;
 * - `max-episode-steps`: an episode that does not terminate is truncated exactly at
 *   `maxEpisodeSteps`, not before;
 * - `determinism`: the same seed and the same actions give the same observations, rewards and
 *   flags, in a fresh environment and after a reset with the seed in a used one.
 *
 * A second seed that starts at the same observation and goal is only a warning. Actions come from
 * a `Random` seeded with `seed`, so a failure is reproducible.
 *
 * @example
 * ```ts
 * const report = checkEnv(myEnv) // throws EnvCheckError, e.g. "line: check reward failed: ..."
 * report.warnings // []
 * for (const { id } of envRegistry.list()) checkEnv(envRegistry.get(id))
 * ```
 */
export const checkEnv = <State, Action extends ActionSpace>(
  spec: Pick<EnvSpec<State, Action>, "id" | "definition" | "make">,
  options: CheckEnvOptions = {}
): CheckEnvReport => {
  const env = spec.id
  const fail = (check: EnvCheck, detail: string): never => {
    throw new EnvCheckError({ env, check, detail })
  }
  const seed = options.seed ?? 0
  const determinismSteps = options.determinismSteps ?? 50
  const maxSteps = options.maxSteps ?? 300
  const tolerance = options.tolerance ?? 1e-6
  const definition = spec.definition
  const warnings: Array<string> = []

  const observationSpace: unknown = definition.observationSpace
  const isBox = (space: unknown): boolean =>
    typeof space === "object" && space !== null && (space as { _tag?: unknown })._tag === "Box"
  if (!isBox(observationSpace)) {
    fail("observation-space", `expected a Box, received ${describeValue(observationSpace)}`)
  }
  const { low, high, size } = definition.observationSpace
  const actionSpace: ActionSpace = definition.actionSpace
  const actionTag: unknown = (actionSpace as { _tag?: unknown } | undefined)?._tag
  if (actionTag !== "Box" && actionTag !== "Discrete") {
    fail("action-space", `expected a Box or a Discrete, received ${describeValue(actionSpace)}`)
  }
  const rule: unknown = definition.outOfRangeActions
  if (rule !== undefined && rule !== "reject" && rule !== "clip") {
    fail("action-space", `outOfRangeActions must be "reject" or "clip", received ${describeValue(rule)}`)
  }
  if (actionSpace._tag === "Box") {
    const unbounded = Array.from(actionSpace.low, (bound, i) => [bound, actionSpace.high[i] as number]).some(
      ([lowest, highest]) => !Number.isFinite(lowest) || !Number.isFinite(highest)
    )
    if (unbounded) warnings.push("the action box has an infinite bound: uniform exploration cannot cover it")
  }
  const budget: unknown = definition.maxEpisodeSteps
  if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 1) {
    fail("max-episode-steps", `expected a positive integer, received ${describeValue(budget)}`)
  }
  const goalDimensions: unknown = definition.goalDimensions
  if (goalDimensions !== undefined) {
    const valid =
      Array.isArray(goalDimensions) &&
      goalDimensions.length > 0 &&
      goalDimensions.every((index) => Number.isInteger(index) && index >= 0 && index < size) &&
      new Set(goalDimensions).size === goalDimensions.length
    if (!valid) {
      fail(
        "goal-dimensions",
        `expected distinct integer indices in [0, ${size - 1}], received ${describeValue(goalDimensions)}`
      )
    }
  }
  const goalWeights: unknown = definition.goalWeights
  if (goalWeights !== undefined) {
    const count = Array.isArray(goalDimensions) ? goalDimensions.length : undefined
    const valid =
      count !== undefined &&
      Array.isArray(goalWeights) &&
      goalWeights.length === count &&
      goalWeights.every((weight) => typeof weight === "number" && Number.isFinite(weight) && weight >= 0)
    if (!valid) {
      fail(
        "goal-dimensions",
        count === undefined
          ? `goalWeights need goalDimensions to weigh, received goalWeights ${describeValue(goalWeights)}`
          : `expected goalWeights of ${count} finite non-negative numbers, one per goal dimension, received ${describeValue(goalWeights)}`
      )
    }
  }

  const checkObservation = (observation: unknown, where: string): void => {
    if (!isFiniteVector(observation, size)) {
      const found = isArrayLike(observation) ? firstBad(observation) : `is ${describeValue(observation)}`
      fail("observation", `${where}: expected ${size} finite numbers, the observation ${found}`)
    }
    const values = observation as ArrayLike<number>
    for (let i = 0; i < size; i++) {
      const value = values[i] as number
      const lowest = low[i] as number
      const highest = high[i] as number
      if (
        value < lowest - tolerance * Math.max(1, Math.abs(lowest)) ||
        value > highest + tolerance * Math.max(1, Math.abs(highest))
      ) {
        fail("observation-space", `${where}: observation[${i}] = ${value} is outside [${lowest}, ${highest}]`)
      }
    }
  }

  // Pixel worlds report the goal as a state in `goal` and as an observation in `goalImage`.
  const checkGoal = (info: Info, where: string): void => {
    const pixels = "goalImage" in info
    if (pixels && !isFiniteVector(info.goalImage, size)) {
      fail(
        "goal",
        `${where}: expected info.goalImage to be ${size} finite numbers, received ${describeValue(info.goalImage)}`
      )
    }
    const goal = info.goal
    const valid = pixels ? isArrayLike(goal) && isFiniteVector(goal, goal.length) : isFiniteVector(goal, size)
    if (!valid) {
      const expected = pixels ? "finite numbers" : `${size} finite numbers`
      fail("goal", `${where}: expected info.goal to be ${expected}, received ${describeValue(goal)}`)
    }
  }

  const checkInfo = (info: Info, where: string, hasGoal: boolean): void => {
    if (hasGoal && "goal" in info) checkGoal(info, where)
    if ("success" in info && typeof info.success !== "boolean") {
      fail(
        "info-success",
        `${where}: expected info.success to be a boolean, received ${describeValue(info.success)}`
      )
    }
  }

  const reset = (target: ReturnType<typeof spec.make>, resetSeed: number, where: string) => {
    try {
      // JavaScript callers (and Gymnasium's own checker) pass an explicit undefined; the type forbids it.
      const request: Readonly<Record<string, unknown>> = { seed: resetSeed, options: undefined }
      return target.reset(request as ResetOptions)
    } catch (error) {
      return fail(
        "reset-options",
        `${where}: reset({ seed: ${resetSeed}, options: undefined }) threw ${describeError(error)}`
      )
    }
  }

  const step = (
    target: ReturnType<typeof spec.make>,
    action: ActionInput,
    t: number
  ): StepResult<Float64Array> => {
    try {
      return target.step(action)
    } catch (error) {
      return fail(
        "step",
        `step ${t}: an action from the action space (${describeValue(action)}) threw ${describeError(error)}`
      )
    }
  }

  // The main episode: every contract check, and the record the determinism check replays.
  const first = spec.make()
  const start = reset(first, seed, "reset")
  checkObservation(start.observation, "reset")
  const hasGoal = typeof start.info === "object" && start.info !== null && "goal" in start.info
  checkInfo(start.info, "reset", hasGoal)
  const actions = Random.fromSeed(seed)
  const recorded: Array<Recorded> = []
  const cap = Math.min(definition.maxEpisodeSteps, maxSteps)
  let steps = 0
  let ended = false
  let lastInfo: Info = start.info
  while (!ended && steps < cap) {
    const where = `step ${steps + 1}`
    const result = step(first, sampleAction(actionSpace, actions), steps + 1)
    steps += 1
    checkObservation(result.observation, where)
    if (typeof result.reward !== "number" || !Number.isFinite(result.reward)) {
      fail("reward", `${where}: expected a finite number, received ${describeValue(result.reward)}`)
    }
    if (typeof result.terminated !== "boolean" || typeof result.truncated !== "boolean") {
      fail(
        "termination",
        `${where}: expected boolean terminated and truncated, received ${describeValue(result.terminated)} and ${describeValue(result.truncated)}`
      )
    }
    checkInfo(result.info, where, hasGoal)
    if (result.truncated && steps < definition.maxEpisodeSteps) {
      fail("max-episode-steps", `${where}: truncated before maxEpisodeSteps = ${definition.maxEpisodeSteps}`)
    }
    if (!result.terminated && !result.truncated && steps === definition.maxEpisodeSteps) {
      fail("max-episode-steps", `${where}: not truncated at maxEpisodeSteps = ${definition.maxEpisodeSteps}`)
    }
    if (recorded.length < determinismSteps) {
      recorded.push({
        observation: Float64Array.from(result.observation),
        reward: result.reward,
        terminated: result.terminated,
        truncated: result.truncated
      })
    }
    ended = result.terminated || result.truncated
    lastInfo = result.info
  }
  if (hasGoal && ended && typeof lastInfo.success !== "boolean") {
    fail("info-success", `step ${steps}: the episode ended without a boolean info.success`)
  }
  if (!ended && cap < definition.maxEpisodeSteps) {
    warnings.push(
      `truncation at maxEpisodeSteps = ${definition.maxEpisodeSteps} not checked: more than maxSteps = ${maxSteps}`
    )
  }

  const replay = (target: ReturnType<typeof spec.make>, label: string): void => {
    const again = reset(target, seed, label)
    const startIndex = sameVector(again.observation, start.observation)
    if (startIndex >= 0) {
      fail(
        "determinism",
        `${label}: reset with seed ${seed} started at observation[${startIndex}] = ${again.observation[startIndex]}, before ${start.observation[startIndex]}`
      )
    }
    const rng = Random.fromSeed(seed)
    recorded.forEach((expected, index) => {
      const result = step(target, sampleAction(actionSpace, rng), index + 1)
      steps += 1
      const at = sameVector(result.observation, expected.observation)
      const differs =
        at >= 0
          ? `observation[${at}] ${result.observation[at]} against ${expected.observation[at]}`
          : !Object.is(result.reward, expected.reward)
            ? `reward ${result.reward} against ${expected.reward}`
            : result.terminated !== expected.terminated || result.truncated !== expected.truncated
              ? "terminated or truncated"
              : undefined
      if (differs !== undefined) {
        fail("determinism", `${label}, step ${index + 1}: same seed and actions gave ${differs}`)
      }
    })
  }
  replay(spec.make(), "a fresh environment")
  replay(first, "the same environment after an episode")

  const other = reset(spec.make(), seed + 1, "reset with another seed")
  checkObservation(other.observation, "reset with another seed")
  const sameStart = sameVector(other.observation, start.observation) < 0
  const sameGoal =
    !hasGoal ||
    (isArrayLike(other.info.goal) &&
      sameVector(other.info.goal as ArrayLike<number>, start.info.goal as ArrayLike<number>) < 0)
  if (sameStart && sameGoal) {
    warnings.push(
      `seeds ${seed} and ${seed + 1} start the same episode: does initialState draw from its rng?`
    )
  }
  return { env, steps, warnings }
}

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error)
