import type { Plan, Planner, WorldModel } from "@telos/core"
import { Box, ConfigError, InvalidValueError, Random } from "@telos/core"
import { categoricalCemPlanner, goalCost, startingCategorical } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { shiftPlan } from "../../src/search/StartingPlan.js"
import { invalidField, shiftModel } from "../fixtures.js"

/** Discrete(5) on a grid: stay, right, left, up, down. */
const directions: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1]
]

/** A 2-D position moved by the one-hot action's direction: s' = s + a · directions. */
const gridModel = (): WorldModel => ({
  name: "grid",
  latentSize: 2,
  actionSpace: new Box({ low: 0, high: 1, shape: [directions.length] }),
  stride: 1,
  encode: (observations) => tf.tidy(() => observations.toFloat().reshape([-1, 2]) as tf.Tensor2D),
  step: (states, actions) =>
    tf.tidy(() => states.add(actions.matMul(tf.tensor2d(directions.map((row) => [...row])))) as tf.Tensor2D)
})

type Point = readonly [number, number]

interface GridProblem {
  readonly starts: ReadonlyArray<Point>
  readonly goals: ReadonlyArray<Point>
  readonly horizon: number
}

const solve = (
  planner: Planner,
  input: GridProblem,
  seed: number,
  extra: Partial<{ warmStart: Plan; initialGuess: Plan }> = {}
): Plan => {
  const initialStates = tf.tensor2d(input.starts.map((point) => [...point]))
  try {
    return planner.plan(
      {
        model: gridModel(),
        initialStates,
        cost: goalCost({ goal: input.goals.map((point) => [...point]), mode: "running" }),
        horizon: input.horizon,
        ...extra
      },
      Random.fromSeed(seed)
    )
  } finally {
    initialStates.dispose()
  }
}

const squaredDistance = (a: Point, b: Point): number => (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2

/** The running goal cost of an action sequence (indices), on the host. */
const runningCost = (start: Point, goal: Point, choices: ReadonlyArray<number>): number => {
  let position: Point = start
  let total = 0
  for (const choice of choices) {
    const direction = directions[choice] as Point
    position = [position[0] + direction[0], position[1] + direction[1]]
    total += squaredDistance(position, goal)
  }
  return total / choices.length
}

/** The least running cost over all 5^T sequences, by enumeration. */
const optimalCost = (start: Point, goal: Point, horizon: number): number => {
  let best = Number.POSITIVE_INFINITY
  const walk = (position: Point, step: number, total: number): void => {
    if (step === horizon) {
      best = Math.min(best, total / horizon)
      return
    }
    for (const direction of directions) {
      const next: Point = [position[0] + direction[0], position[1] + direction[1]]
      walk(next, step + 1, total + squaredDistance(next, goal))
    }
  }
  walk(start, 0, 0)
  return best
}

/** Each row's chosen action, problem-major [N][T]; fails unless every row is exactly one-hot. */
const choicesOf = (plan: Plan): Array<Array<number>> =>
  Array.from({ length: plan.problems }, (_, problem) =>
    Array.from({ length: plan.horizon }, (_, step) => {
      const row = Array.from(
        plan.actions.subarray(
          (problem * plan.horizon + step) * plan.actionSize,
          (problem * plan.horizon + step + 1) * plan.actionSize
        )
      )
      expect(row.filter((value) => value === 1)).toHaveLength(1)
      expect(row.filter((value) => value === 0)).toHaveLength(plan.actionSize - 1)
      return row.indexOf(1)
    })
  )

const finalState = (plan: Plan, problem: number): Point => {
  const offset = (problem * (plan.horizon + 1) + plan.horizon) * plan.latentSize
  return [plan.predictedStates[offset] as number, plan.predictedStates[offset + 1] as number]
}

const twoProblems: GridProblem = {
  starts: [
    [0, 0],
    [1, 1]
  ],
  goals: [
    [3, -2],
    [-2, 3]
  ],
  horizon: 6
}

describe("categoricalCemPlanner", () => {
  it("finds the optimal action sequence on the grid world, as exact one-hot rows", () => {
    const plan = solve(categoricalCemPlanner(), twoProblems, 0)
    const choices = choicesOf(plan)
    twoProblems.starts.forEach((start, problem) => {
      const goal = twoProblems.goals[problem] as Point
      const optimum = optimalCost(start, goal, twoProblems.horizon)
      expect(plan.cost[problem]).toBeCloseTo(optimum, 4)
      // The host's cost of the returned sequence is the cost the plan reports.
      expect(runningCost(start, goal, choices[problem] as Array<number>)).toBeCloseTo(optimum, 4)
      expect(finalState(plan, problem)).toEqual(goal)
      // Without a start, the most likely sequence is action 0 (stay) at every step.
      expect(plan.initialCost[problem]).toBeCloseTo(squaredDistance(start, goal), 4)
    })
    expect(plan.trace).toHaveLength(7)
    expect(plan.trace[6]).toBeLessThan((plan.trace[0] as number) / 3)
  })

  it("needs its refits: one sample set of the same size does not find the optimum", () => {
    const once = solve(categoricalCemPlanner({ iterations: 1 }), twoProblems, 0)
    const optimum = twoProblems.starts.map((start, problem) =>
      optimalCost(start, twoProblems.goals[problem] as Point, twoProblems.horizon)
    )
    expect(once.cost.some((value, problem) => value > (optimum[problem] as number) + 1e-3)).toBe(true)
  })

  it("always scores the most likely sequence: with one sample per set, that is all it plans", () => {
    // From the uniform distribution the most likely sequence is action 0 (stay) at every step; its
    // single elite keeps it the most likely, so no other sequence is ever drawn.
    const plan = solve(categoricalCemPlanner({ samples: 1, elites: 1, iterations: 4 }), twoProblems, 3)
    for (const choices of choicesOf(plan)) expect(choices).toEqual([0, 0, 0, 0, 0, 0])
    expect(Array.from(plan.cost)).toEqual(Array.from(plan.initialCost))
  })

  it("is deterministic under a seed", () => {
    const planner = categoricalCemPlanner({ samples: 32, elites: 4, iterations: 3 })
    const first = solve(planner, twoProblems, 7)
    const second = solve(planner, twoProblems, 7)
    expect(Array.from(second.actions)).toEqual(Array.from(first.actions))
    expect(Array.from(second.cost)).toEqual(Array.from(first.cost))
    expect(second.trace).toEqual(first.trace)
  })

  it("never returns costlier than its starting sequence, and its trace never rises", () => {
    const point = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }))
    fc.assert(
      fc.property(
        fc.array(fc.tuple(point, point), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.integer(),
        (pairs, horizon, samples, elites, iterations, smoothing, exploration, seed) => {
          const input: GridProblem = {
            starts: pairs.map(([start]) => start),
            goals: pairs.map(([, goal]) => goal),
            horizon
          }
          const planner = categoricalCemPlanner({
            samples,
            elites: Math.min(elites, samples),
            iterations,
            smoothing,
            exploration
          })
          const plan = solve(planner, input, seed)
          const choices = choicesOf(plan)
          expect(plan.trace).toHaveLength(iterations + 1)
          plan.trace.forEach((value, index) => {
            if (index > 0) expect(value).toBeLessThanOrEqual(plan.trace[index - 1] as number)
          })
          const meanInitial =
            Array.from(plan.initialCost).reduce((sum, value) => sum + value, 0) / pairs.length
          expect(plan.trace[0]).toBeCloseTo(meanInitial, 4)
          pairs.forEach(([start, goal], problem) => {
            expect(plan.cost[problem]).toBeLessThanOrEqual(plan.initialCost[problem] as number)
            expect(plan.initialCost[problem]).toBeCloseTo(squaredDistance(start, goal), 4)
            expect(plan.cost[problem]).toBeCloseTo(
              runningCost(start, goal, choices[problem] as Array<number>),
              4
            )
            expect(plan.cost[problem]).toBeGreaterThanOrEqual(optimalCost(start, goal, horizon) - 1e-4)
          })
        }
      ),
      { numRuns: 30 }
    )
  })

  it("warm-starts from the previous plan shifted one step, and the next plan still reaches", () => {
    const goal: Point = [3, -2]
    const first = solve(categoricalCemPlanner(), { starts: [[0, 0]], goals: [goal], horizon: 8 }, 0)
    const firstChoices = choicesOf(first)[0] as Array<number>
    const step = directions[firstChoices[0] as number] as Point
    const next: GridProblem = { starts: [[step[0], step[1]]], goals: [goal], horizon: 8 }
    // With no sample set, the plan is the shifted previous plan itself.
    const unchanged = solve(categoricalCemPlanner({ warmStartIterations: 0 }), next, 1, { warmStart: first })
    expect(Array.from(unchanged.actions)).toEqual(Array.from(shiftPlan(first, 1).actions))
    expect(unchanged.trace).toHaveLength(1)
    expect(unchanged.cost[0]).toBeCloseTo(
      runningCost(next.starts[0] as Point, goal, [...firstChoices.slice(1), firstChoices[7] as number]),
      4
    )
    // A warm-started search never ends costlier than that, and reaches the goal at the optimum.
    const warm = solve(categoricalCemPlanner(), next, 1, { warmStart: first })
    expect(warm.trace).toHaveLength(4)
    expect(warm.initialCost[0]).toBeCloseTo(unchanged.cost[0] as number, 5)
    expect(warm.cost[0]).toBeLessThanOrEqual(warm.initialCost[0] as number)
    expect(warm.cost[0]).toBeCloseTo(optimalCost(next.starts[0] as Point, goal, 8), 4)
    expect(finalState(warm, 0)).toEqual(goal)
  })

  it("concentrates its first distribution on the start's actions, mixed with the uniform one", () => {
    const initialStates = tf.zeros<tf.Rank.R2>([1, 2])
    const guess: Plan = {
      problems: 1,
      horizon: 2,
      actionSize: 5,
      latentSize: 2,
      // Not one-hot: the argmax of each row counts.
      actions: Float32Array.from([0, 0.9, 0.2, 0, 0, 0, 0, 0, 0.3, 0.1]),
      predictedStates: new Float32Array(6),
      cost: new Float32Array(1),
      initialCost: new Float32Array(1),
      trace: []
    }
    const problem = { model: gridModel(), initialStates, cost: goalCost({ goal: [[0, 0]] }), horizon: 2 }
    const guessed = startingCategorical({ ...problem, initialGuess: guess }, 0.5, 0.1)
    const floor = 0.1 / 5
    const mixed = 0.9 * 0.1 + floor
    const close = (values: Float32Array, expected: Array<number>): void => {
      Array.from(values).forEach((value, index) => {
        expect(value).toBeCloseTo(expected[index] as number, 6)
      })
    }
    close(guessed.probabilities, [
      mixed,
      mixed + 0.45,
      mixed,
      mixed,
      mixed,
      mixed,
      mixed,
      mixed,
      mixed + 0.45,
      mixed
    ])
    expect(Array.from(guessed.sequence)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 1, 0])
    // A warm start is shifted first: its last step repeated.
    const warm = startingCategorical({ ...problem, warmStart: guess }, 1, 0.1)
    expect(Array.from(warm.sequence)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1, 0])
    close(warm.probabilities, [
      floor,
      floor,
      floor,
      0.9 + floor,
      floor,
      floor,
      floor,
      floor,
      0.9 + floor,
      floor
    ])
    const uniform = startingCategorical(problem, 0.5, 0.1)
    close(uniform.probabilities, Array(10).fill(0.2))
    expect(Array.from(uniform.sequence)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0])
    initialStates.dispose()
  })

  it("keeps exploring away from a start that holds all its weight (the probability floor)", () => {
    const input: GridProblem = { starts: [[0, 0]], goals: [[2, 2]], horizon: 6 }
    const stay = solve(categoricalCemPlanner({ iterations: 0 }), input, 0)
    const plan = solve(categoricalCemPlanner({ warmStartWeight: 1, iterations: 3 }), input, 0, {
      initialGuess: stay
    })
    expect(plan.initialCost[0]).toBeCloseTo(8, 4)
    expect(plan.cost[0]).toBeLessThan(8)
  })

  it("returns the tensor count to its baseline over several plans, warm starts included", () => {
    const planner = categoricalCemPlanner({ samples: 16, elites: 4, iterations: 3, warmStartIterations: 2 })
    // One plan first, so lazily created backend state is not counted.
    solve(planner, twoProblems, 0)
    const before = tf.memory().numTensors
    let previous = solve(planner, twoProblems, 1)
    for (let round = 0; round < 3; round++)
      previous = solve(planner, twoProblems, round, { warmStart: previous })
    solve(planner, twoProblems, 5, { initialGuess: previous })
    expect(tf.memory().numTensors).toBe(before)
    const starts = tf.tensor2d([[0, 0]])
    // A cost that throws midway (wrong goal size) leaves nothing behind either.
    expect(() =>
      planner.plan(
        { model: gridModel(), initialStates: starts, cost: goalCost({ goal: [[0, 0, 0]] }), horizon: 3 },
        Random.fromSeed(0)
      )
    ).toThrow(InvalidValueError)
    starts.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects a model whose action space is not [0, 1]^n, naming problem.model.actionSpace", () => {
    const starts = tf.tensor2d([[0, 0]])
    const before = tf.memory().numTensors
    const field = invalidField(() =>
      categoricalCemPlanner().plan(
        { model: shiftModel(2), initialStates: starts, cost: goalCost({ goal: [[0, 0]] }), horizon: 3 },
        Random.fromSeed(0)
      )
    )
    expect(field).toBe("problem.model.actionSpace")
    expect(tf.memory().numTensors).toBe(before)
    starts.dispose()
  })

  it("rejects bad options with a ConfigError naming the field", () => {
    expect(() => categoricalCemPlanner({ samples: 0 })).toThrow(ConfigError)
    expect(() => categoricalCemPlanner({ samples: 0 })).toThrow(/samples/)
    expect(() => categoricalCemPlanner({ smoothing: 0 })).toThrow(/smoothing/)
    expect(() => categoricalCemPlanner({ exploration: 1.5 })).toThrow(/exploration/)
    expect(() => categoricalCemPlanner({ warmStartWeight: -0.1 })).toThrow(/warmStartWeight/)
    expect(() => categoricalCemPlanner({ name: "" })).toThrow(/name/)
    expect(() => categoricalCemPlanner({ iterations: 1.5, warmStartIterations: -1 })).toThrow(
      /iterations.*warmStartIterations|warmStartIterations.*iterations/
    )
  })

  it("rejects more elites than samples with a ConfigError naming elites", () => {
    expect(() => categoricalCemPlanner({ samples: 8, elites: 9 })).toThrow(ConfigError)
    expect(() => categoricalCemPlanner({ samples: 8 })).toThrow(/elites/)
    expect(categoricalCemPlanner({ samples: 8, elites: 8 }).name).toBe("categorical-cem")
  })
})
