import { ConfigError, type Plan, Random, rollout } from "@telos/core"
import {
  cemPlanner,
  constrainedPlanner,
  coordinatePosition,
  goalCost,
  gradientPlanner,
  keepOutZone,
  planViolation
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { shiftModel } from "../fixtures.js"

// From (-1, 0) to (1, 0) in 10 steps of up to 0.3, with a zone of radius 0.4 in the way.
const model = shiftModel(2, 1, 0.3)
const zone = keepOutZone({ center: [0, 0.05], radius: 0.4, position: coordinatePosition() })
const goals: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [1, 0.2]
]
const problemFor = (starts: tf.Tensor2D) => ({
  model,
  initialStates: starts,
  cost: goalCost({ goal: goals.map((goal) => [...goal]), mode: "running" }),
  horizon: 10
})

/**
 * How far from its goal each problem's plan ends, as a fraction of how far its start was, with the
 * plan's actions rolled out through the model afresh: 1 for a plan that stands still.
 */
const remainingDistance = (
  starts: tf.Tensor2D,
  plan: Plan,
  targets: ReadonlyArray<readonly [number, number]>
): Array<number> => {
  const states = tf.tidy(() => {
    const actions = tf
      .tensor3d(plan.actions, [plan.problems, plan.horizon, plan.actionSize])
      .transpose([1, 0, 2]) as tf.Tensor3D
    return rollout(model, starts, actions)
  })
  const path = states.arraySync()
  states.dispose()
  const first = path[0]
  const last = path[plan.horizon]
  const distance = (point: ReadonlyArray<number> | undefined, [x, y]: readonly [number, number]) =>
    Math.hypot((point?.[0] ?? Number.NaN) - x, (point?.[1] ?? Number.NaN) - y)
  return targets.map((target, index) => distance(last?.[index], target) / distance(first?.[index], target))
}

describe("constrainedPlanner", () => {
  it("brings the violation to zero where the unconstrained plan cuts through the zone", () => {
    const starts = tf.tensor2d([
      [-1, 0],
      [-1, 0.1]
    ])
    const before = tf.memory().numTensors
    const inner = gradientPlanner({ iterations: 60, restarts: 2, learningRate: 0.1 })
    const problem = problemFor(starts)
    const free = inner.plan(problem, Random.fromSeed(0))
    const constrained = constrainedPlanner(inner, [zone]).plan(problem, Random.fromSeed(0))
    const freeViolation = planViolation(problem, free, [zone])
    const constrainedViolation = planViolation(problem, constrained, [zone])
    expect(Math.max(...freeViolation)).toBeGreaterThan(0.1)
    expect(Math.max(...constrainedViolation)).toBeLessThanOrEqual(1e-4)
    // Going around costs more than going through: the reported cost is the task's own.
    constrained.cost.forEach((value, index) => {
      expect(value).toBeGreaterThan(free.cost[index] as number)
    })
    for (const value of constrained.actions) expect(Math.abs(value)).toBeLessThanOrEqual(1)
    // Feasible and dearer is also what standing still is: the detour must still arrive.
    for (const remaining of remainingDistance(starts, constrained, goals))
      expect(remaining).toBeLessThan(0.25)
    expect(tf.memory().numTensors).toBe(before)
    starts.dispose()
  })

  it("works around a sampling planner too", () => {
    const starts = tf.tensor2d([
      [-1, 0],
      [-1, 0.1]
    ])
    const problem = problemFor(starts)
    const plan = constrainedPlanner(cemPlanner({ samples: 128, elites: 16, iterations: 6 }), [zone], {
      outerIterations: 6
    }).plan(problem, Random.fromSeed(1))
    expect(Math.max(...planViolation(problem, plan, [zone]))).toBeLessThanOrEqual(1e-4)
    for (const remaining of remainingDistance(starts, plan, goals)) expect(remaining).toBeLessThan(0.25)
    starts.dispose()
  })

  it("changes nothing when the plan is feasible from the start", () => {
    const starts = tf.tensor2d([
      [0.8, 0.8],
      [0.8, 0.9]
    ])
    const problem = {
      ...problemFor(starts),
      cost: goalCost({
        goal: [
          [1, 1],
          [1, 1]
        ]
      })
    }
    const inner = gradientPlanner({ iterations: 20, restarts: 1 })
    const free = inner.plan(problem, Random.fromSeed(2))
    const constrained = constrainedPlanner(inner, [zone]).plan(problem, Random.fromSeed(2))
    expect(Array.from(constrained.actions)).toEqual(Array.from(free.actions))
    for (const remaining of remainingDistance(starts, constrained, [
      [1, 1],
      [1, 1]
    ]))
      expect(remaining).toBeLessThan(0.25)
    expect(constrained.trace).toHaveLength(free.trace.length)
    starts.dispose()
  })

  it("rejects bad options with a ConfigError naming the field", () => {
    expect(() => constrainedPlanner(gradientPlanner(), [zone], { penaltyGrowth: 0.5 })).toThrow(ConfigError)
    expect(() => constrainedPlanner(gradientPlanner(), [zone], { penaltyGrowth: 0.5 })).toThrow(
      /penaltyGrowth/
    )
  })
})
