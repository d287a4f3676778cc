import { makeEnvThroughputSuite, measureThroughput, summaryText, type ThroughputRow } from "@telos/bench"
import { EnvRegistry, pendulum, pointMass } from "@telos/envs"
import { describe, expect, it } from "vitest"

const collect = async (iterable: AsyncIterable<unknown>): Promise<Array<ThroughputRow>> => {
  const rows: Array<ThroughputRow> = []
  for await (const row of iterable) rows.push(row as ThroughputRow)
  return rows
}

describe("measureThroughput", () => {
  it.each(["single", "batched", "definition"] as const)("counts %s steps over the timed span", (mode) => {
    const row = measureThroughput(pendulum, mode, 0, 0.02)
    expect(row.env).toBe("pendulum")
    expect(row.mode).toBe(mode)
    expect(row.copies).toBe(mode === "batched" ? 64 : 1)
    expect(row.observationSize).toBe(3)
    expect(row.seconds).toBeGreaterThanOrEqual(0.02)
    expect(row.steps).toBeGreaterThan(0)
    expect(row.stepsPerSecond).toBeCloseTo(row.steps / row.seconds, 6)
  })

  it("keeps stepping across episode ends (point-mass episodes end at 100 steps)", () => {
    const row = measureThroughput(pointMass, "single", 1, 0.02)
    expect(row.steps).toBeGreaterThan(pointMass.definition.maxEpisodeSteps)
  })
})

describe("the envs suite", () => {
  it("yields one row per environment and mode, with its own summary columns", async () => {
    const registry = new EnvRegistry().register(pointMass).register(pendulum)
    const suite = makeEnvThroughputSuite({ registry, seconds: 0.01 })
    const progress: Array<string> = []
    const rows = await collect(
      suite.run({ episodes: undefined, seed: 0, backend: "cpu", progress: (label) => progress.push(label) })
    )
    expect(rows.map((row) => `${row.env} ${row.mode}`)).toEqual([
      "point-mass single",
      "point-mass batched",
      "point-mass definition",
      "pendulum single",
      "pendulum batched",
      "pendulum definition"
    ])
    expect(progress).toEqual(["point-mass", "pendulum"])
    expect(suite.protocol.secondsPerRow).toBe(0.01)
    const table = summaryText(rows, suite.columns).split("\n")
    expect(table[0]).toMatch(/^env\s+mode\s+copies\s+observation size\s+steps\/s$/)
    expect(table).toHaveLength(7)
  })
})
