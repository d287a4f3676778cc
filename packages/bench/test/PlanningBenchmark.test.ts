import { type PlanningBenchmark, runPlanningBenchmark } from "@telos/bench"
import { type Env, Random } from "@telos/core"
import { flatAgent, goalCost, gradientPlanner } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { restoreBackendAfterAll, shiftEnv, shiftModel, useWasmBackend } from "./fixtures.js"

restoreBackendAfterAll()

beforeAll(async () => {
  expect(await useWasmBackend()).toBe("wasm")
})

/** What an environment saw, recorded independently of the controller. */
interface Trace {
  seed: number | undefined
  steps: number
  total: number
  success: boolean
}

/** Environments with the given step budgets, in creation order, each recording its episode. */
const tracedEnvs = (budgets: ReadonlyArray<number>) => {
  const traces: Array<Trace> = []
  const makeEnv = (): Env => {
    const env = shiftEnv(2, budgets[traces.length % budgets.length] as number)
    const trace: Trace = { seed: undefined, steps: 0, total: 0, success: false }
    traces.push(trace)
    return {
      ...env,
      reset: (options) => {
        trace.seed = options?.seed
        return env.reset(options)
      },
      step: (action) => {
        const outcome = env.step(action)
        trace.steps++
        trace.total += outcome.reward
        trace.success = outcome.info.success === true
        return outcome
      }
    }
  }
  return { traces, makeEnv }
}

const benchmark = (makeEnv: () => Env, overrides: Partial<PlanningBenchmark> = {}): PlanningBenchmark => ({
  env: "shift",
  makeEnv,
  agent: flatAgent({
    model: shiftModel(2),
    planner: gradientPlanner({ iterations: 8, restarts: 2, learningRate: 0.3 }),
    horizon: 6,
    cost: (targets) => goalCost({ goal: targets, mode: "running" })
  }),
  episodes: 3,
  seed: 11,
  ...overrides
})

const mean = (values: ReadonlyArray<number>): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length

describe("runPlanningBenchmark", () => {
  it("summarises the row's episodes as the environments saw them", () => {
    // The second episode has a budget of 2 steps, too few to reach its goal.
    const { traces, makeEnv } = tracedEnvs([60, 2, 60])
    const steps: Array<number> = []
    const row = runPlanningBenchmark(
      benchmark(makeEnv, { details: { iterations: 8, note: "extra" } }),
      Random.fromSeed(1),
      (step) => steps.push(step)
    )
    expect(traces).toHaveLength(3)
    expect(traces.map((trace) => trace.seed)).toEqual([11, 12, 13])
    expect(traces.map((trace) => trace.success)).toEqual([true, false, true])

    expect(row.env).toBe("shift")
    expect(row.planner).toBe("gradient")
    expect(row.levels).toBe(1)
    expect(row.seed).toBe(11)
    expect(row.episodes).toBe(3)
    expect(row.successRate).toBeCloseTo(2 / 3, 12)
    expect(row.meanSteps).toBeCloseTo(mean(traces.map((trace) => trace.steps)), 12)
    expect(row.meanReturn).toBeCloseTo(mean(traces.map((trace) => trace.total)), 9)
    const returns = row.returns as ReadonlyArray<number>
    expect(returns).toHaveLength(3)
    returns.forEach((value, index) => {
      expect(value).toBeCloseTo(traces[index]?.total as number, 9)
    })
    expect(row.planMsPerStep).toBeGreaterThan(0)
    const longest = Math.max(...traces.map((trace) => trace.steps))
    expect(row.planCalls).toBe(longest)
    expect(steps).toEqual(Array.from({ length: longest }, (_, index) => index + 1))
    const planned = row.meanPlannedCost as ReadonlyArray<number>
    expect(planned).toHaveLength(longest)
    expect(planned.every((value) => Number.isFinite(value))).toBe(true)
    expect(row).toMatchObject({ iterations: 8, note: "extra" })
  })

  it("uses the benchmark's success test when it has one", () => {
    const { makeEnv } = tracedEnvs([5])
    const row = runPlanningBenchmark(
      benchmark(makeEnv, { episodes: 2, isSuccess: () => true }),
      Random.fromSeed(2),
      () => undefined
    )
    expect(row.successRate).toBe(1)
    expect(row.meanSteps).toBeLessThanOrEqual(5)
  })

  it("returns the tensor count to its baseline after the row", () => {
    const { makeEnv } = tracedEnvs([8])
    runPlanningBenchmark(benchmark(makeEnv, { episodes: 1 }), Random.fromSeed(3), () => undefined)
    const before = tf.memory().numTensors
    runPlanningBenchmark(benchmark(makeEnv, { episodes: 2 }), Random.fromSeed(4), () => undefined)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("plans in batches when asked: every episode once, in order, the callbacks told each episode's place in the row", () => {
    const { traces, makeEnv } = tracedEnvs([60, 2, 60])
    const resets: Array<number> = []
    const transitions: Array<number> = [0, 0, 0]
    const row = runPlanningBenchmark(
      benchmark(makeEnv, {
        batch: 2,
        onReset: (episode) => resets.push(episode),
        onTransition: (episode) => {
          transitions[episode] = (transitions[episode] as number) + 1
        }
      }),
      Random.fromSeed(1),
      () => undefined
    )
    expect(traces.map((trace) => trace.seed)).toEqual([11, 12, 13])
    expect(resets).toEqual([0, 1, 2])
    expect(transitions).toEqual(traces.map((trace) => trace.steps))
    expect(row.episodes).toBe(3)
    expect(row.successRate).toBeCloseTo(2 / 3, 12)
    expect(row.returns).toHaveLength(3)
    // Two batches: the first as long as its longer episode, then the third alone.
    expect(row.planCalls).toBe(
      Math.max(traces[0]?.steps ?? 0, traces[1]?.steps ?? 0) + (traces[2]?.steps ?? 0)
    )
  })

  it("is reproducible for a seed", () => {
    const run = () =>
      runPlanningBenchmark(benchmark(tracedEnvs([20]).makeEnv), Random.fromSeed(9), () => undefined)
    const first = run()
    const second = run()
    expect(second.returns).toEqual(first.returns)
    expect(second.meanSteps).toBe(first.meanSteps)
  })
})
