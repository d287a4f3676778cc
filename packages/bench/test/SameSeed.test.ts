import {
  defaultSoakOptions,
  makeEnvThroughputSuite,
  makePerfSuite,
  makeSoakSuite,
  runSuite,
  type Suite,
  type SuiteRow,
  timingFieldsOf,
  withoutTimingFields
} from "@telos/bench"
import { EnvRegistry, pendulum } from "@telos/envs"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { findPerfWorkload, type GradientWorkload } from "../src/perf/Workloads.js"
import { tinyQuickstartSuite } from "./fixtures/tinyQuickstart.js"
import { makeTempDir, readResults, removeTempDir } from "./fixtures.js"

const directories: Array<string> = []
afterAll(async () => {
  await Promise.all(directories.map(removeTempDir))
})

/** The rows a run of `suite` with seed 5 writes to a fresh results.json. */
const rowsOfRun = async (suite: Suite): Promise<ReadonlyArray<SuiteRow>> => {
  const out = await makeTempDir()
  directories.push(out)
  await Effect.runPromise(
    runSuite(suite, {
      backend: "cpu",
      backends: ["cpu"],
      episodes: 1,
      seed: 5,
      out,
      progress: { update: () => undefined, finish: () => undefined }
    })
  )
  return (await readResults(out)).rows as ReadonlyArray<SuiteRow>
}

// Each suite shrunk to a second or less; every row field that is not a declared timing field counts.
// (The learning suites, worldmodel and worldmodel-wind, take seconds even when shrunk; the pipeline
// suites share the quickstart's code paths.)
const suites: ReadonlyArray<Suite> = [
  tinyQuickstartSuite,
  makeEnvThroughputSuite({ registry: new EnvRegistry().register(pendulum), seconds: 0.01 }),
  makeSoakSuite({
    ...defaultSoakOptions,
    plans: 4,
    plansPerSample: 2,
    workload: { ...defaultSoakOptions.workload, id: "gd-4x3", candidates: 4, horizon: 3, iterations: 2 }
  }),
  makePerfSuite({
    catalog: [
      {
        ...(findPerfWorkload("gd-256x16") as GradientWorkload),
        id: "gd-8x3",
        candidates: 8,
        horizon: 3,
        iterations: 5
      }
    ],
    timing: { minRuns: 2, maxRuns: 3, budgetSeconds: 0.01, warmUpSeconds: 0.01 }
  })
]

describe("same seed, same results", () => {
  it.each(suites.map((suite) => ({ id: suite.id, suite })))(
    "two runs of $id with the same seed write the same rows, apart from the suite's timing fields",
    async ({ suite }) => {
      const [first, second] = [await rowsOfRun(suite), await rowsOfRun(suite)]
      expect(first.length).toBeGreaterThan(0)
      const timing = timingFieldsOf(suite)
      expect(second.map((row) => withoutTimingFields(row, timing))).toEqual(
        first.map((row) => withoutTimingFields(row, timing))
      )
    }
  )
})
