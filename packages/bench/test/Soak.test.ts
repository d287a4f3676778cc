import {
  defaultSoakOptions,
  makeSoakSuite,
  type SoakRow,
  type SuiteRow,
  soakSuite,
  suites
} from "@telos/bench"
import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { restoreBackendAfterAll, useWasmBackend } from "./fixtures.js"

restoreBackendAfterAll()

const collect = async (iterable: AsyncIterable<SuiteRow>): Promise<Array<SoakRow>> => {
  const rows: Array<SoakRow> = []
  for await (const row of iterable) rows.push(row as SoakRow)
  return rows
}

const small = makeSoakSuite({
  ...defaultSoakOptions,
  plans: 5,
  plansPerSample: 2,
  workload: { ...defaultSoakOptions.workload, id: "gd-4x3", candidates: 4, horizon: 3, iterations: 2 }
})

describe("the soak suite", () => {
  beforeAll(async () => {
    await useWasmBackend()
  })

  it("is registered and runs 10,000 planning iterations by default", () => {
    expect(suites).toContain(soakSuite)
    expect(soakSuite.protocol.planningIterations).toBe(10_000)
  })

  it("samples memory every few plans and after the last, leaving no tensor behind", async () => {
    const before = tf.memory().numTensors
    const rows = await collect(
      small.run({ episodes: undefined, seed: 0, backend: "wasm", progress: () => {} })
    )
    expect(rows.map((row) => row.iterations)).toEqual([4, 8, 10])
    for (const row of rows) {
      expect(row.rssMiB).toBeGreaterThan(0)
      expect(row.msPerIteration).toBeGreaterThan(0)
    }
    expect(small.checks?.(rows).map((check) => check.passed)).toEqual([true, true])
    expect(tf.memory().numTensors).toBe(before)
  })

  it("fails its checks when the tensor count or the resident set grows", () => {
    const row = (iterations: number, tensors: number, rssMiB: number): SoakRow => ({
      iterations,
      tensors,
      tensorBytes: tensors * 4,
      rssMiB,
      heapMiB: 1,
      externalMiB: 1,
      msPerIteration: 1
    })
    const checks = (rows: Array<SoakRow>) => small.checks?.(rows).map((check) => check.passed)
    expect(checks([row(4, 10, 100), row(8, 11, 100)])).toEqual([false, true])
    expect(checks([row(4, 10, 100), row(8, 10, 200)])).toEqual([true, false])
    expect(checks([])).toEqual([false])
    // Garbage collection moves single samples; only a trend across the run counts.
    const noisy = [100, 150, 100, 120, 100, 130, 100, 100, 150].map((rss, index) => row(index, 10, rss))
    expect(checks(noisy)).toEqual([true, true])
    const growing = [100, 110, 120, 130, 140, 150, 160, 170, 180].map((rss, index) => row(index, 10, rss))
    expect(checks(growing)).toEqual([true, false])
  })
})
