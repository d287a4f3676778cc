import { ConfigError, InvalidValueError, Random } from "@telos/core"
import { cemPlanner, goalCost, initialMeanSequence } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type SamplingProblem, samplingProblems, shiftModel, solveSamplingProblem } from "../fixtures.js"

const reachable: SamplingProblem = { problems: 2, latentSize: 2, bound: 1, horizon: 8, seed: 3 }

describe("cemPlanner", () => {
  it("keeps actions in bounds, never returns worse than its first set, and its trace never rises", () => {
    fc.assert(
      fc.property(
        samplingProblems,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (problem, samples, elites, iterations, momentum) => {
          const planner = cemPlanner({ samples, elites: Math.min(elites, samples), iterations, momentum })
          const plan = solveSamplingProblem(planner, problem)
          expect(plan.actions.length).toBe(problem.problems * problem.horizon * problem.latentSize)
          for (const value of plan.actions) expect(Math.abs(value)).toBeLessThanOrEqual(problem.bound + 1e-6)
          plan.cost.forEach((value, index) => {
            expect(value).toBeLessThanOrEqual(plan.initialCost[index] as number)
          })
          expect(plan.trace).toHaveLength(iterations + 1)
          plan.trace.forEach((value, index) => {
            if (index > 0) expect(value).toBeLessThanOrEqual(plan.trace[index - 1] as number)
          })
        }
      ),
      { numRuns: 25 }
    )
  })

  it("reaches a reachable goal on the shift world", () => {
    const plan = solveSamplingProblem(cemPlanner({ samples: 128, elites: 16, iterations: 8 }), reachable)
    expect(Math.max(...plan.cost)).toBeLessThan(5e-3)
    plan.cost.forEach((value, index) => {
      expect(value).toBeLessThan((plan.initialCost[index] as number) / 5)
    })
  })

  it("is deterministic under a seed", () => {
    const planner = cemPlanner({ samples: 16, elites: 4, iterations: 3 })
    expect(Array.from(solveSamplingProblem(planner, reachable).actions)).toEqual(
      Array.from(solveSamplingProblem(planner, reachable).actions)
    )
  })

  it("starts its mean from the previous plan shifted by one step", () => {
    const previous = solveSamplingProblem(cemPlanner({ samples: 16, elites: 4, iterations: 2 }), reachable)
    const initialStates = tf.zeros<tf.Rank.R2>([2, 2])
    const shifted = initialMeanSequence({
      model: shiftModel(2),
      initialStates,
      cost: goalCost({ goal: [[0, 0]] }),
      horizon: reachable.horizon,
      warmStart: previous
    })
    initialStates.dispose()
    // With one sample and no refit, the plan is the mean itself: the shifted previous plan.
    const next = solveSamplingProblem(
      cemPlanner({ samples: 1, elites: 1, warmStartIterations: 0 }),
      reachable,
      previous
    )
    expect(next.trace).toHaveLength(1)
    for (let problem = 0; problem < 2; problem++) {
      for (let step = 0; step < reachable.horizon; step++) {
        const source = Math.min(step + 1, reachable.horizon - 1)
        for (let dimension = 0; dimension < 2; dimension++) {
          const expected = previous.actions[(problem * reachable.horizon + source) * 2 + dimension]
          expect(next.actions[(problem * reachable.horizon + step) * 2 + dimension]).toBe(expected)
          expect(shifted[(step * 2 + problem) * 2 + dimension]).toBe(expected)
        }
      }
    }
    // A warm-started search never ends costlier than the plan it started from.
    const warm = solveSamplingProblem(
      cemPlanner({ samples: 8, elites: 2, iterations: 2 }),
      reachable,
      previous
    )
    warm.cost.forEach((value, index) => {
      expect(value).toBeLessThanOrEqual(next.cost[index] as number)
    })
  })

  it("returns the tensor count to its baseline, also when the cost throws", () => {
    const before = tf.memory().numTensors
    solveSamplingProblem(cemPlanner({ samples: 8, elites: 2, iterations: 2 }), reachable)
    expect(tf.memory().numTensors).toBe(before)
    const starts = tf.tensor2d([[0, 0]])
    expect(() =>
      cemPlanner({ samples: 4, elites: 2, iterations: 1 }).plan(
        { model: shiftModel(2), initialStates: starts, cost: goalCost({ goal: [[0, 0, 0]] }), horizon: 3 },
        Random.fromSeed(0)
      )
    ).toThrow(InvalidValueError)
    starts.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects bad options with a ConfigError naming the field", () => {
    expect(() => cemPlanner({ samples: 0 })).toThrow(ConfigError)
    expect(() => cemPlanner({ samples: 0 })).toThrow(/samples/)
    expect(() => cemPlanner({ momentum: 1 })).toThrow(/momentum/)
    expect(() => cemPlanner({ minimumStd: -1, iterations: 1.5 })).toThrow(
      /minimumStd.*iterations|iterations.*minimumStd/
    )
  })

  it("rejects more elites than samples with a ConfigError naming elites", () => {
    expect(() => cemPlanner({ samples: 8, elites: 9 })).toThrow(ConfigError)
    expect(() => cemPlanner({ samples: 16 })).toThrow(/elites/)
    expect(cemPlanner({ samples: 8, elites: 8 }).name).toBe("cem")
  })
})
