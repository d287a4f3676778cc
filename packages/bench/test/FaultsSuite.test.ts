import { rm } from "node:fs/promises"
import { describe, expect, it } from "vitest"
import { type FaultRow, makeFaultsSuite, sameRowsApartFromTime } from "../src/suites/faults/suite.js"
import { scratchDirectory } from "./fixtures/workspace.js"

const small = makeFaultsSuite({
  killsPerCommand: 2,
  maxKillDelayMs: 4_000,
  benchSuite: { id: "quickstart", episodes: 1 },
  randomCorruptions: 15,
  argumentCases: 300,
  killTargets: []
})

describe("the faults suite (small)", () => {
  it("tries every group and finds no defect and no byte lost", async () => {
    const directory = await scratchDirectory("faults")
    try {
      const rows: Array<FaultRow> = []
      for await (const row of small.run({
        episodes: undefined,
        seed: 0,
        backend: "cpu",
        directory,
        progress: () => {}
      })) {
        rows.push(row as FaultRow)
      }
      expect(rows.map((row) => `${row.group} ${row.target}`)).toEqual([
        "corrupt dataset.bin",
        "corrupt checkpoint",
        "corrupt results.json",
        "corrupt config file",
        "arguments command line"
      ])
      for (const row of rows) {
        expect(row.cases).toBeGreaterThan(0)
        expect(row.examples, `${row.group} ${row.target}`).toEqual([])
        expect(row.clear + row.harmless + row.defects).toBe(row.cases)
        expect(row.bytesLost).toBe(0)
      }
      expect(small.checks?.(rows).every((check) => check.passed)).toBe(true)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  }, 180_000)

  it("compares rows apart from the fields that measure time", () => {
    const a = [{ env: "x", successRate: 1, planMsPerStep: 3, seconds: 1 }]
    expect(sameRowsApartFromTime(a, [{ env: "x", successRate: 1, planMsPerStep: 9, seconds: 2 }])).toBe(true)
    expect(sameRowsApartFromTime(a, [{ env: "x", successRate: 0.5, planMsPerStep: 3, seconds: 1 }])).toBe(
      false
    )
    expect(sameRowsApartFromTime(a, [...a, ...a])).toBe(false)
  })
})
