import { checkEnv } from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import twoLinkArmDefault, {
  armInnerRadius,
  armOuterRadius,
  fingertip,
  isReachableGoal,
  twoLinkArm,
  twoLinkArmConstants,
  twoLinkArmObserve,
  twoLinkArmTransition
} from "../two-link-arm.js"
import { actionIn, goalOf, maxDifference, modelStep, rolloutGradient, runEpisode } from "./support.js"

const { firstLinkLength: l1, secondLinkLength: l2, elbowLimit, goalRadius, timeStep } = twoLinkArmConstants
const space = twoLinkArm.definition.observationSpace
const actionSpace = twoLinkArm.definition.actionSpace

const wrap = (angle: number): number => Math.atan2(Math.sin(angle), Math.cos(angle))

// Inverse kinematics: both elbow solutions for a fingertip target.
const inverseKinematics = (x: number, y: number): Array<readonly [number, number]> => {
  const cosine = (x * x + y * y - l1 * l1 - l2 * l2) / (2 * l1 * l2)
  const elbow = Math.acos(Math.max(-1, Math.min(1, cosine)))
  return [elbow, -elbow].map((q2) => [
    Math.atan2(y, x) - Math.atan2(l2 * Math.sin(q2), l1 + l2 * Math.cos(q2)),
    q2
  ])
}

// Drive the joints straight to the IK solution that needs the least joint travel.
const ikPolicy = (observation: Float64Array, goal: Float64Array): Array<number> => {
  const q1 = Math.atan2(observation[1] as number, observation[0] as number)
  const q2 = Math.atan2(observation[3] as number, observation[2] as number)
  const moves = inverseKinematics(goal[4] as number, goal[5] as number).map(
    ([t1, t2]) => [wrap(t1 - q1), t2 - q2] as const
  )
  const [d1, d2] = moves.reduce((best, move) =>
    Math.max(Math.abs(move[0]), Math.abs(move[1])) < Math.max(Math.abs(best[0]), Math.abs(best[1]))
      ? move
      : best
  )
  const clip = (v: number) => Math.max(-1, Math.min(1, v))
  return [clip(d1 / timeStep), clip(d2 / timeStep)]
}

describe("two-link-arm", () => {
  it("is the default export, with the declared spaces and goal dimensions", () => {
    expect(twoLinkArmDefault).toBe(twoLinkArm)
    expect(twoLinkArm.id).toBe("two-link-arm")
    expect(space.size).toBe(6)
    expect(actionSpace.size).toBe(2)
    expect(twoLinkArm.definition.goalDimensions).toEqual([4, 5])
    expect(twoLinkArm.definition.maxEpisodeSteps).toBeGreaterThanOrEqual(100)
    expect(twoLinkArm.definition.maxEpisodeSteps).toBeLessThanOrEqual(200)
    expect(armInnerRadius).toBeCloseTo(0.5184, 3)
    expect(armOuterRadius).toBeCloseTo(1.8, 12)
  })

  it("passes telos's own environment checker without warnings", () => {
    for (const seed of [0, 1, 2]) expect(checkEnv(twoLinkArm, { seed }).warnings).toEqual([])
  })

  it("is deterministic per seed, and seeds differ", () => {
    const trace = (seed: number) => {
      const env = twoLinkArm.make()
      const { observation, info } = env.reset({ seed })
      const out = [Array.from(observation), Array.from(goalOf(info))]
      for (let t = 0; t < 20; t++) out.push(Array.from(env.step([Math.sin(t), Math.cos(t)]).observation))
      return out
    }
    expect(trace(7)).toEqual(trace(7))
    expect(trace(7)).not.toEqual(trace(8))
  })

  it("keeps every observation inside the observation space, under any actions", () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.array(actionIn(actionSpace), { minLength: 1, maxLength: 120 }),
        (seed, actions) => {
          const env = twoLinkArm.make()
          const reset = env.reset({ seed })
          expect(space.contains(reset.observation)).toBe(true)
          for (const action of actions) {
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

  it("also reaches the elbow limits and the workspace's edges exactly inside the bounds", () => {
    const state = { q1: 0, q2: 2.55, goalX: 1, goalY: 0 }
    const limited = twoLinkArmTransition(state, Float64Array.of(1, 1)).state
    expect(limited.q2).toBe(elbowLimit)
    expect(space.contains(twoLinkArmObserve(limited))).toBe(true)
    const stretched = twoLinkArmObserve({ q1: 0, q2: 0, goalX: 1, goalY: 0 })
    expect(space.contains(stretched)).toBe(true)
    expect(stretched[4]).toBeCloseTo(armOuterRadius, 12)
  })

  it("draws goals inside the reachable annulus and starts outside the goal disc", () => {
    for (let seed = 0; seed < 300; seed++) {
      const { info } = twoLinkArm.make().reset({ seed })
      const goal = goalOf(info)
      expect(goal.length).toBe(6)
      expect(goal.every(Number.isFinite)).toBe(true)
      expect(space.contains(goal)).toBe(true)
      expect(isReachableGoal(goal[4] as number, goal[5] as number)).toBe(true)
      // An IK solution within the elbow limit exists and puts the fingertip on the goal.
      const [q1, q2] = inverseKinematics(goal[4] as number, goal[5] as number)[0] as readonly [number, number]
      expect(Math.abs(q2)).toBeLessThanOrEqual(elbowLimit)
      const [x, y] = fingertip(q1, q2)
      expect(Math.hypot(x - (goal[4] as number), y - (goal[5] as number))).toBeLessThan(1e-9)
      expect(info.success).toBe(false)
      expect(info.distance as number).toBeGreaterThanOrEqual(0.6)
    }
  })

  it("fixes a reachable goal by option and rejects an unreachable one", () => {
    const { info } = twoLinkArm.make().reset({ seed: 1, options: { goal: [0, 1.2] } })
    expect(Array.from(goalOf(info)).slice(4)).toEqual([0, 1.2])
    expect(() => twoLinkArm.make().reset({ seed: 1, options: { goal: [0.1, 0.1] } })).toThrow(/options.goal/)
    expect(() => twoLinkArm.make().reset({ seed: 1, options: { gaol: [0.1, 0.1] } })).toThrow(/options.gaol/)
  })

  it("succeeds exactly when the fingertip is inside the goal disc, and then terminates", () => {
    const [q1, q2] = inverseKinematics(1.2, 0.3)[0] as readonly [number, number]
    // Start just off the disc's edge, along the shoulder's arc, and move the shoulder in.
    const offset = (goalRadius + 0.02) / Math.hypot(1.2, 0.3)
    const outside = { q1: q1 + offset, q2, goalX: 1.2, goalY: 0.3 }
    const stay = twoLinkArmTransition(outside, Float64Array.of(0, 0))
    expect(stay.terminated).toBe(false)
    expect(stay.reward).toBeLessThan(0)
    const inside = twoLinkArmTransition(outside, Float64Array.of(-1, 0))
    expect(inside.terminated).toBe(true)
    expect(inside.reward).toBe(0)
  })

  it("is solvable: an inverse-kinematics controller reaches the disc on every seed within the budget", () => {
    const env = twoLinkArm.make()
    const steps: Array<number> = []
    for (let seed = 0; seed < 40; seed++) {
      const outcome = runEpisode(env, seed, ikPolicy)
      expect(outcome.success, `seed ${seed}`).toBe(true)
      steps.push(outcome.steps)
    }
    expect(Math.max(...steps)).toBeLessThanOrEqual(60)
  })

  it("is not solved by doing nothing or by random actions", () => {
    const env = twoLinkArm.make()
    let randomSuccesses = 0
    for (let seed = 0; seed < 20; seed++) {
      expect(runEpisode(env, seed, () => [0, 0]).success).toBe(false)
      let t = 0
      const outcome = runEpisode(env, seed, () => {
        t++
        return [Math.sin(t * 0.37 + seed), Math.cos(t * 0.91 + 2 * seed)]
      })
      if (outcome.success) randomSuccesses++
    }
    expect(randomSuccesses).toBeLessThan(20)
  })

  it("has a ground-truth model that matches the transition within float32 precision", () => {
    const model = twoLinkArm.groundTruthModel()
    expect(model.latentSize).toBe(6)
    expect(model.stride).toBe(1)
    expect(model.actionSpace).toBe(actionSpace)
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
            fc.double({ min: -elbowLimit, max: elbowLimit, noNaN: true }),
            actionIn(actionSpace)
          ),
          { minLength: 1, maxLength: 64 }
        ),
        (cases) => {
          const states = cases.map(([q1, q2]) => ({ q1, q2, goalX: 1, goalY: 0 }))
          const observations = states.map(twoLinkArmObserve)
          const actions = cases.map(([, , action]) => action)
          const predicted = modelStep(model, observations, actions)
          states.forEach((state, i) => {
            const next = twoLinkArmObserve(
              twoLinkArmTransition(state, Float64Array.from(actions[i] as Array<number>)).state
            )
            expect(maxDifference(predicted[i] as Float32Array, next)).toBeLessThan(1e-4)
          })
        }
      ),
      { numRuns: 50 }
    )
  })

  it("has a differentiable model: the fingertip's gradient reaches both joints", () => {
    const model = twoLinkArm.groundTruthModel()
    const observation = twoLinkArmObserve({ q1: 0.3, q2: 1.0, goalX: 0, goalY: 0 })
    const gradient = rolloutGradient(model, observation, [0.2, -0.2], 5, (state) =>
      tf.sum(tf.square(tf.sub(tf.slice(state, [0, 4], [1, 2]), tf.tensor2d([[0, 1.2]]))))
    )
    expect(gradient.every(Number.isFinite)).toBe(true)
    expect(Math.abs(gradient[0] as number)).toBeGreaterThan(1e-3)
    expect(Math.abs(gradient[1] as number)).toBeGreaterThan(1e-3)
  })

  it("rejects actions outside the action space", () => {
    const env = twoLinkArm.make()
    env.reset({ seed: 0 })
    expect(() => env.step([2, 0])).toThrow(/action\[0\]/)
    expect(() => env.step([0, Number.NaN])).toThrow(/action\[1\]/)
  })

  it("renders an SVG", () => {
    const env = twoLinkArm.make()
    env.reset({ seed: 0 })
    expect(env.render()).toMatch(/^<svg/)
  })
})
