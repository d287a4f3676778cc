/**
 * Helpers shared by the example environments' tests.
 */
import type { Box, WorldModel } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { expect } from "vitest"

/** The part of an environment the tests drive (kept structural, so it is independent of the env's types). */
export interface SteppableEnv {
  readonly observationSpace: Box
  reset(options?: { seed?: number; options?: Record<string, unknown> }): {
    readonly observation: Float64Array
    readonly info: Readonly<Record<string, unknown>>
  }
  step(action: ArrayLike<number>): {
    readonly observation: Float64Array
    readonly reward: number
    readonly terminated: boolean
    readonly truncated: boolean
    readonly info: Readonly<Record<string, unknown>>
  }
}

/** `info.goal` as a Float64Array, checked. */
export const goalOf = (info: Readonly<Record<string, unknown>>): Float64Array => {
  const goal = info.goal
  expect(goal).toBeInstanceOf(Float64Array)
  return goal as Float64Array
}

/** An arbitrary action inside `box`. */
export const actionIn = (box: Box): fc.Arbitrary<Array<number>> =>
  fc.tuple(
    ...Array.from(box.low, (low, i) =>
      fc.double({ min: low, max: box.high[i] as number, noNaN: true, noDefaultInfinity: true })
    )
  )

/** Steps an episode with `policy` until it ends; returns the steps taken and whether it succeeded. */
export const runEpisode = (
  env: SteppableEnv,
  seed: number,
  policy: (observation: Float64Array, goal: Float64Array) => ArrayLike<number>
): { readonly steps: number; readonly success: boolean; readonly terminated: boolean } => {
  const reset = env.reset({ seed })
  let observation = reset.observation
  const goal = goalOf(reset.info)
  for (let steps = 1; ; steps++) {
    const result = env.step(policy(observation, goal))
    expect(result.terminated).toBe(result.info.success === true)
    observation = result.observation
    if (result.terminated || result.truncated) {
      return { steps, success: result.info.success === true, terminated: result.terminated }
    }
  }
}

/**
 * The model's step on a batch of observations and actions, as plain numbers; checks that it
 * allocates no lasting tensors.
 */
export const modelStep = (
  model: WorldModel,
  observations: ReadonlyArray<Float64Array>,
  actions: ReadonlyArray<ArrayLike<number>>
): Array<Float32Array> => {
  const before = tf.memory().numTensors
  const next = tf.tidy(() => {
    const states = model.encode(tf.tensor2d(observations.map((o) => Array.from(o))))
    return model.step(states, tf.tensor2d(actions.map((a) => Array.from(a))))
  })
  const values = next.dataSync() as Float32Array
  next.dispose()
  expect(tf.memory().numTensors).toBe(before)
  const size = model.latentSize
  return observations.map((_, i) => values.slice(i * size, (i + 1) * size))
}

/** The largest absolute componentwise difference. */
export const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)))
  return worst
}

/** The gradient of a cost on the model's `horizon`-step rollout with respect to constant actions. */
export const rolloutGradient = (
  model: WorldModel,
  observation: Float64Array,
  action: ArrayLike<number>,
  horizon: number,
  cost: (finalState: tf.Tensor2D) => tf.Scalar
): Float32Array => {
  const gradient = tf.tidy(() => {
    const start = model.encode(tf.tensor2d([Array.from(observation)]))
    const f = (actions: tf.Tensor) => {
      let state = start
      for (let t = 0; t < horizon; t++) {
        state = model.step(state, tf.slice(actions, [t, 0], [1, -1]) as tf.Tensor2D)
      }
      return cost(state)
    }
    return tf.grad(f)(tf.tensor2d(Array.from({ length: horizon }, () => Array.from(action))))
  })
  const values = gradient.dataSync() as Float32Array
  gradient.dispose()
  return values
}
