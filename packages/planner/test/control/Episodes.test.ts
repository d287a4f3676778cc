import { Box, Discrete, Random } from "@telos/core"
import { flatAgent, goalCost, gradientPlanner, runEpisodes, toEnvironmentAction } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { selectProblems, shiftPlan } from "../../src/search/StartingPlan.js"
import { shiftEnv, shiftModel } from "../fixtures.js"

const task = (iterations = 10) => ({
  model: shiftModel(2),
  planner: gradientPlanner({ iterations, restarts: 2, learningRate: 0.3 }),
  horizon: 8,
  cost: (targets: tf.Tensor2D) => goalCost({ goal: targets, mode: "running" })
})

const agent = (iterations = 10) => flatAgent(task(iterations))

describe("runEpisodes", () => {
  it("reaches the goal in every episode, replanning every step", () => {
    const envs = [shiftEnv(2), shiftEnv(2), shiftEnv(2)]
    const steps: Array<number> = []
    const transitions = [0, 0, 0]
    const resets: Array<number> = []
    const run = runEpisodes(envs, [1, 2, 3], agent(), {
      rng: Random.fromSeed(0),
      onStep: (step) => steps.push(step),
      onReset: (episode, info) => {
        expect(info.goal).toBeDefined()
        expect(transitions[episode]).toBe(0)
        resets.push(episode)
      },
      onTransition: (episode, info) => {
        expect(info.goal).toBeDefined()
        transitions[episode] = (transitions[episode] as number) + 1
      }
    })
    expect(resets).toEqual([0, 1, 2])
    expect(transitions).toEqual(run.episodes.map((episode) => episode.steps))
    expect(run.episodes.map((episode) => episode.success)).toEqual([true, true, true])
    expect(run.planCalls).toBe(Math.max(...run.episodes.map((episode) => episode.steps)))
    expect(steps.at(-1)).toBe(run.planCalls)
    run.episodes.forEach((episode) => {
      expect(episode.plannedCosts.length).toBe(episode.steps)
      expect(episode.totalReward).toBeLessThan(0)
    })
  })

  it("reports failure when the step budget ends the episode", () => {
    const run = runEpisodes([shiftEnv(2, 0.05, 2)], [5], agent(1), { rng: Random.fromSeed(0) })
    expect(run.episodes[0]?.success).toBe(false)
    expect(run.episodes[0]?.steps).toBe(2)
  })

  it("returns the tensor count to its baseline", () => {
    const before = tf.memory().numTensors
    runEpisodes([shiftEnv(2, 0.05, 5), shiftEnv(2, 0.05, 5)], [1, 2], agent(3), { rng: Random.fromSeed(0) })
    expect(tf.memory().numTensors).toBe(before)
  })

  it("requires one seed per environment", () => {
    expect(() => runEpisodes([shiftEnv(2)], [1, 2], agent(), { rng: Random.fromSeed(0) })).toThrow(/seeds/)
  })
})

describe("a flat agent once some episodes have ended", () => {
  it("plans only for the episodes still running, each warm-started from its own row", () => {
    const planner = gradientPlanner({ iterations: 2, restarts: 1 })
    const sizes: Array<number> = []
    const warmRows: Array<number | undefined> = []
    const spy = {
      name: "spy",
      plan: (problem: Parameters<typeof planner.plan>[0], rng: Random) => {
        sizes.push(problem.initialStates.shape[0])
        warmRows.push(problem.warmStart?.problems)
        return planner.plan(problem, rng)
      }
    }
    const run = runEpisodes(
      [shiftEnv(2, 0.001, 2), shiftEnv(2, 0.001, 5), shiftEnv(2, 0.001, 3)],
      [1, 2, 3],
      flatAgent({ ...task(), planner: spy }),
      { rng: Random.fromSeed(0) }
    )
    expect(run.episodes.map((episode) => episode.steps)).toEqual([2, 5, 3])
    expect(sizes).toEqual([3, 3, 2, 1, 1])
    expect(warmRows).toEqual([undefined, 3, 2, 1, 1])
  })
})

describe("a flat agent with a replan interval", () => {
  it("plans every k steps, executes the plan in between, and still reaches the goal", () => {
    const run = runEpisodes([shiftEnv(2), shiftEnv(2)], [1, 2], flatAgent({ ...task(), replanInterval: 3 }), {
      rng: Random.fromSeed(0)
    })
    expect(run.episodes.map((episode) => episode.success)).toEqual([true, true])
    const longest = Math.max(...run.episodes.map((episode) => episode.steps))
    expect(run.planCalls).toBe(Math.ceil(longest / 3))
    expect(run.planningTraces).toHaveLength(run.planCalls)
    for (const trace of run.planningTraces) expect(trace).toHaveLength(11)
  })

  it("rejects an interval outside 1..horizon, naming it", () => {
    const before = tf.memory().numTensors
    expect(() => flatAgent({ ...task(), replanInterval: 0 })).toThrow(/replanInterval/)
    expect(() => flatAgent({ ...task(), replanInterval: 9 })).toThrow(/replanInterval/)
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("shiftPlan", () => {
  it("moves each problem's actions earlier and repeats the last", () => {
    const plan = {
      problems: 2,
      horizon: 3,
      actionSize: 1,
      latentSize: 1,
      actions: Float32Array.from([1, 2, 3, 4, 5, 6]),
      predictedStates: new Float32Array(8),
      cost: new Float32Array(2),
      initialCost: new Float32Array(2),
      trace: [0]
    }
    expect(Array.from(shiftPlan(plan, 1).actions)).toEqual([2, 3, 3, 5, 6, 6])
    expect(Array.from(shiftPlan(plan, 2).actions)).toEqual([3, 3, 3, 6, 6, 6])
    expect(shiftPlan(plan, 0)).toBe(plan)
  })
})

describe("selectProblems", () => {
  it("keeps the rows of the problems asked for, in that order", () => {
    const plan = {
      problems: 3,
      horizon: 1,
      actionSize: 1,
      latentSize: 1,
      actions: Float32Array.from([1, 2, 3]),
      predictedStates: Float32Array.from([10, 11, 20, 21, 30, 31]),
      cost: Float32Array.from([0.1, 0.2, 0.3]),
      initialCost: Float32Array.from([1, 2, 3]),
      trace: [0]
    }
    const picked = selectProblems(plan, [2, 0])
    expect(picked.problems).toBe(2)
    expect(Array.from(picked.actions)).toEqual([3, 1])
    expect(Array.from(picked.predictedStates)).toEqual([30, 31, 10, 11])
    expect(Array.from(picked.cost)).toEqual([Math.fround(0.3), Math.fround(0.1)])
    expect(Array.from(picked.initialCost)).toEqual([3, 1])
  })
})

describe("toEnvironmentAction", () => {
  it("puts float32 roundings of a bound on the bound, and leaves real excursions to the environment", () => {
    const env = { ...shiftEnv(2), actionSpace: new Box({ low: -2.45, high: 2.45, shape: [2] }) }
    const rounded = toEnvironmentAction(Float32Array.from([-2.45, 2.45]), env) as Float64Array
    expect(Array.from(rounded)).toEqual([-2.45, 2.45])
    const outside = toEnvironmentAction(Float32Array.from([-2.5, 0.5]), env) as Float64Array
    expect(outside[0]).toBeCloseTo(-2.5, 6)
    expect(outside[1]).toBeCloseTo(0.5, 6)
  })
})

describe("toEnvironmentAction for a discrete space", () => {
  it("executes the index of the highest score, the first on ties, offset by the space's start", () => {
    const env = { ...shiftEnv(2), actionSpace: new Discrete(4, 1) }
    expect(toEnvironmentAction(Float32Array.from([0, 0, 1, 0]), env)).toBe(3)
    expect(toEnvironmentAction(Float32Array.from([0.2, 0.7, 0.7, 0.1]), env)).toBe(2)
    expect(() => toEnvironmentAction(Float32Array.from([1, 0]), env)).toThrow(/4 scores/)
  })
})

describe("runEpisodes' goals", () => {
  it("reads goals from info.goal by default and names a missing one", () => {
    const env = shiftEnv(2)
    const withoutGoal = {
      ...env,
      reset: (options?: Parameters<typeof env.reset>[0]) => ({ ...env.reset(options), info: {} })
    }
    expect(() => runEpisodes([withoutGoal], [1], agent(), { rng: Random.fromSeed(0) })).toThrow(/goalOf/)
    const run = runEpisodes([withoutGoal], [1], agent(), {
      rng: Random.fromSeed(0),
      goalOf: () => [0, 0],
      isSuccess: () => true
    })
    expect(run.episodes[0]?.success).toBe(true)
  })
})
