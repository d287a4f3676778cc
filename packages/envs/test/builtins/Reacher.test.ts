import { rollout } from "@telos/core"
import {
  envRegistry,
  type ReacherState,
  reacher,
  reacherConstants,
  reacherDistanceToTarget,
  reacherFingertip,
  reacherGoalObservation,
  reacherGoalWeights,
  reacherModel,
  reacherObservation,
  reacherObservationSpace,
  reacherTransition
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { actionSequences, thrownBy, useCpuBackend } from "../support.js"

beforeAll(useCpuBackend)

const expectClose = (actual: number, expected: number, tolerance = 1e-12): void => {
  expect(Math.abs(actual - expected)).toBeLessThan(tolerance)
}

const { maxSpeed, successDistance } = reacherConstants

const angle = fc.double({ min: -2 * Math.PI, max: 2 * Math.PI, noNaN: true })
const speed = fc.double({ min: -maxSpeed, max: maxSpeed, noNaN: true })
const torque = fc.double({ min: -1, max: 1, noNaN: true })

const armAt = (theta1: number, theta2: number, omega1 = 0, omega2 = 0): ReacherState => ({
  theta1,
  theta2,
  omega1,
  omega2,
  targetX: 0,
  targetY: 0.5
})

describe("reacher physics", () => {
  it("matches a step computed by hand", () => {
    const state: ReacherState = {
      theta1: 0.3,
      theta2: -0.5,
      omega1: 1,
      omega2: -0.5,
      targetX: 0.2,
      targetY: 0.7
    }
    const { state: next, reward, terminated } = reacherTransition(state, Float64Array.of(0.5, -1))
    // omega' = omega + (8 torque - 2 omega) 0.05, then theta' = theta + omega' 0.05.
    expectClose(next.omega1, 1 + (4 - 2) * 0.05) // 1.1
    expectClose(next.omega2, -0.5 + (-8 + 1) * 0.05) // -0.85
    expectClose(next.theta1, 0.3 + 1.1 * 0.05) // 0.355
    expectClose(next.theta2, -0.5 - 0.85 * 0.05) // -0.5425
    const tipX = 0.6 * Math.cos(0.355) + 0.4 * Math.cos(0.355 - 0.5425)
    const tipY = 0.6 * Math.sin(0.355) + 0.4 * Math.sin(0.355 - 0.5425)
    const [x, y] = reacherFingertip(next)
    expectClose(x, tipX)
    expectClose(y, tipY)
    // Minus the distance, minus 0.01 (0.5^2 + 1^2).
    expectClose(reward, -Math.hypot(tipX - 0.2, tipY - 0.7) - 0.0125)
    expect(terminated).toBe(false)
    expect(state).toEqual({ theta1: 0.3, theta2: -0.5, omega1: 1, omega2: -0.5, targetX: 0.2, targetY: 0.7 })
  })

  it("starts a joint from rest at torqueGain * dt and clips its speed at 3 rad/s", () => {
    const fromRest = reacherTransition(armAt(0, 0), Float64Array.of(1, 0)).state
    expectClose(fromRest.omega1, 0.4)
    expectClose(fromRest.theta1, 0.02)
    expect([fromRest.theta2, fromRest.omega2]).toEqual([0, 0])

    // 2.95 + (8 - 5.9) 0.05 = 3.055, clipped to 3.
    const fast = reacherTransition(armAt(1, -1, 2.95, -2.95), Float64Array.of(1, -1)).state
    expect([fast.omega1, fast.omega2]).toEqual([3, -3])
    expectClose(fast.theta1, 1.15)
    expectClose(fast.theta2, -1.15)
  })

  it("observes cosines, sines, speeds and the fingertip", () => {
    const observation = reacherObservation(armAt(0, Math.PI / 2, 0.5, -0.25))
    const expected = [1, 0, 0, 1, 0.5, -0.25, 0.6, 0.4]
    for (const [index, value] of expected.entries()) expectClose(observation[index]!, value)
  })

  it("keeps speeds bounded and the fingertip within reach", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.tuple(angle, angle),
        actionSequences(2, 1, 60),
        (seed, angles, actions) => {
          const env = reacher.make()
          env.reset({ seed, options: { angles } })
          for (const action of actions) {
            const result = env.step(action)
            const [, , , , omega1, omega2, x, y] = result.observation
            expect(Math.abs(omega1!)).toBeLessThanOrEqual(maxSpeed)
            expect(Math.abs(omega2!)).toBeLessThanOrEqual(maxSpeed)
            expect(Math.hypot(x!, y!)).toBeLessThanOrEqual(1 + 1e-12)
            expect(reacherObservationSpace.contains(result.observation)).toBe(true)
            if (result.terminated || result.truncated) env.reset()
          }
        }
      ),
      { numRuns: 100 }
    )
  })
})

describe("reacher episodes", () => {
  it("draws reachable targets in the annulus [0.3, 0.9], starting at rest at least 0.2 away", () => {
    const env = reacher.make()
    for (let seed = 0; seed < 200; seed++) {
      const { observation, info } = env.reset({ seed })
      const goal = Array.from(info.goal as Float64Array)
      const [targetX, targetY] = goal.slice(6) as [number, number]
      const radius = Math.hypot(targetX, targetY)
      expect(radius).toBeGreaterThanOrEqual(0.3 - 1e-12)
      expect(radius).toBeLessThanOrEqual(0.9 + 1e-12)
      expect(goal.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0])
      expect([observation[4], observation[5]]).toEqual([0, 0])
      const distance = Math.hypot(observation[6]! - targetX, observation[7]! - targetY)
      expect(distance).toBeGreaterThanOrEqual(0.2)
      expectClose(info.distance as number, distance)
    }
  })

  it("measures the distance to the goal with the goal weights", () => {
    const env = reacher.make()
    const { observation, info } = env.reset({ seed: 5 })
    const goal = info.goal as Float64Array
    const weighted = reacherGoalWeights.reduce(
      (sum, weight, index) => sum + weight * (observation[index]! - goal[index]!) ** 2,
      0
    )
    expectClose(Math.sqrt(weighted), info.distance as number)
    expect(Array.from(reacherGoalObservation(0.3, -0.4))).toEqual([0, 0, 0, 0, 0, 0, 0.3, -0.4])
  })

  it("honours fixed angles and target, and names a bad option", () => {
    const env = reacher.make()
    const { observation, info } = env.reset({
      seed: 1,
      options: { angles: [0, Math.PI / 2], target: [-0.3, 0.4] }
    })
    const expected = [1, 0, 0, 1, 0, 0, 0.6, 0.4]
    for (const [index, value] of expected.entries()) expectClose(observation[index]!, value)
    expect(Array.from(info.goal as Float64Array)).toEqual([0, 0, 0, 0, 0, 0, -0.3, 0.4])

    expect(thrownBy(() => env.reset({ options: { target: [0, 2] } }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "options.target[1]"
    })
    // Inside the reach box but outside the reach circle, and inside the hole around the base.
    expect(thrownBy(() => env.reset({ options: { target: [0.8, 0.8] } }))).toMatchObject({
      field: "options.target"
    })
    expect(thrownBy(() => env.reset({ options: { target: [0.05, 0] } }))).toMatchObject({
      field: "options.target"
    })
    expect(thrownBy(() => env.reset({ options: { angles: [Number.NaN, 0] } }))).toMatchObject({
      field: "options.angles[0]"
    })
    expect(thrownBy(() => env.reset({ options: { angles: [0] } }))).toMatchObject({ field: "options.angles" })
    expect(thrownBy(() => env.reset({ options: { goal: [0.5, 0] } }))).toMatchObject({
      field: "options.goal"
    })
  })

  it("terminates with success near the target and truncates after 100 steps", () => {
    const env = reacher.make()
    // Stretched along x, the fingertip is at (1, 0).
    env.reset({ options: { angles: [0, 0], target: [0.97, 0] } })
    const reached = env.step([0, 0])
    expect(reached).toMatchObject({ terminated: true, truncated: false, info: { success: true } })
    expectClose(reached.reward, -0.03)

    env.reset({ options: { angles: [0, 0], target: [-0.5, 0] } })
    for (let step = 1; step < 100; step++) expect(env.step([0, 0]).truncated).toBe(false)
    const last = env.step([0, 0])
    expect(last).toMatchObject({ terminated: false, truncated: true, info: { success: false } })
    expect(last.info.distance).toBeGreaterThan(successDistance)
  })

  it("renders the arm and the target as SVG", () => {
    const env = reacher.make()
    env.reset({ seed: 0 })
    const svg = env.render()
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/)
    expect(svg.match(/<line/g)).toHaveLength(2)
    expect(svg).toContain('fill="#2a9d4a"')
  })

  it("is registered and runs batched", () => {
    expect(envRegistry.list().map((entry) => entry.id)).toContain("reacher")
    expect(envRegistry.get("reacher")).toBe(reacher)
    const envs = reacher.makeVector(3)
    expect(envs.reset({ seed: 2 })).toHaveLength(3)
    const results = envs.step([
      [1, 0],
      [0, 1],
      [-1, -1]
    ])
    expect(results.map((result) => result.observation.length)).toEqual([8, 8, 8])
  })
})

describe("reacher ground-truth model", () => {
  const model = reacherModel()

  it("agrees with the environment over several steps within float32 tolerance", () => {
    const row = fc.tuple(angle, angle, speed, speed)
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((batch) =>
          fc.tuple(
            fc.array(row, { minLength: batch, maxLength: batch }),
            fc.array(fc.array(fc.tuple(torque, torque), { minLength: batch, maxLength: batch }), {
              minLength: 1,
              maxLength: 6
            })
          )
        ),
        ([rows, plan]) => {
          const starts = rows.map(([theta1, theta2, omega1, omega2]) => armAt(theta1, theta2, omega1, omega2))
          const predicted = tf.tidy(() =>
            rollout(
              model,
              model.encode(tf.tensor2d(starts.map((state) => Array.from(reacherObservation(state))))),
              tf.tensor3d(plan)
            )
          )
          const values = predicted.arraySync()
          predicted.dispose()
          starts.forEach((start, index) => {
            let state = start
            plan.forEach((actions, step) => {
              state = reacherTransition(state, Float64Array.from(actions[index]!)).state
              const expected = reacherObservation(state)
              const row = values[step + 1]![index]!
              expected.forEach((value, column) => {
                expect(Math.abs(row[column]! - value)).toBeLessThan(1e-4)
              })
            })
          })
        }
      ),
      { numRuns: 100 }
    )
  })

  it("ignores the fingertip columns of its input", () => {
    const [first, second] = tf.tidy(() => {
      const actions = tf.tensor2d([[0.3, -0.7]])
      return [
        model.step(tf.tensor2d([[1, 0, 0, 1, 0.5, 0, 0.6, 0.4]]), actions).arraySync(),
        model.step(tf.tensor2d([[1, 0, 0, 1, 0.5, 0, -9, 9]]), actions).arraySync()
      ]
    })
    expect(first).toEqual(second)
  })

  it("encodes observations as themselves", () => {
    const observation = reacher.make().reset({ seed: 4 }).observation
    const latent = model.encode(tf.tensor2d([Array.from(observation)]))
    expect(latent.shape).toEqual([1, 8])
    Array.from(latent.dataSync()).forEach((value, index) => {
      expect(value).toBeCloseTo(observation[index]!, 6)
    })
    latent.dispose()
    expect(thrownBy(() => model.encode(tf.zeros([2, 4])))).toMatchObject({ field: "observations" })
  })

  it("differentiates the fingertip's final distance with respect to the actions, without leaking", () => {
    const before = tf.memory().numTensors
    const gradient = tf.tidy(() => {
      const start = tf.tensor2d([
        Array.from(reacherObservation(armAt(0.3, 1.2, 0.5, -0.5))),
        Array.from(reacherObservation(armAt(-2, -0.8, 0, 0)))
      ])
      const target = tf.tensor1d([-0.2, 0.6])
      const actions = tf.fill([10, 2, 2], 0.3) as tf.Tensor3D
      const weights = tf.tensor1d(reacherGoalWeights as Array<number>)
      const finalDistance = (plan: tf.Tensor): tf.Scalar => {
        const states = rollout(model, start, plan as tf.Tensor3D)
        const last = tf.squeeze(tf.slice(states, [10, 0, 0], [1, -1, -1]), [0])
        const goal = tf.concat([tf.zeros([6]), target])
        return tf.sum(tf.mul(weights, tf.square(tf.sub(last, goal))))
      }
      return tf.grad(finalDistance)(actions)
    })
    const values = Array.from(gradient.dataSync())
    expect(gradient.shape).toEqual([10, 2, 2])
    expect(values.every(Number.isFinite)).toBe(true)
    expect(values.some((value) => value !== 0)).toBe(true)
    gradient.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects mis-shaped states and actions", () => {
    tf.tidy(() => {
      expect(thrownBy(() => model.step(tf.zeros([2, 4]), tf.zeros([2, 2])))).toMatchObject({
        field: "states"
      })
      expect(thrownBy(() => model.step(tf.zeros([2, 8]), tf.zeros([2, 1])))).toMatchObject({
        field: "actions"
      })
      expect(thrownBy(() => model.step(tf.zeros([2, 8]), tf.zeros([3, 2])))).toMatchObject({
        field: "actions"
      })
    })
  })

  it("reports the same distance as the environment's helpers", () => {
    const state = armAt(0.4, -1.1)
    const [x, y] = reacherFingertip(state)
    expectClose(reacherDistanceToTarget(state), Math.hypot(x, y - 0.5))
  })
})
