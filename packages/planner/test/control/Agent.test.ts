import type { Env, Plan, Planner, PlanningProblem, StepResult, WorldModel } from "@telos/core"
import { Box, InvalidValueError, Random } from "@telos/core"
import {
  type Agent,
  type CostFactory,
  cemPlanner,
  flatAgent,
  goalCost,
  gradientPlanner,
  hierarchicalAgent,
  type LatentProbe,
  maxPlanningHorizon,
  type PlanEvent,
  probedGoalCost,
  runEpisodes
} from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { invalidField, shiftEnv, shiftModel } from "../fixtures.js"

const reach: CostFactory = (targets) => goalCost({ goal: targets, mode: "running" })

/**
 * A planner that does no search: every plan's action at step t of problem n is `t + 1 + 10 n`
 * (all coordinates), so the tests can read which plan step an agent executed. It records its calls.
 */
const stubPlanner = () => {
  const calls: Array<{ readonly problems: number; readonly warm: boolean }> = []
  const planner: Planner = {
    name: "stub",
    plan: (problem: PlanningProblem): Plan => {
      const problems = problem.initialStates.shape[0]
      const latentSize = problem.initialStates.shape[1]
      const actionSize = problem.model.actionSpace.size
      const { horizon } = problem
      calls.push({ problems, warm: problem.warmStart !== undefined })
      const actions = new Float32Array(problems * horizon * actionSize)
      for (let n = 0; n < problems; n++)
        for (let t = 0; t < horizon; t++)
          actions.fill(t + 1 + 10 * n, (n * horizon + t) * actionSize, (n * horizon + t + 1) * actionSize)
      return {
        problems,
        horizon,
        actionSize,
        latentSize,
        actions,
        predictedStates: new Float32Array(problems * (horizon + 1) * latentSize),
        cost: Float32Array.from({ length: problems }, (_, n) => n),
        initialCost: Float32Array.from({ length: problems }, (_, n) => n),
        trace: [0]
      }
    }
  }
  return { planner, calls }
}

const observations = (count: number, size = 2) =>
  Array.from({ length: count }, (_, index) => Array.from({ length: size }, () => index / 10))

describe("flatAgent", () => {
  it("accepts exactly the integer replan intervals from 1 to the horizon (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.oneof(fc.integer({ min: -3, max: 25 }), fc.double({ min: -3, max: 25, noNaN: true })),
        (horizon, replanInterval) => {
          const make = () =>
            flatAgent({
              model: shiftModel(2),
              planner: stubPlanner().planner,
              horizon,
              cost: reach,
              replanInterval
            })
          const valid = Number.isInteger(replanInterval) && replanInterval >= 1 && replanInterval <= horizon
          if (valid) expect(make().levels).toBe(1)
          else expect(invalidField(make)).toBe("replanInterval")
        }
      )
    )
  })

  it("names the horizon, not the replan interval, when the horizon is bad, and bounds it", () => {
    // A horizon of 0 or -3 was once reported as a bad replanInterval, and 1e9 failed as a RangeError.
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.integer({ min: maxPlanningHorizon + 1 }),
      fc.double({ min: 0.5, max: 100, noNaN: true }).filter((horizon) => !Number.isInteger(horizon)),
      fc.constantFrom(1e9, Number.NaN, Number.POSITIVE_INFINITY)
    )
    fc.assert(
      fc.property(
        bad,
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        (horizon, replanInterval) => {
          const make = () =>
            flatAgent({
              model: shiftModel(2),
              planner: stubPlanner().planner,
              horizon,
              cost: reach,
              ...(replanInterval === undefined ? {} : { replanInterval })
            })
          expect(invalidField(make)).toBe("horizon")
        }
      ),
      { numRuns: 60 }
    )
    const largest = flatAgent({
      model: shiftModel(2),
      planner: stubPlanner().planner,
      horizon: maxPlanningHorizon,
      cost: reach
    })
    expect(largest.levels).toBe(1)
  })

  it("rejects a batch whose observations or running flags do not match its goals", () => {
    const agent = flatAgent({ model: shiftModel(2), planner: stubPlanner().planner, horizon: 4, cost: reach })
    const episodes = agent.start(observations(3), Random.fromSeed(0))
    try {
      expect(invalidField(() => episodes.act(observations(2), [true, true]))).toBe("observations")
      expect(invalidField(() => episodes.act(observations(4), [true, true, true, true]))).toBe("observations")
      expect(invalidField(() => episodes.act(observations(3), [true, true]))).toBe("observations")
      expect(() => episodes.act(observations(2), [true, true])).toThrow(InvalidValueError)
      expect(episodes.statistics().planCalls).toBe(0)
    } finally {
      episodes.dispose()
    }
  })

  it("rejects goals of unequal lengths, naming the row, and keeps no tensor", () => {
    const before = tf.memory().numTensors
    const agent = flatAgent({ model: shiftModel(2), planner: stubPlanner().planner, horizon: 4, cost: reach })
    expect(invalidField(() => agent.start([[0, 0], [0]], Random.fromSeed(0)))).toBe("goals[1]")
    expect(tf.memory().numTensors).toBe(before)
  })

  it("dispose frees the goals, whether or not it acted", () => {
    const agent = flatAgent({ model: shiftModel(2), planner: stubPlanner().planner, horizon: 4, cost: reach })
    const before = tf.memory().numTensors
    const idle = agent.start(observations(3), Random.fromSeed(0))
    expect(tf.memory().numTensors).toBeGreaterThan(before)
    idle.dispose()
    expect(tf.memory().numTensors).toBe(before)
    const busy = agent.start(observations(3), Random.fromSeed(0))
    for (let step = 0; step < 5; step++) busy.act(observations(3), [true, step < 3, true])
    busy.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("plans once per replan interval and executes the plan's next actions in between (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((horizon) =>
          fc.record({
            horizon: fc.constant(horizon),
            interval: fc.integer({ min: 1, max: horizon }),
            steps: fc.integer({ min: 1, max: 20 }),
            count: fc.integer({ min: 1, max: 3 })
          })
        ),
        ({ horizon, interval, steps, count }) => {
          const { planner, calls } = stubPlanner()
          const agent = flatAgent({
            model: shiftModel(2),
            planner,
            horizon,
            cost: reach,
            replanInterval: interval
          })
          const episodes = agent.start(observations(count), Random.fromSeed(0))
          try {
            for (let step = 0; step < steps; step++) {
              const actions = episodes.act(
                observations(count),
                Array.from({ length: count }, () => true)
              )
              actions.forEach((chosen, row) => {
                expect(Array.from(chosen?.action ?? [])).toEqual([
                  (step % interval) + 1 + 10 * row,
                  (step % interval) + 1 + 10 * row
                ])
                expect(chosen?.plannedCost).toBe(row)
              })
            }
            const statistics = episodes.statistics()
            expect(statistics.planCalls).toBe(Math.ceil(steps / interval))
            expect(statistics.planningTraces).toHaveLength(statistics.planCalls)
            expect(statistics.levelPlans).toEqual([])
            expect(calls.map((call) => call.warm)).toEqual(calls.map((_, index) => index > 0))
          } finally {
            episodes.dispose()
          }
        }
      ),
      { numRuns: 60 }
    )
  })

  it("plans only for the episodes still running and returns nothing for the others", () => {
    const { planner, calls } = stubPlanner()
    const agent = flatAgent({ model: shiftModel(2), planner, horizon: 4, cost: reach })
    const episodes = agent.start(observations(3), Random.fromSeed(0))
    try {
      const actions = episodes.act(observations(3), [true, false, true])
      expect(actions[1]).toBeUndefined()
      // Episode 2 is row 1 of the plan.
      expect(Array.from(actions[2]?.action ?? [])).toEqual([11, 11])
      expect(calls.at(-1)?.problems).toBe(2)
    } finally {
      episodes.dispose()
    }
  })
})

const probe2x2: LatentProbe = { latentSize: 2, outputSize: 2, weights: [1, 2, 3, 4], bias: [0.5, -1] }

/** `latent W + b` on the host. */
const readOut = (probe: LatentProbe, latent: ReadonlyArray<number>): Array<number> =>
  Array.from({ length: probe.outputSize }, (_, column) =>
    latent.reduce(
      (sum, value, row) => sum + value * (probe.weights[row * probe.outputSize + column] as number),
      probe.bias[column] as number
    )
  )

/** Evaluates `cost` on host states `[T + 1][B][D]` with zero actions. */
const evaluate = (
  make: (goal: tf.Tensor2D) => ReturnType<typeof goalCost>,
  goal: ReadonlyArray<ReadonlyArray<number>>,
  states: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>,
  actionSize = 1
): Array<number> => {
  const goalTensor = tf.tensor2d(goal.map((row) => [...row]))
  const stateTensor = tf.tensor3d(states.map((step) => step.map((row) => [...row])))
  const actions = tf.zeros([states.length - 1, states[0]?.length ?? 0, actionSize]) as tf.Tensor3D
  try {
    const result = make(goalTensor).evaluate(stateTensor, actions)
    const values = Array.from(result.dataSync())
    result.dispose()
    return values
  } finally {
    goalTensor.dispose()
    stateTensor.dispose()
    actions.dispose()
  }
}

const closeTo = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>, tolerance = 1e-4) => {
  expect(actual).toHaveLength(expected.length)
  actual.forEach((value, index) => {
    const target = expected[index] as number
    expect(Math.abs(value - target)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(target)))
  })
}

describe("onPlan", () => {
  // Plans of one episode batch, each copied as it is told.
  const told = (makeAgent: (onPlan: (event: PlanEvent) => void) => Agent, seeds: ReadonlyArray<number>) => {
    const events: Array<PlanEvent> = []
    const agent = makeAgent((event) =>
      events.push({
        step: event.step,
        episodes: [...event.episodes],
        plan: {
          ...event.plan,
          actions: event.plan.actions.slice(),
          predictedStates: event.plan.predictedStates.slice()
        }
      })
    )
    const run = runEpisodes(
      seeds.map(() => shiftEnv(2, 0.05, 30)),
      seeds,
      agent,
      { rng: Random.fromSeed(1) }
    )
    return { events, run }
  }
  const level0 = { model: shiftModel(2), horizon: 6, cost: reach }

  it("tells every plan: the step it was made at, the episodes still running, their predicted latents", () => {
    const seeds = [3, 4, 5]
    const { events, run } = told(
      (onPlan) =>
        flatAgent({
          ...level0,
          planner: gradientPlanner({ iterations: 10, restarts: 2, learningRate: 0.3 }),
          replanInterval: 2,
          onPlan
        }),
      seeds
    )
    expect(events).toHaveLength(run.planCalls)
    expect(events.map((event) => event.step)).toEqual(events.map((_, index) => 2 * index))
    // Episodes end at different steps (success or the budget): each plan is for those still running.
    expect(new Set(run.episodes.map((episode) => episode.steps)).size).toBeGreaterThan(1)
    for (const { step, episodes, plan } of events) {
      expect(episodes).toEqual(
        run.episodes.flatMap((episode, index) => (episode.steps > step ? [index] : []))
      )
      expect(plan.problems).toBe(episodes.length)
      expect(plan.predictedStates).toHaveLength(episodes.length * (plan.horizon + 1) * plan.latentSize)
      // The shift world: each predicted latent is the one before moved by 0.1 x the plan's action.
      for (let row = 0; row < plan.problems; row++) {
        for (let k = 0; k < plan.horizon; k++) {
          for (let d = 0; d < 2; d++) {
            const at = (row * (plan.horizon + 1) + k) * 2 + d
            const action = plan.actions[(row * plan.horizon + k) * 2 + d] as number
            expect(plan.predictedStates[at + 2]).toBeCloseTo(
              (plan.predictedStates[at] as number) + 0.1 * action,
              5
            )
          }
        }
      }
    }
    // The first plan starts from the observations the resets gave.
    const first = events[0] as PlanEvent
    seeds.forEach((seed, row) => {
      const start = shiftEnv(2).reset({ seed }).observation
      const at = row * (first.plan.horizon + 1) * 2
      expect(Array.from(first.plan.predictedStates.slice(at, at + 2))).toEqual(
        Array.from(Float32Array.from(start))
      )
    })
  })

  it("tells a hierarchical agent's level-0 plans, and changes nothing when set", () => {
    const seeds = [1, 2]
    const upper = {
      model: { ...shiftModel(2, 1, 0.5), stride: 5 },
      planner: cemPlanner({ samples: 32, iterations: 3 }),
      horizon: 3
    }
    const bottom = { ...level0, planner: gradientPlanner({ iterations: 10, restarts: 2, learningRate: 0.3 }) }
    const { events, run } = told((onPlan) => hierarchicalAgent([bottom, upper], { onPlan }), seeds)
    expect(events).toHaveLength(run.planCalls)
    expect(events.map((event) => event.step)).toEqual(events.map((_, index) => index))
    expect(events.every((event) => event.plan.horizon === 6)).toBe(true)
    const before = tf.memory().numTensors
    const unset = runEpisodes(
      seeds.map(() => shiftEnv(2, 0.05, 30)),
      seeds,
      hierarchicalAgent([bottom, upper]),
      { rng: Random.fromSeed(1) }
    )
    expect(unset.episodes).toEqual(run.episodes)
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("probedGoalCost", () => {
  // Two candidates of one problem over two predicted steps (state 0, the start, is not scored).
  const states = [
    [
      [9, 9],
      [9, 9]
    ],
    [
      [0, 0],
      [0, 1]
    ],
    [
      [1, 0],
      [1, 1]
    ]
  ]
  const goal = [[1, 0]]

  it("computes the squared distance between read-outs, by hand for a 2 x 2 probe", () => {
    // Read-outs: goal [1.5, 1]; candidate 0: [0.5, -1] then [1.5, 1]; candidate 1: [3.5, 3] then [4.5, 5].
    closeTo(
      evaluate((target) => probedGoalCost({ goal: target, probe: probe2x2, mode: "running" }), goal, states),
      [2.5, 16.5]
    )
    closeTo(
      evaluate((target) => probedGoalCost({ goal: target, probe: probe2x2, mode: "terminal" }), goal, states),
      [0, 25]
    )
    // Terminal by default.
    closeTo(
      evaluate((target) => probedGoalCost({ goal: target, probe: probe2x2 }), goal, states),
      [0, 25]
    )
  })

  it("equals goalCost on the read-out states and goals (property)", () => {
    const problem = fc
      .record({
        latentSize: fc.integer({ min: 1, max: 4 }),
        outputSize: fc.integer({ min: 1, max: 3 }),
        steps: fc.integer({ min: 1, max: 3 }),
        problems: fc.integer({ min: 1, max: 2 }),
        perProblem: fc.integer({ min: 1, max: 3 }),
        running: fc.boolean()
      })
      .chain((shape) => {
        const value = fc.double({ min: -2, max: 2, noNaN: true })
        const row = fc.array(value, { minLength: shape.latentSize, maxLength: shape.latentSize })
        return fc.record({
          shape: fc.constant(shape),
          weights: fc.array(value, {
            minLength: shape.latentSize * shape.outputSize,
            maxLength: shape.latentSize * shape.outputSize
          }),
          bias: fc.array(value, { minLength: shape.outputSize, maxLength: shape.outputSize }),
          goal: fc.array(row, { minLength: shape.problems, maxLength: shape.problems }),
          states: fc.array(
            fc.array(row, {
              minLength: shape.problems * shape.perProblem,
              maxLength: shape.problems * shape.perProblem
            }),
            { minLength: shape.steps + 1, maxLength: shape.steps + 1 }
          )
        })
      })
    fc.assert(
      fc.property(problem, ({ shape, weights, bias, goal, states }) => {
        const probe: LatentProbe = {
          latentSize: shape.latentSize,
          outputSize: shape.outputSize,
          weights,
          bias
        }
        const mode = shape.running ? "running" : "terminal"
        const probed = evaluate((target) => probedGoalCost({ goal: target, probe, mode }), goal, states)
        const byHand = evaluate(
          (target) => goalCost({ goal: target, mode }),
          goal.map((row) => readOut(probe, row)),
          states.map((step) => step.map((row) => readOut(probe, row)))
        )
        closeTo(probed, byHand, 1e-3)
      }),
      { numRuns: 60 }
    )
  })

  it("ignores the latent coordinates the probe does not read (property)", () => {
    // Reads coordinates 0 and 1 of a 3-D latent (a place), not coordinate 2 (e.g. a heading).
    const probe: LatentProbe = { latentSize: 3, outputSize: 2, weights: [1, 0, 0, 1, 0, 0], bias: [0, 0] }
    const value = fc.double({ min: -3, max: 3, noNaN: true })
    const latent = fc.tuple(value, value, value)
    fc.assert(
      fc.property(
        fc.array(fc.array(latent, { minLength: 2, maxLength: 2 }), { minLength: 2, maxLength: 4 }),
        latent,
        fc.array(value, { minLength: 10, maxLength: 10 }),
        (states, goal, others) => {
          let next = 0
          const replaced = (row: ReadonlyArray<number>) => [
            row[0] as number,
            row[1] as number,
            others[next++ % 10] as number
          ]
          for (const mode of ["running", "terminal"] as const) {
            const make = (target: tf.Tensor2D) => probedGoalCost({ goal: target, probe, mode })
            closeTo(
              evaluate(
                make,
                [replaced(goal)],
                states.map((step) => step.map(replaced))
              ),
              evaluate(make, [goal], states),
              1e-5
            )
          }
        }
      ),
      { numRuns: 50 }
    )
  })

  it.each([
    { case: "too few weights", probe: { latentSize: 2, outputSize: 2, weights: [1, 2, 3], bias: [0, 0] } },
    { case: "too many weights", probe: { latentSize: 2, outputSize: 1, weights: [1, 2, 3], bias: [0] } },
    {
      case: "a bias of the wrong size",
      probe: { latentSize: 2, outputSize: 1, weights: [1, 2], bias: [0, 0] }
    },
    { case: "no outputs", probe: { latentSize: 2, outputSize: 0, weights: [], bias: [] } },
    { case: "a fractional size", probe: { latentSize: 1.5, outputSize: 1, weights: [1.5], bias: [0] } },
    { case: "a NaN weight", probe: { latentSize: 2, outputSize: 1, weights: [1, Number.NaN], bias: [0] } },
    {
      case: "an infinite bias",
      probe: { latentSize: 1, outputSize: 1, weights: [1], bias: [Number.POSITIVE_INFINITY] }
    }
  ])("rejects a probe with $case, naming it", ({ probe }) => {
    const goal = tf.zeros([1, 2]) as tf.Tensor2D
    try {
      expect(invalidField(() => probedGoalCost({ goal, probe }))).toBe("probe")
    } finally {
      goal.dispose()
    }
  })

  it("rejects states or goals that are not the probe's latents", () => {
    const wideGoal = [[1, 0, 0]]
    expect(
      invalidField(() =>
        evaluate((target) => probedGoalCost({ goal: target, probe: probe2x2 }), wideGoal, [
          [[0, 0]],
          [[1, 1]]
        ])
      )
    ).toBe("probedGoalCost.goal")
    expect(
      invalidField(() =>
        evaluate((target) => probedGoalCost({ goal: target, probe: probe2x2 }), goal, [
          [[0, 0, 0]],
          [[1, 1, 1]]
        ])
      )
    ).toBe("probedGoalCost.goal")
  })

  it("keeps no tensor: building and evaluating leave the count where it was (running and terminal)", () => {
    const goalTensor = tf.tensor2d(goal)
    const stateTensor = tf.tensor3d(states)
    const actions = tf.zeros([2, 2, 1]) as tf.Tensor3D
    const before = tf.memory().numTensors
    for (const mode of ["running", "terminal"] as const) {
      const cost = probedGoalCost({ goal: goalTensor, probe: probe2x2, mode })
      const result = cost.evaluate(stateTensor, actions)
      result.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([goalTensor, stateTensor, actions])
  })
})

/**
 * A place to reach on a plane, and a third coordinate the goal does not constrain: an odometer of
 * the distance driven along x (an orientation, a velocity would do). The goal observation reports
 * 0 there, which cannot be had together with the place: only the place decides success.
 */
const odometerModel = (): WorldModel => ({
  name: "odometer",
  latentSize: 3,
  actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
  stride: 1,
  encode: (rows) => tf.tidy(() => rows.toFloat().reshape([-1, 3]) as tf.Tensor2D),
  step: (states, actions) =>
    tf.tidy(() => {
      const moved = actions.mul(0.1)
      const [dx] = tf.split(moved, 2, 1) as [tf.Tensor2D, tf.Tensor2D]
      return states.add(tf.concat([moved, dx], 1)) as tf.Tensor2D
    })
})

const odometerEnv = (tolerance = 0.05, maxEpisodeSteps = 40): Env => {
  const actionSpace = new Box({ low: -1, high: 1, shape: [2] })
  let state = [0, 0, 0]
  let goal = [0, 0, 0]
  let steps = 0
  const distance = () =>
    Math.hypot((state[0] as number) - (goal[0] as number), (state[1] as number) - (goal[1] as number))
  return {
    id: "odometer",
    observationSpace: new Box({ low: -10, high: 10, shape: [3] }),
    actionSpace,
    maxEpisodeSteps,
    reset: (options = {}) => {
      const rng = Random.fromSeed(options.seed ?? 0)
      state = [rng.uniformIn(-0.5, -0.3), rng.uniformIn(-0.2, 0.2), 0]
      goal = [rng.uniformIn(0.2, 0.4), rng.uniformIn(-0.2, 0.2), 0]
      steps = 0
      return { observation: Float64Array.from(state), info: { goal: Float64Array.from(goal) } }
    },
    step: (action): StepResult<Float64Array> => {
      const checked = actionSpace.validate(action, "action")
      if (checked._tag === "Failure") throw checked.failure
      const [ax, ay] = checked.success as unknown as [number, number]
      state = [
        (state[0] as number) + 0.1 * ax,
        (state[1] as number) + 0.1 * ay,
        (state[2] as number) + 0.1 * ax
      ]
      steps++
      const success = distance() < tolerance
      return {
        observation: Float64Array.from(state),
        reward: -distance(),
        terminated: success,
        truncated: !success && steps >= maxEpisodeSteps,
        info: { success, goal: Float64Array.from(goal), distance: distance() }
      }
    },
    render: () => "<svg/>"
  }
}

describe("a flat agent whose goal carries a coordinate it cannot honour", () => {
  const place: LatentProbe = { latentSize: 3, outputSize: 2, weights: [1, 0, 0, 1, 0, 0], bias: [0, 0] }
  const episodes = (cost: CostFactory) => {
    const finalDistances: Array<number> = []
    const run = runEpisodes(
      [odometerEnv(), odometerEnv()],
      [1, 2],
      flatAgent({
        model: odometerModel(),
        planner: gradientPlanner({ iterations: 10, restarts: 2, learningRate: 0.3 }),
        horizon: 8,
        cost
      }),
      {
        rng: Random.fromSeed(0),
        onTransition: (episode, info) => {
          finalDistances[episode] = info.distance as number
        }
      }
    )
    return { run, finalDistances }
  }

  it("reaches the place when judged through a probe of the place, not when judged on the whole latent", () => {
    const before = tf.memory().numTensors
    const probed = episodes((targets) => probedGoalCost({ goal: targets, probe: place, mode: "running" }))
    expect(probed.run.episodes.map((episode) => episode.success)).toEqual([true, true])
    const plain = episodes((targets) => goalCost({ goal: targets, mode: "running" }))
    expect(plain.run.episodes.map((episode) => episode.success)).toEqual([false, false])
    // Whole-latent planning settles for a compromise, well short of the place.
    for (const distance of plain.finalDistances) expect(distance).toBeGreaterThan(0.15)
    expect(tf.memory().numTensors).toBe(before)
  })
})
