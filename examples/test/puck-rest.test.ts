import { checkEnv } from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import puckRestDefault, { puckRest, puckRestConstants, puckRestTransition } from "../puck-rest.js"
import { actionIn, goalOf, maxDifference, modelStep, rolloutGradient, runEpisode } from "./support.js"

const { halfWidth, maxSpeed, timeStep, friction, spawnExtent, maxStartSpeed } = puckRestConstants
const space = puckRest.definition.observationSpace
const actionSpace = puckRest.definition.actionSpace
const observe = puckRest.definition.observe

const clip = (v: number) => Math.max(-1, Math.min(1, v))

// A hand-made PD controller per axis: push towards the target, brake with the velocity.
const pdPolicy = (observation: Float64Array, goal: Float64Array): Array<number> => [
  clip(2 * ((goal[0] as number) - (observation[0] as number)) - 3 * (observation[2] as number)),
  clip(2 * ((goal[1] as number) - (observation[1] as number)) - 3 * (observation[3] as number))
]

describe("puck-rest", () => {
  it("is the default export, with the declared spaces and no goal dimensions", () => {
    expect(puckRestDefault).toBe(puckRest)
    expect(puckRest.id).toBe("puck-rest")
    expect(space.size).toBe(4)
    expect(Array.from(space.high)).toEqual([halfWidth, halfWidth, maxSpeed, maxSpeed])
    expect(actionSpace.size).toBe(2)
    expect(puckRest.definition.goalDimensions).toBeUndefined()
    expect(puckRest.definition.maxEpisodeSteps).toBe(150)
  })

  it("passes telos's own environment checker without warnings", () => {
    for (const seed of [0, 1, 2]) expect(checkEnv(puckRest, { seed }).warnings).toEqual([])
  })

  it("is deterministic per seed, and seeds differ", () => {
    const trace = (seed: number) => {
      const env = puckRest.make()
      const { observation, info } = env.reset({ seed })
      const out = [Array.from(observation), Array.from(goalOf(info))]
      for (let t = 0; t < 30; t++) out.push(Array.from(env.step([Math.sin(t), Math.cos(t)]).observation))
      return out
    }
    expect(trace(3)).toEqual(trace(3))
    expect(trace(3)).not.toEqual(trace(4))
  })

  it("keeps every observation inside the observation space, under any actions (walls and top speed included)", () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.array(actionIn(actionSpace), { minLength: 1, maxLength: 150 }),
        fc.boolean(),
        (seed, actions, repeat) => {
          const env = puckRest.make()
          const reset = env.reset({ seed })
          expect(space.contains(reset.observation)).toBe(true)
          // Repeating the first action drives the puck to its top speed and into a wall.
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

  it("clamps at a wall, zeroing only the velocity into it, and caps the speed", () => {
    const state = { x: 1.49, y: 0, vx: 1.2, vy: 0.5, goalX: 0, goalY: 0 }
    const next = puckRestTransition(state, Float64Array.of(1, 1)).state
    expect(next.x).toBe(halfWidth)
    expect(next.vx).toBe(0)
    expect(next.vy).toBeCloseTo(0.5 + (1 - friction * 0.5) * timeStep, 12)
    const fast = puckRestTransition({ ...state, x: 0, vx: maxSpeed }, Float64Array.of(1, 0)).state
    expect(fast.vx).toBe(maxSpeed)
  })

  it("draws starts and targets on the table, apart, with the puck already moving", () => {
    let moving = 0
    for (let seed = 0; seed < 300; seed++) {
      const { observation, info } = puckRest.make().reset({ seed })
      const goal = goalOf(info)
      expect(goal.length).toBe(4)
      expect(space.contains(goal)).toBe(true)
      expect(Math.max(Math.abs(goal[0] as number), Math.abs(goal[1] as number))).toBeLessThanOrEqual(
        spawnExtent
      )
      expect(goal[2]).toBe(0)
      expect(goal[3]).toBe(0)
      expect(info.distance as number).toBeGreaterThanOrEqual(1)
      expect(Math.hypot(observation[2] as number, observation[3] as number)).toBeLessThanOrEqual(
        maxStartSpeed
      )
      if ((info.speed as number) > 0.1) moving++
      expect(info.success).toBe(false)
    }
    expect(moving).toBeGreaterThan(250)
  })

  it("does not count flying through the target: it must rest there", () => {
    // Crossing the target at speed: on it, but too fast.
    const through = puckRestTransition(
      { x: -0.05, y: 0, vx: 0.5, vy: 0, goalX: 0, goalY: 0 },
      Float64Array.of(0, 0)
    )
    expect(Math.hypot(through.state.x, through.state.y)).toBeLessThan(0.1)
    expect(through.terminated).toBe(false)
    // Resting on it (slow enough) succeeds.
    const rest = puckRestTransition(
      { x: 0.05, y: 0, vx: 0.03, vy: 0, goalX: 0, goalY: 0 },
      Float64Array.of(-0.3, 0)
    )
    expect(rest.terminated).toBe(true)
    // At rest, but off the target, does not.
    const off = puckRestTransition({ x: 0.2, y: 0, vx: 0, vy: 0, goalX: 0, goalY: 0 }, Float64Array.of(0, 0))
    expect(off.terminated).toBe(false)
    // The reward is minus the distance of the observation to the goal observation.
    expect(off.reward).toBeCloseTo(-0.2, 12)
    expect(through.reward).toBeCloseTo(-Math.hypot(through.state.x, 0.5 - 0.5 * friction * timeStep), 12)
  })

  it("is solvable: a PD controller brings the puck to rest on the target on every seed within the budget", () => {
    const env = puckRest.make()
    const steps: Array<number> = []
    for (let seed = 0; seed < 40; seed++) {
      const outcome = runEpisode(env, seed, pdPolicy)
      expect(outcome.success, `seed ${seed}`).toBe(true)
      steps.push(outcome.steps)
    }
    expect(Math.max(...steps)).toBeLessThanOrEqual(120)
  })

  it("is not solved by greedily pushing at the target: the puck overshoots", () => {
    const env = puckRest.make()
    let successes = 0
    for (let seed = 0; seed < 20; seed++) {
      const outcome = runEpisode(env, seed, (observation, goal) => {
        const dx = (goal[0] as number) - (observation[0] as number)
        const dy = (goal[1] as number) - (observation[1] as number)
        const norm = Math.max(Math.hypot(dx, dy), 1e-9)
        return [dx / norm, dy / norm]
      })
      if (outcome.success) successes++
      expect(runEpisode(env, seed, () => [0, 0]).success).toBe(false)
    }
    expect(successes).toBe(0)
  })

  it("has a ground-truth model that matches the transition within float32 precision, walls included", () => {
    const model = puckRest.groundTruthModel()
    expect(model.latentSize).toBe(4)
    expect(model.stride).toBe(1)
    expect(model.actionSpace).toBe(actionSpace)
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -halfWidth, max: halfWidth, noNaN: true }),
            fc.double({ min: -halfWidth, max: halfWidth, noNaN: true }),
            fc.double({ min: -maxSpeed, max: maxSpeed, noNaN: true }),
            fc.double({ min: -maxSpeed, max: maxSpeed, noNaN: true }),
            actionIn(actionSpace)
          ),
          { minLength: 1, maxLength: 64 }
        ),
        (cases) => {
          const states = cases.map(([x, y, vx, vy]) => ({ x, y, vx, vy, goalX: 0, goalY: 0 }))
          const actions = cases.map(([, , , , action]) => action)
          const predicted = modelStep(model, states.map(observe), actions)
          states.forEach((state, i) => {
            const next = puckRestTransition(state, Float64Array.from(actions[i] as Array<number>)).state
            // Within float32 rounding of a wall, the two may decide the contact differently.
            const grazes = [next.x, next.y].some((p) => Math.abs(Math.abs(p) - halfWidth) < 1e-5)
            if (!grazes) expect(maxDifference(predicted[i] as Float32Array, observe(next))).toBeLessThan(1e-4)
          })
        }
      ),
      { numRuns: 50 }
    )
  })

  it("has a differentiable model away from the walls", () => {
    const model = puckRest.groundTruthModel()
    const observation = Float64Array.of(0, 0, 0.3, -0.2)
    const gradient = rolloutGradient(model, observation, [0.1, 0.1], 8, (state) =>
      tf.sum(tf.square(tf.sub(state, tf.tensor2d([[0.5, -0.5, 0, 0]]))))
    )
    expect(gradient.every(Number.isFinite)).toBe(true)
    expect(Math.abs(gradient[0] as number)).toBeGreaterThan(1e-3)
    expect(Math.abs(gradient[1] as number)).toBeGreaterThan(1e-3)
  })

  it("rejects actions outside the action space and renders an SVG", () => {
    const env = puckRest.make()
    env.reset({ seed: 0 })
    expect(() => env.step([0, -1.5])).toThrow(/action\[1\]/)
    expect(env.render()).toMatch(/^<svg/)
  })
})
