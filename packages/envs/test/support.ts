/**
 * Helpers shared by the envs tests.
 *
 * @module
 */
import type { ActionInput, Env, StepResult } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"

/**
 * What `run` throws, or `undefined` when it returns.
 *
 * @example
 * ```ts
 * expect(thrownBy(() => env.step([Number.NaN, 0]))).toMatchObject({ field: "action[0]" })
 * ```
 */
export const thrownBy = (run: () => unknown): unknown => {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

/**
 * Sequences of in-bounds actions with `size` components in `[-bound, bound]`.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(actionSequences(2, 1, 30), (actions) => actions.length <= 30))
 * ```
 */
export const actionSequences = (
  size: number,
  bound: number,
  maxLength: number
): fc.Arbitrary<Array<Array<number>>> =>
  fc.array(
    fc.array(fc.double({ min: -bound, max: bound, noNaN: true }), { minLength: size, maxLength: size }),
    {
      minLength: 1,
      maxLength
    }
  )

/**
 * Resets `env` with `seed` and applies `actions`, resetting (without a seed) whenever an
 * episode ends; returns every step's result.
 *
 * @example
 * ```ts
 * const trajectory = runActions(pointMass.make(), 3, [[0, 1], [1, 0]])
 * ```
 */
export const runActions = (
  env: Env,
  seed: number,
  actions: ReadonlyArray<ActionInput>
): Array<StepResult<Float64Array>> => {
  env.reset({ seed })
  const results: Array<StepResult<Float64Array>> = []
  for (const action of actions) {
    const result = env.step(action)
    results.push(result)
    if (result.terminated || result.truncated) env.reset()
  }
  return results
}

/**
 * A value with each typed array in it replaced by its type and bytes as text, so that two pixel
 * trajectories compare bit for bit in milliseconds (deep equality goes element by element: seconds
 * per environment).
 */
export const withArraysAsBytes = (value: unknown): unknown => {
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    return `${value.constructor.name} ${bytes.toString("base64")}`
  }
  if (Array.isArray(value)) return value.map(withArraysAsBytes)
  if (value === null || typeof value !== "object") return value
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withArraysAsBytes(entry)]))
}

/**
 * Switches TensorFlow.js to its plain JavaScript backend, which starts instantly, without the
 * banner it prints in Node (telos reports its backend itself).
 *
 * @example
 * ```ts
 * beforeAll(useCpuBackend)
 * ```
 */
export const useCpuBackend = async (): Promise<void> => {
  tf.env().set("PROD", true)
  await tf.setBackend("cpu")
  await tf.ready()
}
