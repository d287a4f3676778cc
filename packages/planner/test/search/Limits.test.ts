import type { Planner, WorldModel } from "@telos/core"
import { Box, ConfigError, InvalidValueError, Random } from "@telos/core"
import {
  categoricalCemPlanner,
  cemPlanner,
  goalCost,
  gradientPlanner,
  maxPlanningCandidates,
  maxPlanningHorizon,
  mppiPlanner,
  randomShootingPlanner
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { shiftModel } from "../fixtures.js"

// One-hot actions in [0, 1]^2, as the categorical planner requires.
const oneHotModel: WorldModel = { ...shiftModel(2), actionSpace: new Box({ low: 0, high: 1, shape: [2] }) }

// Each planner with the option that sets its candidates per problem, built with `count` of them.
const planners: ReadonlyArray<{
  readonly name: string
  readonly option: string
  readonly make: (count: number) => Planner
  readonly model: WorldModel
}> = [
  {
    name: "gradient",
    option: "restarts",
    make: (n) => gradientPlanner({ restarts: n, iterations: 1 }),
    model: shiftModel(2)
  },
  {
    name: "cem",
    option: "samples",
    make: (n) => cemPlanner({ samples: n, elites: 1, iterations: 1 }),
    model: shiftModel(2)
  },
  {
    name: "mppi",
    option: "samples",
    make: (n) => mppiPlanner({ samples: n, iterations: 1 }),
    model: shiftModel(2)
  },
  {
    name: "random shooting",
    option: "samples",
    make: (n) => randomShootingPlanner({ samples: n }),
    model: shiftModel(2)
  },
  {
    name: "categorical cem",
    option: "samples",
    make: (n) => categoricalCemPlanner({ samples: n, elites: 1, iterations: 1 }),
    model: oneHotModel
  }
]

const thrownBy = (call: () => unknown): unknown => {
  try {
    call()
  } catch (error) {
    return error
  }
  return undefined
}

describe("planning limits", () => {
  it("every planner refuses a horizon outside 1..maxPlanningHorizon, naming it, leaking no tensor", () => {
    // Just past the bound is where the bound shows; far past it (1e9) a broken bound would try to
    // allocate gigabytes, so that is left to the agent's test, which allocates nothing.
    const horizons = fc.oneof(
      fc.integer({ min: maxPlanningHorizon + 1, max: 2 * maxPlanningHorizon }),
      fc.integer({ min: -5, max: 0 }),
      fc.constantFrom(2.5, Number.NaN, Number.POSITIVE_INFINITY)
    )
    const starts = tf.tensor2d([[0, 0]])
    const cost = goalCost({ goal: [[1, 1]] })
    fc.assert(
      fc.property(fc.constantFrom(...planners), horizons, ({ make, model }, horizon) => {
        const before = tf.memory().numTensors
        const error = thrownBy(() =>
          make(2).plan({ model, initialStates: starts, cost, horizon }, Random.fromSeed(0))
        )
        expect(error).toBeInstanceOf(InvalidValueError)
        expect((error as InvalidValueError).field).toBe("problem.horizon")
        expect((error as InvalidValueError).expected).toContain(String(maxPlanningHorizon))
        expect(tf.memory().numTensors).toBe(before)
      }),
      // A planner that accepted such a horizon would plan thousands of steps: fail at once.
      { numRuns: 30, endOnFailure: true }
    )
    starts.dispose()
  })

  it("every planner refuses more candidates than maxPlanningCandidates, naming the option", () => {
    for (const { name, option, make } of planners) {
      const error = thrownBy(() => make(maxPlanningCandidates + 1))
      expect(error, name).toBeInstanceOf(ConfigError)
      expect(
        (error as ConfigError).issues.map((issue) => issue.field),
        name
      ).toEqual([option])
      expect(() => make(maxPlanningCandidates), name).not.toThrow()
    }
  })

  it("refuses a search too large for one array before allocating it, naming the candidates", () => {
    // Within each bound, together beyond any array: (10,000 + 1) x 3 x 100,000 x 2 numbers. Three
    // problems also put the gradient planner's host array past what JavaScript allocates, so a
    // missing check fails at once with a RangeError instead of allocating gigabytes.
    const starts = tf.tensor2d([
      [0, 0],
      [0, 0],
      [0, 0]
    ])
    const cost = goalCost({ goal: [[1, 1]] })
    for (const { name, option, make, model } of planners) {
      const before = tf.memory().numTensors
      const error = thrownBy(() =>
        make(maxPlanningCandidates).plan(
          { model, initialStates: starts, cost, horizon: maxPlanningHorizon },
          Random.fromSeed(0)
        )
      )
      expect(error, name).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field, name).toBe(option)
      expect((error as InvalidValueError).received, name).toMatch(
        /^6000600000: \(horizon 10000 \+ 1\) x 3 problems x 100000 candidates x 2$/
      )
      expect(tf.memory().numTensors, name).toBe(before)
    }
    starts.dispose()
  })
})
