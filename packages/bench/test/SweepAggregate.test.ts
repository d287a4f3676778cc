import { describe, expect, it } from "vitest"
import { seedSummary, studentT975, sweepAggregates } from "../src/sweep/SweepAggregate.js"

const row = (settingId: string, seed: number, successRate: number, meanReturn: number) => ({
  trial: 0,
  seed,
  settingId,
  setting: {},
  env: "point-mass",
  agent: "ground-truth",
  levels: 1,
  successRate,
  meanReturn,
  meanSteps: 10,
  planMsPerStep: 2
})

describe("studentT975", () => {
  it("is the t table's 0.975 quantile, near the normal's for many degrees of freedom", () => {
    expect(studentT975(2)).toBeCloseTo(4.303, 3)
    expect(studentT975(1)).toBeCloseTo(12.706, 3)
    expect(studentT975(30)).toBeCloseTo(2.042, 3)
    expect(studentT975(40)).toBeCloseTo(2.021, 3)
    expect(studentT975(120)).toBeCloseTo(1.98, 3)
  })
})

describe("seedSummary", () => {
  it("gives the mean, the sample standard deviation and the t interval", () => {
    const summary = seedSummary([1, 2, 3])
    expect(summary.mean).toBe(2)
    expect(summary.std).toBe(1)
    const half = 4.3027 / Math.sqrt(3)
    expect(summary.interval?.[0]).toBeCloseTo(2 - half, 9)
    expect(summary.interval?.[1]).toBeCloseTo(2 + half, 9)
  })

  it("leaves the spread undefined with one value", () => {
    expect(seedSummary([0.5])).toEqual({ mean: 0.5, std: null, interval: null })
  })
})

describe("sweepAggregates", () => {
  it("aggregates per setting, counts failed trials, and picks the winner by success then return", () => {
    const rows = [
      row("h=10", 0, 1, -10),
      row("h=10", 1, 0.5, -12),
      row("h=20", 0, 0.75, -5),
      row("h=20", 1, 0.75, -7),
      row("h=30", 0, 0.75, -4),
      { trial: 6, seed: 1, settingId: "h=30", status: "failed", error: "boom", attempts: 3 }
    ]
    const aggregates = sweepAggregates(rows)
    expect(
      aggregates.map((aggregate) => [aggregate.settingId, aggregate.trials, aggregate.failedTrials])
    ).toEqual([
      ["h=10", 2, 0],
      ["h=20", 2, 0],
      ["h=30", 1, 1]
    ])
    expect(aggregates[0]?.successRate.mean).toBe(0.75)
    expect(aggregates[0]?.successRate.std).toBeCloseTo(Math.SQRT1_2 / 2, 12)
    // h=30 ties h=10 and h=20 on success and has the best mean return.
    expect(aggregates.filter((aggregate) => aggregate.wins).map((aggregate) => aggregate.settingId)).toEqual([
      "h=30"
    ])
    expect(aggregates[2]?.successRate.interval).toBeNull()
  })
})
