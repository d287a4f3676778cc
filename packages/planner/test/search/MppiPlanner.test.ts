import { ConfigError, InvalidValueError, Random } from "@telos/core"
import { goalCost, mppiPlanner, pldmMppi } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type SamplingProblem, samplingProblems, shiftModel, solveSamplingProblem } from "../fixtures.js"

const reachable: SamplingProblem = { problems: 2, latentSize: 2, bound: 1, horizon: 8, seed: 3 }

describe("mppiPlanner", () => {
  it("keeps actions in bounds, never returns worse than its first set, and its trace never rises", () => {
    fc.assert(
      fc.property(
        samplingProblems,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.double({ min: 1e-3, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (problem, samples, iterations, temperature, noiseStd) => {
          const plan = solveSamplingProblem(
            mppiPlanner({ samples, iterations, temperature, noiseStd }),
            problem
          )
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
    const plan = solveSamplingProblem(
      mppiPlanner({ samples: 128, iterations: 8, temperature: 0.01 }),
      reachable
    )
    expect(Math.max(...plan.cost)).toBeLessThan(5e-3)
    plan.cost.forEach((value, index) => {
      expect(value).toBeLessThan((plan.initialCost[index] as number) / 5)
    })
  })

  it("is deterministic under a seed", () => {
    const planner = mppiPlanner({ samples: 16, iterations: 3 })
    expect(Array.from(solveSamplingProblem(planner, reachable).actions)).toEqual(
      Array.from(solveSamplingProblem(planner, reachable).actions)
    )
  })

  it("starts its mean from the previous plan shifted by one step", () => {
    const previous = solveSamplingProblem(mppiPlanner({ samples: 16, iterations: 2 }), reachable)
    // With one sample and no update, the plan is the mean itself: the shifted previous plan.
    const next = solveSamplingProblem(
      mppiPlanner({ samples: 1, warmStartIterations: 0 }),
      reachable,
      previous
    )
    expect(next.trace).toHaveLength(1)
    for (let problem = 0; problem < 2; problem++) {
      for (let step = 0; step < reachable.horizon; step++) {
        const source = Math.min(step + 1, reachable.horizon - 1)
        for (let dimension = 0; dimension < 2; dimension++) {
          expect(next.actions[(problem * reachable.horizon + step) * 2 + dimension]).toBe(
            previous.actions[(problem * reachable.horizon + source) * 2 + dimension]
          )
        }
      }
    }
    // A warm-started search never ends costlier than the plan it started from.
    const warm = solveSamplingProblem(mppiPlanner({ samples: 8, iterations: 2 }), reachable, previous)
    warm.cost.forEach((value, index) => {
      expect(value).toBeLessThanOrEqual(next.cost[index] as number)
    })
  })

  it("returns the tensor count to its baseline, also when the cost throws", () => {
    const before = tf.memory().numTensors
    solveSamplingProblem(mppiPlanner({ samples: 8, iterations: 2 }), reachable)
    expect(tf.memory().numTensors).toBe(before)
    const starts = tf.tensor2d([[0, 0]])
    expect(() =>
      mppiPlanner({ samples: 4, iterations: 1 }).plan(
        { model: shiftModel(2), initialStates: starts, cost: goalCost({ goal: [[0, 0, 0]] }), horizon: 3 },
        Random.fromSeed(0)
      )
    ).toThrow(InvalidValueError)
    starts.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("offers PLDM's settings as a preset", () => {
    expect(pldmMppi.samples).toBe(500)
    expect(mppiPlanner(pldmMppi).name).toBe("pldm-mppi")
    expect(mppiPlanner().name).toBe("mppi")
  })

  it("rejects bad options with a ConfigError naming the field", () => {
    expect(() => mppiPlanner({ samples: 0 })).toThrow(ConfigError)
    expect(() => mppiPlanner({ samples: 0 })).toThrow(/samples/)
    expect(() => mppiPlanner({ temperature: 0 })).toThrow(/temperature/)
    expect(() => mppiPlanner({ noiseStd: -1, iterations: 1.5 })).toThrow(
      /noiseStd.*iterations|iterations.*noiseStd/
    )
  })
})
