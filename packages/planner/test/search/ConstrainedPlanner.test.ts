import { ConfigError, Random } from "@telos/core"
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
const problemFor = (starts: tf.Tensor2D) => ({
  model,
  initialStates: starts,
  cost: goalCost({
    goal: [
      [1, 0],
      [1, 0.2]
    ],
    mode: "running"
  }),
  horizon: 10
})

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
