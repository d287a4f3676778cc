import {
  type DiverseMazeCeilingRow,
  diverseMazeCeilingSuite,
  findSuite,
  fixedEpisode,
  makeDiverseMazeCeilingSuite
} from "@telos/bench"
import { diverseMazeSplits, diverseMazeVariants, makeDiverseMaze } from "@telos/envs"
import { describe, expect, it } from "vitest"

const heldOut = (bucket: "short" | "long") =>
  makeDiverseMaze({
    name: `held-out-${bucket}`,
    layouts: diverseMazeSplits.heldOut(),
    pathLength: diverseMazeVariants[`held-out-${bucket}`]?.pathLength ?? { minimum: 1, maximum: 7 },
    observation: "state"
  })

describe("fixedEpisode", () => {
  it("resets to the given start and goal whatever the seed, and steps as the environment does", () => {
    const one = makeDiverseMaze({
      name: "one",
      layouts: [45],
      pathLength: { minimum: 1, maximum: 7 },
      observation: "state"
    })
    const { info: drawn } = heldOut("long").make().reset({ seed: 0 })
    const start = Array.from(one.make().reset({ seed: 1 }).info.position as Float64Array)
    const goal = Array.from(one.make().reset({ seed: 2 }).info.position as Float64Array)
    const env = fixedEpisode(one.make(), start, goal)
    for (const seed of [0, 7]) {
      const { info } = env.reset({ seed })
      expect(Array.from(info.position as Float64Array)).toEqual(start)
      expect(Array.from(info.goal as Float64Array)).toEqual(goal)
    }
    expect(drawn.layout).toBeGreaterThanOrEqual(40)
    const moved = env.step([1, 0]).info.position as Float64Array
    expect(moved[0]).toBeCloseTo((start[0] as number) + 1, 9)
  })
})

describe("the diverse-maze-ceiling suite", () => {
  it("is listed", () => {
    expect(findSuite("diverse-maze-ceiling")).toBe(diverseMazeCeilingSuite)
  })

  it("plays the bucket's own episodes on the true dynamics of each one's layout", async () => {
    const suite = makeDiverseMazeCeilingSuite({
      buckets: ["short"],
      agents: [
        { levels: 1, restarts: 2 },
        { levels: 2, restarts: 2 }
      ],
      // Small actors: the test checks the rows, not the search.
      settings: {
        actor: { iterations: 5, warmStartIterations: 2 },
        upperActor: { candidates: 8, iterations: 1, warmStartIterations: 1, horizon: 4 }
      }
    })
    const rows: Array<DiverseMazeCeilingRow> = []
    for await (const next of suite.run({ episodes: 2, seed: 0, backend: "cpu", progress: () => undefined })) {
      rows.push(next as DiverseMazeCeilingRow)
    }
    expect(rows.map((next) => [next.levels, next.planner])).toEqual([
      [1, "ground-truth"],
      [2, "ground-truth, 2 levels"]
    ])
    for (const row of rows) {
      const env = heldOut("short").make()
      const layouts = new Set([0, 1].map((seed) => env.reset({ seed }).info.layout))
      expect(row).toMatchObject({
        env: "diverse-maze-held-out-short",
        bucket: "short",
        restarts: 2,
        episodes: 2,
        layouts: layouts.size
      })
      // With the true dynamics both short episodes (1-2 blocks apart) are reached, each in a few
      // moves: the budget is 100.
      expect(row.successRate).toBe(1)
      expect(row.meanSteps).toBeGreaterThanOrEqual(1)
      expect(row.meanSteps).toBeLessThan(20)
      expect(row.planMsPerStep).toBeGreaterThan(0)
    }
  }, 120_000)
})
