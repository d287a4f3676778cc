import {
  findSuite,
  loadEnvSource,
  type MazeHierarchyRow,
  main,
  makeMazeHierarchySuite,
  matchedRestarts,
  mazeHierarchyChecks,
  mazeHierarchyRuns,
  mazeHierarchySettings,
  type SuiteRun,
  suiteRunConfig
} from "@telos/bench"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fakeTerminal, makeTempDir, readResults, removeTempDir, restoreBackendAfterAll } from "./fixtures.js"

restoreBackendAfterAll()

const row = (fields: Partial<MazeHierarchyRow>): MazeHierarchyRow => ({
  env: "maze-medium",
  planner: "gradient",
  levels: 1,
  seed: 0,
  episodes: 100,
  successRate: 0.5,
  meanReturn: 0,
  meanSteps: 90,
  planMsPerStep: 100,
  agent: "flat+memory",
  model: "jepa",
  predictionsPerStep: 3000,
  candidates: 8,
  maze: "medium",
  lookahead: 3,
  encoder: "frozen",
  ...fields
})

describe("the maze-hier suite", () => {
  it("is registered, runs the pipeline on every built-in maze, and lends its settings as a preset", () => {
    const suite = findSuite("maze-hier")
    expect(suite.columns?.map((column) => column.title)).toEqual(
      expect.arrayContaining(["memory", "encoder", "agent", "levels", "success", "predictions/step"])
    )
    expect(suite.settings).toBe(mazeHierarchySettings)
    const runs = mazeHierarchyRuns()
    expect(new Set(runs.map((run) => run.env))).toEqual(
      new Set(["maze-u", "maze-four-rooms", "maze-medium", "maze-large"])
    )
    // Per maze: 3 lookaheads x (2 and 3 levels); the medium maze also its joint encoder.
    expect(runs).toHaveLength(4 * 3 * 2 + 1)
    const large = runs.find((run) => run.env === "maze-large")
    expect(large?.settings).toMatchObject({ data: { episodeLength: 250 } })
    const threeLevels = runs.find(
      (run) => (run.settings.levels as { strides: ReadonlyArray<number> }).strides.length === 2
    )
    // Flat planning is matched to the 2-level hierarchy; the 3-level run has no flat agent.
    expect(threeLevels?.settings).toMatchObject({
      evaluation: { agents: ["hierarchical"], equalCompute: false }
    })
  })

  it("gives the flat planner the restarts that match a budget of predictions per step", () => {
    const actor = {
      planner: "gradient",
      horizon: 16,
      iterations: 20,
      warmStartIterations: 10,
      candidates: 8,
      replanInterval: null
    } as const
    const perRestart = (actor.warmStartIterations + 2) * actor.horizon
    expect(matchedRestarts(actor, 16 * perRestart + actor.horizon)).toBe(16)
    expect(matchedRestarts(actor, 1)).toBe(1)
  })

  it("checks the medium maze's 2 levels against flat, and whether 3 levels beat 2 on the large one", () => {
    const checks = mazeHierarchyChecks([
      row({ levels: 2, successRate: 0.92 }),
      row({ levels: 1, successRate: 0.6 }),
      row({ levels: 2, successRate: 0.3, lookahead: 0 }),
      row({ levels: 1, successRate: 0.25, lookahead: 0 }),
      row({ maze: "large", levels: 3, successRate: 0.7 }),
      row({ maze: "large", levels: 2, successRate: 0.6 })
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
    const tinyOptions = { mazes: ["u"], levelCounts: [2], lookaheads: [3], jointMazes: ["u"] } as const
    const tinySettings = {
      data: { transitions: 1200 },
      worldModel: { epochs: 1, stepsPerEpoch: 2 },
      levels: { trainingSteps: 2 },
      memory: { landmarks: 16 },
      // The rows' shape is checked here, not how well they plan: small planners keep the six
      // 100-step episodes to seconds.
      actor: { horizon: 4, iterations: 2, warmStartIterations: 1, candidates: 2 },
      upperActor: { horizon: 2, iterations: 1, warmStartIterations: 1, candidates: 16 }
    }
    const runs = mazeHierarchyRuns({ ...tinyOptions, settings: tinySettings })
    let directory = ""
    let rows: ReadonlyArray<MazeHierarchyRow> = []
    beforeAll(async () => {
      directory = await makeTempDir()
      const tiny = makeMazeHierarchySuite({ ...tinyOptions, settings: tinySettings })
      const terminal = fakeTerminal({ TELOS_BACKEND: "wasm" })
      const argv = ["bench", "--suite", "maze-hier", "--episodes", "2", "--seed", "1", "--out", directory]
      expect(await main(argv, terminal.terminal, [tiny])).toBeLessThanOrEqual(1)
      rows = (await readResults(directory)).rows as ReadonlyArray<MazeHierarchyRow>
    }, 240_000)
    afterAll(async () => {
      await removeTempDir(directory)
    })

    it("runs the hierarchy, the flat planner at its compute, and the jointly trained hierarchy", async () => {
      expect(rows.map((entry) => [entry.agent, entry.levels, entry.encoder, entry.lookahead])).toEqual([
        ["hierarchical+memory", 2, "frozen", 3],
        ["flat+memory", 1, "frozen", 3],
        ["hierarchical+memory", 2, "joint", 3]
      ])
      const [hierarchy, flat] = rows as [MazeHierarchyRow, MazeHierarchyRow]
      const run = runs[0] as SuiteRun<object>
      const config = suiteRunConfig(mazeHierarchySettings, run, await loadEnvSource(run.env), {
        seed: 1,
        episodes: 2
      })
      expect(flat.candidates).toBe(matchedRestarts(config.actor, hierarchy.predictionsPerStep))
      for (const entry of rows) {
        expect(entry.env).toBe("maze-u")
        expect(entry.episodes).toBe(2)
        expect(entry.predictionsPerStep).toBeGreaterThan(0)
      }
    })
  })
})
