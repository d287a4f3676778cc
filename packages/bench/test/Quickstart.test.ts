import {
  agentOf,
  groundTruthParts,
  mergeConfig,
  type PlanningRow,
  quickstartRuns,
  quickstartSettings,
  quickstartSuite,
  resolveRunConfig,
  runPlanningBenchmark,
  suites
} from "@telos/bench"
import { type Env, type Info, Random } from "@telos/core"
import { type EnvSpec, normalizeAngle, pendulum, pointMass } from "@telos/envs"
import type { Agent } from "@telos/planner"
import { beforeAll, describe, expect, it } from "vitest"
import { makeRow, restoreBackendAfterAll, useWasmBackend } from "./fixtures.js"

restoreBackendAfterAll()

beforeAll(async () => {
  expect(await useWasmBackend()).toBe("wasm")
})

const checksOf = (rows: ReadonlyArray<PlanningRow>): ReadonlyArray<boolean> =>
  (quickstartSuite.checks?.(rows) ?? []).map((check) => check.passed)

describe("quickstartSuite", () => {
  it("is listed, with a description and its settings in the protocol", () => {
    expect(suites).toContain(quickstartSuite)
    expect(quickstartSuite.id).toBe("quickstart")
    expect(quickstartSuite.description.length).toBeGreaterThan(0)
    expect(quickstartSuite.protocol.settings).toBe(quickstartSettings)
  })

  it("checks point-mass success >= 0.95 and pendulum mean return >= -250", () => {
    const descriptions = (quickstartSuite.checks?.([]) ?? []).map((check) => check.description)
    expect(descriptions).toEqual([
      "point-mass success rate >= 0.95 (gradient)",
      "pendulum mean return >= -250 (gradient)"
    ])
    const mass = (successRate: number) => makeRow({ env: "point-mass", agent: "ground-truth", successRate })
    const swing = (meanReturn: number) => makeRow({ env: "pendulum", agent: "ground-truth", meanReturn })
    expect(checksOf([mass(0.95), swing(-250)])).toEqual([true, true])
    expect(checksOf([mass(1), swing(-120)])).toEqual([true, true])
    expect(checksOf([mass(0.9499), swing(-250)])).toEqual([false, true])
    expect(checksOf([mass(0.95), swing(-250.01)])).toEqual([true, false])
    expect(checksOf([swing(-100), mass(0.5)])).toEqual([false, true])
  })

  it("judges only the ground truth's rows, not the random baseline's", () => {
    const random = { agent: "random" }
    expect(
      checksOf([
        makeRow({ env: "point-mass", successRate: 1, ...random }),
        makeRow({ env: "pendulum", meanReturn: 0, ...random })
      ])
    ).toEqual([false, false])
  })

  it("fails a check whose row is missing", () => {
    expect(checksOf([])).toEqual([false, false])
    const truth = { agent: "ground-truth" }
    expect(checksOf([makeRow({ env: "point-mass", successRate: 1, ...truth })])).toEqual([true, false])
    expect(checksOf([makeRow({ env: "pendulum", meanReturn: 0, ...truth })])).toEqual([false, true])
  })
})

/** The ground-truth agent of the quickstart's run on `spec`, made as the pipeline makes it. */
const quickstartAgent = (spec: EnvSpec<unknown>, env: "point-mass" | "pendulum"): Agent => {
  const config = resolveRunConfig(spec, env, {
    file: mergeConfig(quickstartSettings, quickstartRuns[env]) as Record<string, unknown>
  })
  return agentOf("ground-truth", groundTruthParts(config, spec))
}

describe("the quickstart's settings with ground-truth models", () => {
  it("drive the point mass to its goal in two seeded episodes", () => {
    const row = runPlanningBenchmark(
      {
        env: "point-mass",
        makeEnv: () => pointMass.make(),
        agent: quickstartAgent(pointMass, "point-mass"),
        episodes: 2,
        seed: 0
      },
      Random.fromSeed(0),
      () => undefined
    )
    expect(row.successRate).toBe(1)
    expect(row.meanSteps).toBeLessThan(pointMass.definition.maxEpisodeSteps)
  })

  it("keep a pendulum started upright balanced for 30 steps", () => {
    const steps = 30
    const finals: Array<Info> = []
    // The suite's pendulum starts anywhere; this one starts near upright and stops after 30 steps.
    const makeEnv = (): Env => {
      const env = pendulum.make()
      let taken = 0
      return {
        ...env,
        maxEpisodeSteps: steps,
        reset: (options) => {
          taken = 0
          return env.reset({ ...options, options: { theta: 0.05, thetaDot: 0 } })
        },
        step: (action) => {
          const outcome = env.step(action)
          taken++
          const truncated = outcome.truncated || taken >= steps
          if (truncated) finals.push(outcome.info)
          return { ...outcome, truncated }
        }
      }
    }
    const row = runPlanningBenchmark(
      {
        env: "pendulum",
        makeEnv,
        agent: quickstartAgent(pendulum, "pendulum"),
        goalOf: () => pendulum.definition.goal as ReadonlyArray<number>,
        episodes: 1,
        seed: 0
      },
      Random.fromSeed(0),
      () => undefined
    )
    expect(row.meanSteps).toBe(steps)
    expect(finals).toHaveLength(1)
    const final = finals[0] as Info
    expect(Math.abs(normalizeAngle(final.theta as number))).toBeLessThan(0.1)
    expect(row.successRate).toBe(1)
    // Each step costs at most theta^2 + 0.1 thetaDot^2 + 0.001 u^2; staying up keeps that small.
    expect(row.meanReturn).toBeGreaterThan(-1)
  })
})
