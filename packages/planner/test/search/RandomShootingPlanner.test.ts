import { ConfigError, Random } from "@telos/core"
import { goalCost, gradientPlanner, randomShootingPlanner } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { shiftModel } from "../fixtures.js"

const solve = (
  planner: ReturnType<typeof randomShootingPlanner>,
  seed: number,
  warmStart?: Parameters<typeof planner.plan>[0]["warmStart"]
) => {
  const model = shiftModel(2, 1, 0.2)
  const starts = tf.tensor2d([
    [0, 0],
    [0.5, 0.5]
  ])
  try {
    return planner.plan(
      {
        model,
        initialStates: starts,
        cost: goalCost({
          goal: [
            [0.4, -0.2],
            [0, 0]
          ]
        }),
        horizon: 5,
        warmStart
      },
      Random.fromSeed(seed)
    )
  } finally {
    starts.dispose()
  }
}

describe("randomShootingPlanner", () => {
  it("returns in-bounds actions whose reported cost matches their predicted end state", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer(), (samples, seed) => {
        const plan = solve(randomShootingPlanner({ samples }), seed)
        plan.actions.forEach((value) => {
          expect(Math.abs(value)).toBeLessThanOrEqual(1)
        })
        const goals = [
          [0.4, -0.2],
          [0, 0]
        ]
        for (let problem = 0; problem < 2; problem++) {
          const end = (problem * 6 + 5) * 2
          const expected = goals[problem]!.reduce(
            (sum, goal, dimension) => sum + ((plan.predictedStates[end + dimension] as number) - goal) ** 2,
            0
          )
          expect(plan.cost[problem]).toBeCloseTo(expected, 5)
        }
      }),
      { numRuns: 25 }
    )
  })

  it("finds cheaper plans with more samples, on average", () => {
    const mean = (samples: number) => {
      let total = 0
      for (let seed = 0; seed < 10; seed++)
        total += solve(randomShootingPlanner({ samples }), seed).cost[0] as number
      return total / 10
    }
    expect(mean(256)).toBeLessThan(mean(1))
  })

  it("lets the shifted previous plan compete, unless told not to", () => {
    const previous = solve(gradientPlanner({ iterations: 40, restarts: 2, learningRate: 0.3 }), 0)
    const withWarm = solve(randomShootingPlanner({ samples: 4 }), 1, previous)
    const shifted = Array.from(previous.actions.subarray(2, 10)).concat(
      Array.from(previous.actions.subarray(8, 10))
    )
    expect(Array.from(withWarm.actions.subarray(0, 10))).toEqual(shifted)
    const without = solve(
      randomShootingPlanner({ samples: 1, useWarmStart: false, name: "random" }),
      1,
      previous
    )
    expect(Array.from(without.actions.subarray(0, 10))).not.toEqual(shifted)
  })

  it("is named as asked and deterministic under a seed", () => {
    const planner = randomShootingPlanner({ samples: 1, useWarmStart: false, name: "random" })
    expect(planner.name).toBe("random")
    expect(Array.from(solve(planner, 5).actions)).toEqual(Array.from(solve(planner, 5).actions))
  })

  it("returns the tensor count to its baseline", () => {
    const before = tf.memory().numTensors
    solve(randomShootingPlanner({ samples: 8 }), 3)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects bad options with a ConfigError naming the field", () => {
    expect(() => randomShootingPlanner({ samples: 0 })).toThrow(ConfigError)
    expect(() => randomShootingPlanner({ samples: 0 })).toThrow(/samples/)
  })
})
