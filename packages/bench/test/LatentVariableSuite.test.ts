import { type LatentVariableRow, latentVariableChecks, makeLatentVariableSuite } from "@telos/bench"
import { describe, expect, it } from "vitest"

const row = (
  model: LatentVariableRow["model"],
  typicalError: number,
  bestOfKError: number
): LatentVariableRow => ({
  env: "two-rooms-wind",
  model,
  latentVariableSize: model === "deterministic" ? 0 : 2,
  steps: 10,
  typicalError,
  bestOfKError,
  posteriorError: bestOfKError / 2,
  candidates: 8,
  horizon: 8,
  trainSeconds: 1
})

describe("latentVariableChecks", () => {
  it("passes only when the best of K is under three quarters of the deterministic error", () => {
    expect(
      latentVariableChecks([row("deterministic", 1, 1), row("latent-variable", 2, 0.74)])[0]?.passed
    ).toBe(true)
    expect(
      latentVariableChecks([row("deterministic", 1, 1), row("latent-variable", 0.5, 0.75)])[0]?.passed
    ).toBe(false)
    expect(latentVariableChecks([row("latent-variable", 1, 0.1)])[0]?.passed).toBe(false)
  })
})

describe("the worldmodel-wind suite", () => {
  it("trains a deterministic and a latent-variable model and reports their coverage", async () => {
    const suite = makeLatentVariableSuite({ transitions: 1200, steps: 4, horizon: 4, candidates: 3 })
    const rows: Array<LatentVariableRow> = []
    for await (const next of suite.run({
      episodes: undefined,
      seed: 0,
      backend: "cpu",
      progress: () => undefined
    })) {
      rows.push(next as LatentVariableRow)
    }
    expect(rows.map((next) => next.model)).toEqual(["deterministic", "latent-variable"])
    const [deterministic, latent] = rows as [LatentVariableRow, LatentVariableRow]
    expect(deterministic.bestOfKError).toBe(deterministic.typicalError)
    expect(latent.bestOfKError).toBeGreaterThanOrEqual(0)
    for (const next of rows) {
      expect(Number.isFinite(next.posteriorError)).toBe(true)
      expect(next.horizon).toBe(4)
      expect(next.candidates).toBe(3)
    }
  }, 60_000)
})
