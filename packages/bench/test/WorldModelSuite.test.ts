import { access } from "node:fs/promises"
import { join } from "node:path"
import {
  findSuite,
  main,
  makeWorldModelSuite,
  type WorldModelRow,
  worldModelChecks,
  worldModelSuitePlans
} from "@telos/bench"
import { disposeWeights, loadCheckpoint } from "@telos/worldmodel/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fakeTerminal, makeTempDir, readResults, removeTempDir, restoreBackendAfterAll } from "./fixtures.js"

restoreBackendAfterAll()

describe("the worldmodel suite", () => {
  it("is registered, with plans sized for a few minutes", () => {
    const suite = findSuite("worldmodel")
    expect(suite.columns?.map((column) => column.title)).toContain("probe R^2")
    expect(worldModelSuitePlans.state).toMatchObject({ epochs: 3, stepsPerEpoch: 100, batchSize: 64 })
    expect(worldModelSuitePlans.pixels).toMatchObject({ epochs: 5, stepsPerEpoch: 125, batchSize: 32 })
  })

  it("checks each model's probe R^2 against its own target", () => {
    const checks = worldModelChecks([
      { env: "two-rooms", obs: "state", probeR2: 0.96 },
      { env: "two-rooms", obs: "pixels", probeR2: 0.85 }
    ])
    expect(checks).toEqual([
      { description: "two-rooms state: probe R^2 >= 0.95 (0.960)", passed: true },
      { description: "two-rooms pixels: probe R^2 >= 0.9 (0.850)", passed: false }
    ])
  })

  describe("shrunk to a few steps", () => {
    let directory = ""
    let rows: ReadonlyArray<WorldModelRow> = []
    let terminal = fakeTerminal()
    beforeAll(async () => {
      directory = await makeTempDir()
      const tiny = makeWorldModelSuite({
        epochs: 1,
        stepsPerEpoch: 2,
        batchSize: 8,
        rolloutSteps: 2,
        evaluationSamples: 24
      })
      terminal = fakeTerminal({ TELOS_BACKEND: "wasm" })
      // --episodes 3 scales each dataset to 3 episodes of 200 steps.
      const argv = ["bench", "--suite", "worldmodel", "--episodes", "3", "--seed", "4", "--out", directory]
      expect(await main(argv, terminal.terminal, [tiny])).toBe(0)
      rows = (await readResults(directory)).rows as ReadonlyArray<WorldModelRow>
    })
    afterAll(async () => {
      await removeTempDir(directory)
    })

    it("reports a row per model with every figure", () => {
      expect(rows.map((row) => [row.env, row.obs])).toEqual([
        ["two-rooms", "state"],
        ["two-rooms", "pixels"]
      ])
      for (const row of rows) {
        expect(row).toMatchObject({
          transitions: 600,
          epochs: 1,
          steps: 2,
          batchSize: 8,
          rolloutSteps: 2,
          seed: 4
        })
        for (const field of [
          "probeR2",
          "effectiveRank",
          "meanStd",
          "minimumStd",
          "predictionError1",
          "predictionError4",
          "predictionError16",
          "relativePredictionError1",
          "relativePredictionError4",
          "relativePredictionError16",
          "samplesPerSecond",
          "trainSeconds",
          "collectSeconds"
        ] as const) {
          expect(row[field], field).toEqual(expect.any(Number))
          expect(Number.isFinite(row[field]), field).toBe(true)
        }
        expect(row.effectiveRank).toBeGreaterThanOrEqual(1)
        expect(row.samplesPerSecond).toBeGreaterThan(0)
        expect(row.history.map((epoch) => epoch.epoch)).toEqual([1])
      }
    })

    it("keeps its datasets and checkpoints in the stage cache of the run directory", async () => {
      for (const observations of ["state", "pixels"]) {
        const row = rows.find((candidate) => candidate.obs === observations) as WorldModelRow
        expect(row.dataset.startsWith(join(directory, "cache", "collect"))).toBe(true)
        await access(row.dataset)
        const loaded = await loadCheckpoint(row.checkpoint)
        disposeWeights(loaded.weights)
        expect(loaded.metadata).toMatchObject({ epoch: 1, dataset: { envId: "two-rooms", transitions: 600 } })
        expect((loaded.config.observation as { kind: string }).kind).toBe(
          observations === "state" ? "vector" : "image"
        )
      }
    })

    it("prints its summary table and a check per model", () => {
      const header = terminal.out.find((line) => line.startsWith("env "))
      expect(header).toContain("rel. error 1/4/16")
      expect(
        terminal.out.filter((line) => /^(PASS|FAIL) {2}two-rooms (state|pixels): probe R\^2/.test(line))
      ).toHaveLength(2)
    })
  })
})
