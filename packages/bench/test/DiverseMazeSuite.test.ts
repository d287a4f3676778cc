import {
  collectStage,
  type DiverseMazeRow,
  diverseMazeChecks,
  diverseMazeRuns,
  diverseMazeSettings,
  findSuite,
  loadEnvSource,
  suiteRunConfig
} from "@telos/bench"
import { diverseMazeSplits, makeDiverseMaze } from "@telos/envs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTempDir, removeTempDir } from "./fixtures.js"

const row = (fields: Partial<DiverseMazeRow>): DiverseMazeRow => ({
  env: "diverse-maze-held-out-long",
  planner: "gradient",
  levels: 1,
  seed: 0,
  episodes: 40,
  successRate: 0.5,
  meanReturn: 0,
  meanSteps: 50,
  planMsPerStep: 100,
  agent: "flat",
  model: "jepa",
  predictionsPerStep: 3000,
  candidates: 8,
  layouts: 5,
  bucket: "long",
  hierarchy: 2,
  ...fields
})

/** The wall channel of a layout's images: the second of the two 64 x 64 channels. */
const wallChannel = (layout: number): string => {
  const env = makeDiverseMaze({
    name: `only-${layout}`,
    layouts: [layout],
    pathLength: { minimum: 1, maximum: 7 },
    observation: "pixels"
  }).make()
  const image = env.reset({ seed: 0 }).observation
  return Array.from(image.subarray(64 * 64), (value) => (value > 0.5 ? "#" : ".")).join("")
}

let directory = ""
beforeAll(async () => {
  directory = await makeTempDir()
})
afterAll(async () => {
  await removeTempDir(directory)
})

describe("the diverse-maze suite", () => {
  it("is registered: per training set, hierarchy and bucket, a run trained on the set and evaluated in held-out layouts", () => {
    const suite = findSuite("diverse-maze")
    expect(suite.settings).toBe(diverseMazeSettings)
    const runs = diverseMazeRuns()
    expect(runs).toHaveLength(2 * 2 * 3)
    for (const run of runs) {
      expect(run.env).toBe(`diverse-maze-${run.fields.layouts}`)
      expect(run.settings).toMatchObject({
        evaluation: { env: `diverse-maze-held-out-${run.fields.bucket}` },
        levels: { strides: run.fields.hierarchy === 2 ? [5] : [5, 20] }
      })
      // The flat agent is matched to the 2-level hierarchy's compute.
      if (run.fields.hierarchy === 3) {
        expect(run.settings).toMatchObject({
          evaluation: { agents: ["hierarchical", "hierarchical+online"], equalCompute: false }
        })
      }
    }
  })

  it("keeps every held-out layout out of training and memory: the data's images show training layouts only", async () => {
    const heldOut = new Set(diverseMazeSplits.heldOut().map(wallChannel))
    for (const layouts of [5, 20] as const) {
      const run = diverseMazeRuns({ layouts: [layouts], buckets: ["long"], hierarchies: [3] })[0]
      if (run === undefined) throw new Error("no run")
      const source = await loadEnvSource(run.env)
      const config = suiteRunConfig(
        { ...diverseMazeSettings, data: { ...diverseMazeSettings.data, transitions: 3000 } },
        run,
        source,
        { seed: 0, episodes: undefined }
      )
      // No memory at all: none could hold a layout, held out or not.
      expect(config.memory.landmarks).toBe(0)
      // The online memory holds what the episode itself has seen, nothing recorded.
      expect(config.evaluation.agents).toEqual(["hierarchical", "hierarchical+online"])
      const { dataset } = await collectStage({
        config,
        source,
        cache: directory,
        progress: () => undefined,
        report: () => undefined
      })
      // The state observations are positions alone: nothing names a layout.
      expect(dataset.observationSize).toBe(2)
      const [channels, height, width] = dataset.imageShape ?? [0, 0, 0]
      expect([channels, height, width]).toEqual([2, 64, 64])
      const frame = channels * height * width
      const images = dataset.images as Uint8Array
      const seen = new Set<string>()
      for (let start = 0; start < images.length; start += frame) {
        seen.add(
          Array.from(images.subarray(start + height * width, start + frame), (value) =>
            value > 127 ? "#" : "."
          ).join("")
        )
      }
      const training = new Set(diverseMazeSplits.training(layouts).map(wallChannel))
      expect([...seen].every((walls) => training.has(walls))).toBe(true)
      expect([...seen].some((walls) => heldOut.has(walls))).toBe(false)
      // 30 episodes, each in a layout drawn from the set: most of the set is in the data.
      expect(seen.size).toBeGreaterThan(layouts / 2)
    }
  }, 120_000)

  it("checks: two levels at 0.9 over all buckets where flat stays below 0.5 on the long one; three beat two on the long bucket", () => {
    const rows = [
      ...(["short", "medium", "long"] as const).flatMap((bucket) => [
        row({ bucket, agent: "hierarchical", levels: 2, successRate: 0.95 }),
        row({ bucket, agent: "flat", levels: 1, successRate: bucket === "long" ? 0.4 : 0.8 })
      ]),
      row({ bucket: "long", agent: "hierarchical", levels: 3, hierarchy: 3, successRate: 0.97 })
    ]
    expect(diverseMazeChecks(rows).map((check) => check.passed)).toEqual([true, true])
    // The online memory's rows are reported beside them, not judged as the agents without memory.
    const withOnline = [
      ...rows,
      row({ bucket: "long", agent: "flat+online", levels: 1, successRate: 0.9 }),
      row({ bucket: "long", agent: "hierarchical+online", levels: 2, successRate: 0.1 }),
      row({ bucket: "long", agent: "hierarchical+online", levels: 3, hierarchy: 3, successRate: 0.1 })
    ]
    expect(diverseMazeChecks(withOnline).map((check) => check.passed)).toEqual([true, true])
    const weakLong = rows.map((entry) =>
      entry.levels === 2 && entry.bucket === "long" ? { ...entry, successRate: 0.7 } : entry
    )
    // (0.95 + 0.95 + 0.7) / 3 < 0.9; and now three levels beat two by more.
    expect(diverseMazeChecks(weakLong).map((check) => check.passed)).toEqual([false, true])
    const strongFlat = rows.map((entry) =>
      entry.levels === 1 && entry.bucket === "long" ? { ...entry, successRate: 0.6 } : entry
    )
    expect(diverseMazeChecks(strongFlat)[0]?.passed).toBe(false)
    const twoAhead = rows.map((entry) => (entry.levels === 3 ? { ...entry, successRate: 0.9 } : entry))
    expect(diverseMazeChecks(twoAhead)[1]?.passed).toBe(false)
  })
})
