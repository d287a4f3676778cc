import { checkEnv } from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import unicycleDefault, { unicycle, unicycleConstants, unicycleTransition } from "../unicycle.js"
import { actionIn, goalOf, maxDifference, modelStep, rolloutGradient, runEpisode } from "./support.js"

const { halfWidth, timeStep, spawnExtent, successDistance } = unicycleConstants
const space = unicycle.definition.observationSpace
const actionSpace = unicycle.definition.actionSpace
const observe = unicycle.definition.observe

const wrap = (angle: number): number => Math.atan2(Math.sin(angle), Math.cos(angle))

// Turn towards the target, and drive forward as the heading comes to bear on it.
const steeringPolicy = (observation: Float64Array, goal: Float64Array): Array<number> => {
  const dx = (goal[0] as number) - (observation[0] as number)
  const dy = (goal[1] as number) - (observation[1] as number)
  const heading = Math.atan2(observation[3] as number, observation[2] as number)
  const error = wrap(Math.atan2(dy, dx) - heading)
  const speed = Math.max(0, Math.cos(error)) * Math.min(1, 2 * Math.hypot(dx, dy))
  return [speed, Math.max(-1.5, Math.min(1.5, 3 * error))]
}

describe("unicycle", () => {
  it("is the default export, with the declared spaces and goal dimensions", () => {
    expect(unicycleDefault).toBe(unicycle)
    expect(unicycle.id).toBe("unicycle")
    expect(space.size).toBe(4)
    expect(Array.from(actionSpace.low)).toEqual([-0.5, -1.5])
    expect(Array.from(actionSpace.high)).toEqual([1, 1.5])
    expect(unicycle.definition.goalDimensions).toEqual([0, 1])
    expect(unicycle.definition.maxEpisodeSteps).toBe(150)
  })

  it("passes telos's own environment checker without warnings", () => {
    for (const seed of [0, 1, 2]) expect(checkEnv(unicycle, { seed }).warnings).toEqual([])
  })

  it("is deterministic per seed, and seeds differ", () => {
    const trace = (seed: number) => {
      const env = unicycle.make()
      const { observation, info } = env.reset({ seed })
      const out = [Array.from(observation), Array.from(goalOf(info))]
      for (let t = 0; t < 30; t++) out.push(Array.from(env.step([0.3, Math.cos(t)]).observation))
      return out
    }
    expect(trace(11)).toEqual(trace(11))
    expect(trace(11)).not.toEqual(trace(12))
  })

  it("keeps every observation inside the observation space, under any actions (walls included)", () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.array(actionIn(actionSpace), { minLength: 1, maxLength: 150 }),
        fc.boolean(),
        (seed, actions, repeat) => {
          const env = unicycle.make()
          const reset = env.reset({ seed })
          expect(space.contains(reset.observation)).toBe(true)
          // Repeating the first action drives straight (or in a circle) into a wall.
          for (const action of repeat ? actions.map(() => actions[0] as Array<number>) : actions) {
            const result = env.step(action)
            expect(space.contains(result.observation)).toBe(true)
            expect(Number.isFinite(result.reward) && result.reward <= 0).toBe(true)
            if (result.terminated || result.truncated) break
          }
        }
      ),
      { numRuns: 200 }
    )
  })

  it("cannot move sideways, and a wall stops it", () => {
    const state = { x: 0, y: 0, theta: 0, goalX: 1, goalY: 1 }
    const sideways = unicycleTransition(state, Float64Array.of(1, 0)).state
    expect(sideways.y).toBe(0)
    expect(sideways.x).toBeCloseTo(timeStep, 12)
    const wall = unicycleTransition({ ...state, x: 1.45 }, Float64Array.of(1, 0)).state
    expect(wall.x).toBe(halfWidth)
  })

  it("draws starts and targets in the arena, apart; the goal observation ignores the heading", () => {
    for (let seed = 0; seed < 300; seed++) {
      const { info } = unicycle.make().reset({ seed })
      const goal = goalOf(info)
      expect(goal.length).toBe(4)
      expect(space.contains(goal)).toBe(true)
      expect(Math.max(Math.abs(goal[0] as number), Math.abs(goal[1] as number))).toBeLessThanOrEqual(
        spawnExtent
      )
      expect(Array.from(goal.slice(2))).toEqual([1, 0])
      expect(info.distance as number).toBeGreaterThanOrEqual(1)
      expect(info.success).toBe(false)
    }
  })

  it("succeeds within 0.15 of the target whatever the heading, and then terminates", () => {
    for (const theta of [0, 1, 2, -2.5]) {
      const result = unicycleTransition({ x: 0.2, y: 0, theta, goalX: 0, goalY: 0 }, Float64Array.of(0, 0.5))
      expect(result.terminated).toBe(false)
      const near = unicycleTransition({ x: 0.1, y: 0, theta, goalX: 0, goalY: 0 }, Float64Array.of(0, 0.5))
      expect(near.terminated).toBe(true)
      expect(near.reward).toBeCloseTo(-0.1, 12)
    }
    expect(successDistance).toBe(0.15)
  })

  it("is solvable: a steering controller reaches the target on every seed within the budget", () => {
    const env = unicycle.make()
    const steps: Array<number> = []
    for (let seed = 0; seed < 40; seed++) {
      const outcome = runEpisode(env, seed, steeringPolicy)
      expect(outcome.success, `seed ${seed}`).toBe(true)
      steps.push(outcome.steps)
    }
    expect(Math.max(...steps)).toBeLessThanOrEqual(80)
  })

  it("is not solved by driving straight ahead", () => {
    const env = unicycle.make()
    let successes = 0
    for (let seed = 0; seed < 20; seed++) if (runEpisode(env, seed, () => [1, 0]).success) successes++
    expect(successes).toBeLessThan(5)
  })

  it("has a ground-truth model that matches the transition within float32 precision, walls included", () => {
    const model = unicycle.groundTruthModel()
    expect(model.latentSize).toBe(4)
    expect(model.stride).toBe(1)
    expect(model.actionSpace).toBe(actionSpace)
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -halfWidth, max: halfWidth, noNaN: true }),
            fc.double({ min: -halfWidth, max: halfWidth, noNaN: true }),
            fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
            actionIn(actionSpace)
          ),
          { minLength: 1, maxLength: 64 }
        ),
        (cases) => {
          const states = cases.map(([x, y, theta]) => ({ x, y, theta, goalX: 0, goalY: 0 }))
          const actions = cases.map(([, , , action]) => action)
          const predicted = modelStep(model, states.map(observe), actions)
          states.forEach((state, i) => {
            const next = unicycleTransition(state, Float64Array.from(actions[i] as Array<number>)).state
            expect(maxDifference(predicted[i] as Float32Array, observe(next))).toBeLessThan(1e-4)
          })
        }
      ),
      { numRuns: 50 }
    )
  })

  it("has a differentiable model: the position's gradient reaches both speed and turn rate", () => {
    const model = unicycle.groundTruthModel()
    const gradient = rolloutGradient(model, Float64Array.of(0, 0, 1, 0), [0.5, 0.3], 6, (state) =>
      tf.sum(tf.square(tf.sub(tf.slice(state, [0, 0], [1, 2]), tf.tensor2d([[0.5, 0.8]]))))
    )
    expect(gradient.every(Number.isFinite)).toBe(true)
    expect(Math.abs(gradient[0] as number)).toBeGreaterThan(1e-3)
    expect(Math.abs(gradient[1] as number)).toBeGreaterThan(1e-3)
  })

  it("rejects actions outside the action space and renders an SVG", () => {
    const env = unicycle.make()
    env.reset({ seed: 0 })
    expect(() => env.step([-1, 0])).toThrow(/action\[0\]/)
    expect(env.render()).toMatch(/^<svg/)
  })
})
