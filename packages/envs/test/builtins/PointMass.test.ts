import { rollout } from "@telos/core"
import {
  type PointMassState,
  pointMass,
  pointMassConstants,
  pointMassModel,
  pointMassObservationSpace,
  pointMassTransition
} from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { actionSequences, thrownBy, useCpuBackend } from "../support.js"

beforeAll(useCpuBackend)

const arenaCoordinate = fc.double({ min: -1, max: 1, noNaN: true })
const point = fc.tuple(arenaCoordinate, arenaCoordinate)

describe("point-mass physics", () => {
  it("integrates velocity first, then position (semi-implicit Euler)", () => {
    const state: PointMassState = { x: 0.2, y: -0.1, vx: 0.3, vy: 0, goalX: 0.5, goalY: 0.5 }
    const { state: next, reward, terminated } = pointMassTransition(state, Float64Array.of(1, -0.5))
    // v' = v + a dt, p' = p + v' dt with dt = 0.1 and unit mass.
    expect(next.vx).toBeCloseTo(0.3 + 1 * 0.1, 12)
    expect(next.vy).toBeCloseTo(0 - 0.5 * 0.1, 12)
    expect(next.x).toBeCloseTo(0.2 + 0.4 * 0.1, 12)
    expect(next.y).toBeCloseTo(-0.1 - 0.05 * 0.1, 12)
    expect(reward).toBeCloseTo(-Math.hypot(0.24 - 0.5, -0.105 - 0.5), 12)
    expect(terminated).toBe(false)
    expect(state).toEqual({ x: 0.2, y: -0.1, vx: 0.3, vy: 0, goalX: 0.5, goalY: 0.5 })
  })

  it("stops at a wall: the position is clamped and that velocity component zeroed", () => {
    const state: PointMassState = { x: 0.98, y: -0.98, vx: 0.5, vy: -0.5, goalX: 0, goalY: 0 }
    const { state: next } = pointMassTransition(state, Float64Array.of(1, 0))
    expect(next).toMatchObject({ x: 1, vx: 0, y: -1, vy: 0 })
  })

  it("keeps the agent inside the arena and observations inside the observation space", () => {
    fc.assert(
      fc.property(fc.integer(), point, actionSequences(2, 1, 60), (seed, start, actions) => {
        const env = pointMass.make()
        env.reset({ seed, options: { start } })
        for (const action of actions) {
          const result = env.step(action)
          const [x, y] = result.observation
          expect(Math.abs(x!)).toBeLessThanOrEqual(1)
          expect(Math.abs(y!)).toBeLessThanOrEqual(1)
          expect(pointMassObservationSpace.contains(result.observation)).toBe(true)
          if (result.terminated || result.truncated) env.reset()
        }
      }),
      { numRuns: 100 }
    )
  })
})

describe("point-mass episodes", () => {
  it("draws starts and goals in [-0.9, 0.9]^2 at least 0.5 apart, at rest", () => {
    const env = pointMass.make()
    for (let seed = 0; seed < 200; seed++) {
      const { observation, info } = env.reset({ seed })
      const goal = info.goal as Float64Array
      const [x, y, vx, vy] = observation as unknown as [number, number, number, number]
      const [goalX, goalY] = goal as unknown as [number, number]
      for (const coordinate of [x, y, goalX, goalY]) expect(Math.abs(coordinate)).toBeLessThanOrEqual(0.9)
      expect(Math.hypot(x - goalX, y - goalY)).toBeGreaterThanOrEqual(0.5)
      expect([vx, vy]).toEqual([0, 0])
      expect(Array.from(goal)).toEqual([goalX, goalY, 0, 0])
      expect(info.distance).toBeCloseTo(Math.hypot(x - goalX, y - goalY), 12)
    }
  })

  it("honours a fixed start and goal, and names a bad option", () => {
    const env = pointMass.make()
    const { observation, info } = env.reset({ seed: 1, options: { start: [0.1, 0.2], goal: [-0.3, 0.4] } })
    expect(Array.from(observation)).toEqual([0.1, 0.2, 0, 0])
    expect(Array.from(info.goal as Float64Array)).toEqual([-0.3, 0.4, 0, 0])
    expect(thrownBy(() => env.reset({ options: { start: [0, 2] } }))).toMatchObject({
      _tag: "InvalidValueError",
      field: "options.start[1]"
    })
    expect(thrownBy(() => env.reset({ options: { goal: [0] } }))).toMatchObject({ field: "options.goal" })
    expect(thrownBy(() => env.reset({ options: { strat: [0, 0] } }))).toMatchObject({
      field: "options.strat"
    })
  })

  it("terminates with success near the goal and truncates after 100 steps", () => {
    const env = pointMass.make()
    env.reset({ options: { start: [0, 0], goal: [0.02, 0] } })
    const reached = env.step([0, 0])
    expect(reached).toMatchObject({ terminated: true, truncated: false, info: { success: true } })
    expect(reached.reward).toBeCloseTo(-0.02, 12)

    env.reset({ options: { start: [-0.8, 0], goal: [0.8, 0] } })
    for (let step = 1; step < 100; step++) expect(env.step([0, 0]).truncated).toBe(false)
    expect(env.step([0, 0])).toMatchObject({ terminated: false, truncated: true, info: { success: false } })
  })

  it("renders the arena, the goal and the agent as SVG", () => {
    const env = pointMass.make()
    env.reset({ seed: 0 })
    const svg = env.render()
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/)
    expect(svg.match(/<circle/g)).toHaveLength(2)
  })
})

describe("point-mass ground-truth model", () => {
  const model = pointMassModel()
  const velocity = fc.double({ min: -2, max: 2, noNaN: true })
  const force = fc.double({ min: -1, max: 1, noNaN: true })
  const { timeStep } = pointMassConstants
  // Within float32 rounding of a wall, the two precisions may disagree on whether it was hit.
  const clearOfWall = (position: number, speed: number, push: number): boolean =>
    Math.abs(Math.abs(position + (speed + push * timeStep) * timeStep) - 1) > 1e-5

  it("agrees with the environment's step within float32 tolerance", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(point, velocity, velocity, force, force), { minLength: 1, maxLength: 16 }),
        (rows) => {
          fc.pre(rows.every(([[x, y], vx, vy, fx, fy]) => clearOfWall(x, vx, fx) && clearOfWall(y, vy, fy)))
          const predicted = tf.tidy(() =>
            model.step(
              tf.tensor2d(rows.map(([[x, y], vx, vy]) => [x, y, vx, vy])),
              tf.tensor2d(rows.map(([, , , fx, fy]) => [fx, fy]))
            )
          )
          const values = predicted.arraySync()
          predicted.dispose()
          rows.forEach(([[x, y], vx, vy, fx, fy], index) => {
            const { state } = pointMassTransition(
              { x, y, vx, vy, goalX: 0, goalY: 0 },
              Float64Array.of(fx, fy)
            )
            const row = values[index]!
            ;[state.x, state.y, state.vx, state.vy].forEach((expected, column) => {
              expect(Math.abs(row[column]! - expected)).toBeLessThan(1e-4)
            })
          })
        }
      ),
      { numRuns: 100 }
    )
  })

  it("encodes observations as themselves", () => {
    const observation = pointMass.make().reset({ seed: 4 }).observation
    const latent = model.encode(tf.tensor2d([Array.from(observation)]))
    expect(latent.shape).toEqual([1, 4])
    Array.from(latent.dataSync()).forEach((value, index) => {
      expect(value).toBeCloseTo(observation[index]!, 6)
    })
    latent.dispose()
    expect(thrownBy(() => model.encode(tf.zeros([2, 3])))).toMatchObject({ field: "observations" })
  })

  it("differentiates a rollout with respect to the actions, without leaking tensors", () => {
    const before = tf.memory().numTensors
    const gradient = tf.tidy(() => {
      const start = tf.tensor2d([
        [-0.5, 0.2, 0, 0],
        [0.3, -0.4, 0.1, 0]
      ])
      const goal = tf.tensor1d([0.4, 0.3])
      const actions = tf.fill([12, 2, 2], 0.2) as tf.Tensor3D
      const finalDistance = (plan: tf.Tensor): tf.Scalar => {
        const states = rollout(model, start, plan as tf.Tensor3D)
        const last = tf.squeeze(tf.slice(states, [12, 0, 0], [1, -1, 2]), [0])
        return tf.sum(tf.square(tf.sub(last, goal)))
      }
      return tf.grad(finalDistance)(actions)
    })
    const values = gradient.dataSync()
    expect(gradient.shape).toEqual([12, 2, 2])
    expect(Array.from(values).every(Number.isFinite)).toBe(true)
    expect(Array.from(values).some((value) => value !== 0)).toBe(true)
    gradient.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects mis-shaped states and actions", () => {
    tf.tidy(() => {
      expect(thrownBy(() => model.step(tf.zeros([2, 3]), tf.zeros([2, 2])))).toMatchObject({
        field: "states"
      })
      expect(thrownBy(() => model.step(tf.zeros([2, 4]), tf.zeros([2, 1])))).toMatchObject({
        field: "actions"
      })
      expect(thrownBy(() => model.step(tf.zeros([2, 4]), tf.zeros([3, 2])))).toMatchObject({
        field: "actions"
      })
    })
  })
})
