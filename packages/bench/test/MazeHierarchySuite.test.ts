import { readFile } from "node:fs/promises"
import { join } from "node:path"
import {
  findSuite,
  type MazeHierarchyRow,
  main,
  makeMazeHierarchySuite,
  matchedRestarts,
  mazeHierarchyChecks,
  mazeHierarchySettings
} from "@telos/bench"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fakeTerminal, makeTempDir, readResults, removeTempDir } from "./fixtures.js"

const row = (fields: Partial<MazeHierarchyRow>): MazeHierarchyRow => ({
  env: "maze-medium-pixels",
  planner: "gradient",
  levels: 1,
  seed: 0,
  episodes: 100,
  successRate: 0.5,
  meanReturn: 0,
  meanSteps: 90,
  planMsPerStep: 100,
  landmarks: 300,
  lookahead: 3,
  encoder: "frozen",
  evaluationsPerStep: 3000,
  evaluationsPerLevel: [3000],
  levelErrors: [],
  passageHops: [],
  transitions: 30_000,
  figures: [],
  ...fields
})

describe("the maze-hier suite", () => {
  it("is registered, over every built-in maze, with strides 10 and 40 and 8-dim macro-actions", () => {
    const suite = findSuite("maze-hier")
    expect(suite.columns?.map((column) => column.title)).toEqual(
      expect.arrayContaining(["levels", "memory", "encoder", "success", "predictions/step"])
    )
    expect(mazeHierarchySettings.mazes).toEqual(["u", "four-rooms", "medium", "large"])
    expect(mazeHierarchySettings.levels).toEqual([
      { stride: 10, macroActionSize: 8 },
      { stride: 40, macroActionSize: 8 }
    ])
  })

  it("gives the flat planner the restarts that match a budget of predictions per step", () => {
    const { warmStartIterations, horizon } = mazeHierarchySettings.primitive
    const perRestart = (warmStartIterations + 2) * horizon
    expect(matchedRestarts(16 * perRestart + horizon)).toBe(16)
    expect(matchedRestarts(1)).toBe(1)
  })

  it("checks the medium maze's 2 levels against flat, and whether 3 levels beat 2 on the large one", () => {
    const checks = mazeHierarchyChecks([
      row({ levels: 2, successRate: 0.92 }),
      row({ levels: 1, successRate: 0.6 }),
      row({ levels: 2, successRate: 0.3, landmarks: 0, lookahead: 0 }),
      row({ levels: 1, successRate: 0.25, landmarks: 0, lookahead: 0 }),
      row({ env: "maze-large-pixels", levels: 3, successRate: 0.7 }),
      row({ env: "maze-large-pixels", levels: 2, successRate: 0.6 })
    ])
    expect(checks.map((check) => check.passed)).toEqual([false, true, true])
    expect(checks[1]?.description).toMatch(/maze-medium, memory 3 hops: 2 levels >= 0.9 \(0.92\)/)
    // A flat planner within 0.1 of the hierarchy is not "clearly below".
    expect(
      mazeHierarchyChecks([row({ levels: 2, successRate: 0.95 }), row({ levels: 1, successRate: 0.9 })])[0]
        ?.passed
    ).toBe(false)
  })

  describe("shrunk to one maze and two episodes", () => {
    let directory = ""
    let rows: ReadonlyArray<MazeHierarchyRow> = []
    beforeAll(async () => {
      directory = await makeTempDir()
      const tiny = makeMazeHierarchySuite({
        mazes: ["u"],
        transitions: 1200,
        jepaEpochs: 1,
        jepaStepsPerEpoch: 2,
        levelSteps: 2,
        landmarks: 16,
        levelCounts: [1, 2],
        lookaheads: [3],
        jointMazes: ["u"]
      })
      const terminal = fakeTerminal({ TELOS_BACKEND: "wasm" })
      const argv = ["bench", "--suite", "maze-hier", "--episodes", "2", "--seed", "1", "--out", directory]
      expect(await main(argv, terminal.terminal, [tiny])).toBeLessThanOrEqual(1)
      rows = (await readResults(directory)).rows as ReadonlyArray<MazeHierarchyRow>
    }, 240_000)
    afterAll(async () => {
      await removeTempDir(directory)
    })

    it("runs the hierarchy, the flat planner at its compute, and the jointly trained hierarchy", () => {
      expect(rows.map((entry) => [entry.levels, entry.encoder, entry.lookahead])).toEqual([
        [2, "frozen", 3],
        [1, "frozen", 3],
        [2, "joint", 3]
      ])
      const [hierarchy, flat] = rows as [MazeHierarchyRow, MazeHierarchyRow]
      expect(hierarchy.evaluationsPerLevel).toHaveLength(2)
      expect(hierarchy.levelErrors.map((level) => level.stride)).toEqual([10, 40])
      // Level 1's guardrail reads its hops from the recorded stretches of 10 steps.
      expect(hierarchy.passageHops).toHaveLength(1)
      expect(hierarchy.passageHops[0]).toBeGreaterThanOrEqual(0)
      expect(flat.passageHops).toEqual([])
      expect(flat.planner).toBe(`gradient (${matchedRestarts(hierarchy.evaluationsPerStep)} restarts)`)
      for (const entry of rows) {
        expect(entry.env).toBe("maze-u-pixels")
        expect(entry.episodes).toBe(2)
        expect(entry.evaluationsPerStep).toBeGreaterThan(0)
      }
    })

    it("draws sample episodes with their subgoals on the maze map, and the report shows them", async () => {
      const figures = rows[0]?.figures ?? []
      expect(figures).toHaveLength(mazeHierarchySettings.drawnEpisodes)
      const svg = await readFile(join(directory, figures[0]?.path ?? ""), "utf8")
      expect(svg).toMatch(/^<svg/)
      expect(svg).toContain("executed")
      const report = await readFile(join(directory, "report.md"), "utf8")
      expect(report).toContain(`](${figures[0]?.path})`)
    })
  })
})
