import { InvalidValueError, Random } from "@telos/core"
import { cemPlanner, goalCost, gradientPlanner, hybridPlanner, mppiPlanner } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { shiftModel } from "../fixtures.js"

const solve = (planner: ReturnType<typeof hybridPlanner>, seed: number) => {
  const model = shiftModel(2, 1, 0.2)
  const starts = tf.tensor2d([
    [0, 0],
    [0.5, -0.5]
  ])
  try {
    return planner.plan(
      {
        model,
        initialStates: starts,
        cost: goalCost({
          goal: [
            [0.6, 0.4],
            [-0.2, 0.1]
          ],
          mode: "running"
        }),
        horizon: 6
      },
      Random.fromSeed(seed)
    )
  } finally {
    starts.dispose()
  }
}

describe("hybridPlanner", () => {
  it("is never costlier than its proposal, stays in bounds, and joins the traces", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 6 }), (seed, iterations) => {
        const proposal = cemPlanner({ samples: 16, elites: 4, iterations: 1 })
        const alone = solve(hybridPlanner(proposal, gradientPlanner({ iterations: 0, restarts: 1 })), seed)
        const refined = solve(
          hybridPlanner(proposal, gradientPlanner({ iterations, restarts: 1, learningRate: 0.2 })),
          seed
        )
        refined.cost.forEach((value, index) => {
          expect(value).toBeLessThanOrEqual((alone.cost[index] as number) + 1e-6)
          expect(value).toBeLessThanOrEqual(refined.initialCost[index] as number)
        })
        for (const value of refined.actions) expect(Math.abs(value)).toBeLessThanOrEqual(1)
        expect(refined.trace).toHaveLength(2 + iterations + 1)
      }),
      { numRuns: 15 }
    )
  })

  it("refines a rough proposal into a much cheaper plan, without leaking tensors", () => {
    const before = tf.memory().numTensors
    const rough = solve(
      hybridPlanner(
        mppiPlanner({ samples: 16, iterations: 1 }),
        gradientPlanner({ iterations: 0, restarts: 1 })
      ),
      2
    )
    const refined = solve(
      hybridPlanner(
        mppiPlanner({ samples: 16, iterations: 1 }),
        gradientPlanner({ iterations: 40, restarts: 1, learningRate: 0.2 })
      ),
      2
    )
    expect(tf.memory().numTensors).toBe(before)
    expect(Math.max(...refined.cost)).toBeLessThan(Math.max(...rough.cost) / 2)
    expect(refined.cost[0]).toBeLessThan(rough.cost[0] as number)
  })

  it("passes on the refinement's refusal of a cost the actions cannot move, leaking no tensor", () => {
    const constant = {
      name: "constant",
      evaluate: (states: tf.Tensor3D) => tf.zeros([states.shape[1]]) as tf.Tensor1D
    }
    const starts = tf.tensor2d([[0, 0]])
    const before = tf.memory().numTensors
    const planner = hybridPlanner(
      cemPlanner({ samples: 8, elites: 2, iterations: 1 }),
      gradientPlanner({ iterations: 2 })
    )
    expect(() =>
      planner.plan(
        { model: shiftModel(2), initialStates: starts, cost: constant, horizon: 3 },
        Random.fromSeed(0)
      )
    ).toThrow(InvalidValueError)
    expect(tf.memory().numTensors).toBe(before)
    starts.dispose()
  })

  it("names itself after its parts", () => {
    expect(hybridPlanner(cemPlanner(), gradientPlanner()).name).toBe("cem + gradient")
  })
})
