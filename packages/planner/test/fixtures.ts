import type { Env, Plan, Planner, StepResult, WorldModel } from "@telos/core"
import { Box, InvalidValueError, Random } from "@telos/core"
import { goalCost } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"

/** A world where the latent is a position and an action moves it: s' = s + scale * a. */
export const shiftModel = (latentSize: number, bound = 1, scale = 0.1): WorldModel => ({
  name: "shift",
  latentSize,
  actionSpace: new Box({ low: -bound, high: bound, shape: [latentSize] }),
  stride: 1,
  encode: (observations) => tf.tidy(() => observations.toFloat().reshape([-1, latentSize]) as tf.Tensor2D),
  step: (states, actions) => tf.tidy(() => states.add(actions.mul(scale)) as tf.Tensor2D)
})

/** The same world as an environment: reach the goal within `tolerance`. */
export const shiftEnv = (latentSize: number, tolerance = 0.05, maxEpisodeSteps = 60): Env => {
  const actionSpace = new Box({ low: -1, high: 1, shape: [latentSize] })
  let position = new Float64Array(latentSize)
  let goal = new Float64Array(latentSize)
  let steps = 0
  const distance = (): number =>
    Math.hypot(...position.map((value, index) => value - (goal[index] as number)))
  return {
    id: "shift",
    observationSpace: new Box({ low: -10, high: 10, shape: [latentSize] }),
    actionSpace,
    maxEpisodeSteps,
    reset: (options = {}) => {
      const rng = Random.fromSeed(options.seed ?? 0)
      position = Float64Array.from({ length: latentSize }, () => rng.uniformIn(-1, 1))
      goal = Float64Array.from({ length: latentSize }, () => rng.uniformIn(-1, 1))
      steps = 0
      return { observation: position.slice(), info: { goal: goal.slice() } }
    },
    step: (action): StepResult<Float64Array> => {
      const checked = actionSpace.validate(action, "action")
      if (checked._tag === "Failure") throw checked.failure
      position = position.map((value, index) => value + 0.1 * (checked.success[index] as number))
      steps++
      const success = distance() < tolerance
      return {
        observation: position.slice(),
        reward: -distance(),
        terminated: success,
        truncated: !success && steps >= maxEpisodeSteps,
        info: { success, goal: goal.slice() }
      }
    },
    render: () => "<svg/>"
  }
}

/** A random goal-reaching problem on the shift world, for the sampling planners' tests. */
export interface SamplingProblem {
  readonly problems: number
  readonly latentSize: number
  readonly bound: number
  readonly horizon: number
  readonly seed: number
}

/** Plans one problem: starts drawn from the seed, goals within 0.3 of them. */
export const solveSamplingProblem = (planner: Planner, input: SamplingProblem, warmStart?: Plan): Plan => {
  const rng = Random.fromSeed(input.seed)
  const model = shiftModel(input.latentSize, input.bound, 0.2)
  const starts = Array.from({ length: input.problems }, () =>
    Array.from({ length: input.latentSize }, () => rng.uniformIn(-1, 1))
  )
  const goals = starts.map((start) => start.map((value) => value + rng.uniformIn(-0.3, 0.3)))
  const initialStates = tf.tensor2d(starts)
  try {
    return planner.plan(
      { model, initialStates, cost: goalCost({ goal: goals }), horizon: input.horizon, warmStart },
      rng
    )
  } finally {
    initialStates.dispose()
  }
}

/** Small random problems. */
export const samplingProblems = fc.record({
  problems: fc.integer({ min: 1, max: 3 }),
  latentSize: fc.integer({ min: 1, max: 3 }),
  bound: fc.double({ min: 0.2, max: 2, noNaN: true }),
  horizon: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer()
})

/** The field named by the `InvalidValueError` that `call` throws; undefined for no error or another. */
export const invalidField = (call: () => unknown): string | undefined => {
  try {
    call()
  } catch (caught) {
    return caught instanceof InvalidValueError ? caught.field : undefined
  }
  return undefined
}
