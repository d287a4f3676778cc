import { ConfigError, InvalidValueError, Random } from "@telos/core"
import { actionMagnitudeCost, addCosts, goalCost, gradientPlanner, scaleCost } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { shiftModel } from "../fixtures.js"

const problemArbitrary = fc.record({
  problems: fc.integer({ min: 1, max: 3 }),
  restarts: fc.integer({ min: 1, max: 4 }),
  horizon: fc.integer({ min: 1, max: 6 }),
  iterations: fc.integer({ min: 0, max: 8 }),
  learningRate: fc.double({ min: 0.01, max: 5, noNaN: true }),
  bound: fc.double({ min: 0.1, max: 3, noNaN: true }),
  seed: fc.integer()
})

type PlanInput = typeof problemArbitrary extends fc.Arbitrary<infer T> ? T : never

const planFor = (input: PlanInput) => {
  const rng = Random.fromSeed(input.seed)
  const model = shiftModel(2, input.bound, 0.5)
  const goals = Array.from({ length: input.problems }, () => [rng.uniformIn(-3, 3), rng.uniformIn(-3, 3)])
  const starts = tf.tensor2d(
    Array.from({ length: input.problems }, () => [rng.uniformIn(-1, 1), rng.uniformIn(-1, 1)])
  )
  try {
    const planner = gradientPlanner({
      iterations: input.iterations,
      restarts: input.restarts,
      learningRate: input.learningRate
    })
    const cost = addCosts(goalCost({ goal: goals, mode: "running" }), scaleCost(0.01, actionMagnitudeCost()))
    return { plan: planner.plan({ model, initialStates: starts, cost, horizon: input.horizon }, rng), model }
  } finally {
    starts.dispose()
  }
}

describe("gradientPlanner", () => {
  it("never returns actions outside the bounds", () => {
    fc.assert(
      fc.property(problemArbitrary, (input) => {
        const { plan, model } = planFor(input)
        expect(plan.actions.length).toBe(input.problems * input.horizon * 2)
        plan.actions.forEach((value, index) => {
          const dimension = index % 2
          expect(value).toBeGreaterThanOrEqual(Math.fround(model.actionSpace.low[dimension] as number))
          expect(value).toBeLessThanOrEqual(Math.fround(model.actionSpace.high[dimension] as number))
        })
      }),
      { numRuns: 40 }
    )
  })

  it("never returns a plan costlier than its initial guess, and its trace never rises", () => {
    fc.assert(
      fc.property(problemArbitrary, (input) => {
        const { plan } = planFor(input)
        plan.cost.forEach((value, index) => {
          expect(value).toBeLessThanOrEqual(plan.initialCost[index] as number)
        })
        expect(plan.trace.length).toBe(input.iterations + 1)
        for (let i = 1; i < plan.trace.length; i++) {
          expect(plan.trace[i]).toBeLessThanOrEqual((plan.trace[i - 1] as number) + 1e-6)
        }
      }),
      { numRuns: 40 }
    )
  })

  it("reports the cost of the actions it returns, and the states they lead to", () => {
    const { plan } = planFor({
      problems: 2,
      restarts: 3,
      horizon: 4,
      iterations: 5,
      learningRate: 0.2,
      bound: 1,
      seed: 3
    })
    const model = shiftModel(2, 1, 0.5)
    for (let problem = 0; problem < 2; problem++) {
      for (let step = 0; step < 4; step++) {
        for (let dimension = 0; dimension < 2; dimension++) {
          const before = plan.predictedStates[(problem * 5 + step) * 2 + dimension] as number
          const after = plan.predictedStates[(problem * 5 + step + 1) * 2 + dimension] as number
          const action = plan.actions[(problem * 4 + step) * 2 + dimension] as number
          expect(after).toBeCloseTo(before + 0.5 * action, 5)
        }
      }
    }
    expect(model.latentSize).toBe(2)
  })

  it("solves a reachable goal: the cost falls to near zero", () => {
    const model = shiftModel(2, 1, 0.1)
    const starts = tf.tensor2d([
      [0, 0],
      [0.5, -0.5]
    ])
    const plan = gradientPlanner({ iterations: 60, restarts: 4, learningRate: 0.2 }).plan(
      {
        model,
        initialStates: starts,
        cost: goalCost({
          goal: [
            [0.6, -0.4],
            [0.1, 0.2]
          ]
        }),
        horizon: 10
      },
      Random.fromSeed(1)
    )
    starts.dispose()
    expect(Math.max(...plan.cost)).toBeLessThan(1e-3)
    expect(plan.cost[0]).toBeLessThan((plan.initialCost[0] as number) / 10)
  })

  it("starts restart 0 from the previous plan shifted by one step", () => {
    const model = shiftModel(1, 1, 0.1)
    const starts = tf.tensor2d([[0]])
    const planner = gradientPlanner({ iterations: 0, restarts: 1 })
    const cost = goalCost({ goal: [[0.2]] })
    const previous = {
      ...planner.plan({ model, initialStates: starts, cost, horizon: 4 }, Random.fromSeed(0))
    }
    const warm = { ...previous, actions: Float32Array.from([0.1, 0.2, 0.3, 0.4]) }
    const next = planner.plan(
      { model, initialStates: starts, cost, horizon: 4, warmStart: warm },
      Random.fromSeed(0)
    )
    starts.dispose()
    expect(Array.from(next.actions)).toEqual(Array.from(Float32Array.from([0.2, 0.3, 0.4, 0.4])))
  })

  it("starts from an initial guess as it is, ahead of a warm start", () => {
    const model = shiftModel(1, 1, 0.1)
    const starts = tf.tensor2d([[0]])
    const planner = gradientPlanner({ iterations: 0, restarts: 1 })
    const cost = goalCost({ goal: [[0.2]] })
    const previous = planner.plan({ model, initialStates: starts, cost, horizon: 4 }, Random.fromSeed(0))
    const guess = { ...previous, actions: Float32Array.from([0.1, 0.2, 0.3, 0.4]) }
    const warm = { ...previous, actions: Float32Array.from([0.9, 0.9, 0.9, 0.9]) }
    const next = planner.plan(
      { model, initialStates: starts, cost, horizon: 4, warmStart: warm, initialGuess: guess },
      Random.fromSeed(0)
    )
    starts.dispose()
    expect(Array.from(next.actions)).toEqual(Array.from(guess.actions))
  })

  it("is deterministic under a seed", () => {
    const input = {
      problems: 2,
      restarts: 3,
      horizon: 5,
      iterations: 4,
      learningRate: 0.3,
      bound: 1,
      seed: 11
    }
    expect(Array.from(planFor(input).plan.actions)).toEqual(Array.from(planFor(input).plan.actions))
  })

  it("returns the tensor count to its baseline", () => {
    const before = tf.memory().numTensors
    planFor({ problems: 2, restarts: 3, horizon: 5, iterations: 4, learningRate: 0.3, bound: 1, seed: 2 })
    expect(tf.memory().numTensors).toBe(before)
  })

  it("frees its tensors when the cost throws", () => {
    const model = shiftModel(2)
    const starts = tf.tensor2d([[0, 0]])
    const before = tf.memory().numTensors
    expect(() =>
      gradientPlanner().plan(
        { model, initialStates: starts, cost: goalCost({ goal: [[0, 0, 0]] }), horizon: 3 },
        Random.fromSeed(0)
      )
    ).toThrow(InvalidValueError)
    expect(tf.memory().numTensors).toBe(before)
    starts.dispose()
  })

  it("refuses a cost the actions cannot move, naming it, and frees every tensor", () => {
    // Two ways to cut the actions off: a cost that ignores the states and actions it is given, and
    // a model whose predictions ignore the actions. Either once leaked ~100 tensors per call behind
    // TensorFlow.js's own "Cannot compute gradient" error.
    const constant = {
      name: "constant",
      evaluate: (states: tf.Tensor3D) => tf.zeros([states.shape[1]]) as tf.Tensor1D
    }
    const still = { ...shiftModel(2), name: "still", step: (states: tf.Tensor2D) => states.clone() }
    const starts = tf.tensor2d([[0, 0]])
    const cases = [
      { model: shiftModel(2), cost: constant, named: /"constant"/ },
      { model: still, cost: goalCost({ goal: [[1, 1]] }), named: /"goal \(terminal\)".*"still"/ }
    ]
    for (const { model, cost, named } of cases) {
      const before = tf.memory().numTensors
      const error = (() => {
        try {
          gradientPlanner({ iterations: 2, restarts: 2 }).plan(
            { model, initialStates: starts, cost, horizon: 3 },
            Random.fromSeed(0)
          )
        } catch (thrown) {
          return thrown
        }
        return undefined
      })()
      expect(error).toBeInstanceOf(InvalidValueError)
      expect((error as InvalidValueError).field).toBe("cost")
      expect((error as InvalidValueError).message).toMatch(named)
      expect(tf.memory().numTensors).toBe(before)
    }
    // With no gradient step there is nothing to descend, and the plan is the best starting guess.
    const before = tf.memory().numTensors
    const plan = gradientPlanner({ iterations: 0, restarts: 2 }).plan(
      { model: shiftModel(2), initialStates: starts, cost: constant, horizon: 3 },
      Random.fromSeed(0)
    )
    expect(Array.from(plan.cost)).toEqual([0])
    expect(tf.memory().numTensors).toBe(before)
    starts.dispose()
  })

  it("rejects bad options with a ConfigError naming the field", () => {
    expect(() => gradientPlanner({ restarts: 0 })).toThrow(ConfigError)
    expect(() => gradientPlanner({ restarts: 0 })).toThrow(/restarts/)
    expect(() => gradientPlanner({ learningRate: -1, iterations: 1.5 })).toThrow(
      /learningRate.*iterations|iterations.*learningRate/
    )
    // @ts-expect-error an unknown option is refused, not ignored
    expect(() => gradientPlanner({ iteration: 3 })).toThrow(/iteration/)
  })

  it("rejects problems whose shapes do not fit the model", () => {
    const model = shiftModel(2)
    const starts = tf.tensor2d([[0, 0, 0]])
    const run = (horizon: number) =>
      gradientPlanner().plan(
        { model, initialStates: starts, cost: goalCost({ goal: [[0, 0]] }), horizon },
        Random.fromSeed(0)
      )
    expect(() => run(3)).toThrow(/problem.initialStates/)
    starts.dispose()
    const good = tf.tensor2d([[0, 0]])
    expect(() =>
      gradientPlanner().plan(
        { model, initialStates: good, cost: goalCost({ goal: [[0, 0]] }), horizon: 0 },
        Random.fromSeed(0)
      )
    ).toThrow(/problem.horizon/)
    good.dispose()
  })
})
