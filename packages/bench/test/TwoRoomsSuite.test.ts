import {
  findSuite,
  guardedSeeds,
  insideKeepOut,
  main,
  makeTwoRoomsSuite,
  resolveRunConfig,
  type TwoRoomsRow,
  twoRoomsChecks,
  twoRoomsPlanners,
  twoRoomsRunSettings,
  twoRoomsSuiteSettings
} from "@telos/bench"
import { envRegistry, twoRooms } from "@telos/envs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fakeTerminal, makeTempDir, readResults, removeTempDir } from "./fixtures.js"

const row = (fields: Partial<TwoRoomsRow>): TwoRoomsRow => ({
  env: "two-rooms",
  planner: "cem",
  levels: 1,
  seed: 0,
  episodes: 100,
  successRate: 1,
  meanReturn: 0,
  meanSteps: 30,
  planMsPerStep: 10,
  model: "ground-truth",
  landmarks: 256,
  guardrail: "none",
  transitions: 20_000,
  ...fields
})

describe("the two-rooms suite", () => {
  it("is registered with PLDM's protocol and every planner", () => {
    const suite = findSuite("two-rooms")
    expect(suite.columns?.map((column) => column.title)).toEqual(
      expect.arrayContaining(["model", "planner", "memory", "guardrail", "success", "violations"])
    )
    expect(twoRoomsSuiteSettings).toMatchObject({ episodes: 100, horizon: 16 })
    expect(twoRoomsPlanners().map((planner) => planner.name)).toEqual([
      "gradient",
      "cem",
      "pldm-mppi",
      "cem + gradient",
      "random-shooting"
    ])
  })

  it("lends its protocol as a preset: the suite's data, horizon and memory, the ground truth and the JEPA", () => {
    expect(findSuite("two-rooms").settings).toBe(twoRoomsRunSettings)
    const config = resolveRunConfig(envRegistry.get("two-rooms"), "two-rooms", {
      preset: { name: "two-rooms", settings: twoRoomsRunSettings }
    })
    expect(config.data.transitions).toBe(twoRoomsSuiteSettings.transitions)
    expect(config.actor.horizon).toBe(twoRoomsSuiteSettings.horizon)
    expect(config.memory).toMatchObject({
      landmarks: twoRoomsSuiteSettings.landmarks,
      lookahead: twoRoomsSuiteSettings.lookahead
    })
    expect(config.levels.strides).toEqual([])
    expect(config.evaluation).toMatchObject({ episodes: 100, agents: ["ground-truth+memory", "flat+memory"] })
  })

  it("checks ground truth >= 0.95 for every planner, the best pixel planner >= 0.9, and zero guarded violations", () => {
    const checks = twoRoomsChecks([
      row({ planner: "gradient", successRate: 0.96 }),
      row({ planner: "pldm-mppi", successRate: 0.5, landmarks: 0 }),
      row({ env: "point-mass", landmarks: 0, successRate: 0.9 }),
      row({ model: "jepa-pixels", planner: "cem", successRate: 0.85 }),
      row({ model: "jepa-pixels", planner: "pldm-mppi", successRate: 0.93 }),
      row({ model: "ground-truth", planner: "pldm-mppi", successRate: 0.9, violations: 12 }),
      row({ model: "jepa-pixels", guardrail: "keep-out (hard)", violations: 0 }),
      row({ model: "ground-truth", guardrail: "keep-out (hard)", violations: 2 })
    ])
    expect(checks.map((check) => check.passed)).toEqual([true, false, true, true, false])
    // The row without memory is reported, not checked: it shows why the memory is there.
    expect(checks.some((check) => check.description.includes("0.50"))).toBe(false)
    expect(checks[2]?.description).toContain("pldm-mppi")
  })

  it("keeps guarded episodes' starts and goals clear of the zones, and tells a step inside one", () => {
    const seeds = guardedSeeds(() => twoRooms.make(), 0, 20)
    expect(seeds).toHaveLength(20)
    const env = twoRooms.make()
    for (const seed of seeds) {
      const { info } = env.reset({ seed })
      expect(insideKeepOut(info)).toBe(false)
    }
    const [zone] = twoRoomsSuiteSettings.keepOut.zones
    expect(insideKeepOut({ position: Float64Array.from(zone?.center ?? []) })).toBe(true)
  })

  describe("shrunk to a few episodes", () => {
    let directory = ""
    let rows: ReadonlyArray<TwoRoomsRow> = []
    beforeAll(async () => {
      directory = await makeTempDir()
      const tiny = makeTwoRoomsSuite({
        sections: ["ground-truth", "guardrail"],
        transitions: 3000,
        epochs: 1,
        stepsPerEpoch: 2,
        landmarks: 48,
        planners: ["random-shooting"]
      })
      const terminal = fakeTerminal({ TELOS_BACKEND: "wasm" })
      const argv = ["bench", "--suite", "two-rooms", "--episodes", "2", "--seed", "3", "--out", directory]
      expect(await main(argv, terminal.terminal, [tiny])).toBeLessThanOrEqual(1)
      rows = (await readResults(directory)).rows as ReadonlyArray<TwoRoomsRow>
    })
    afterAll(async () => {
      await removeTempDir(directory)
    })

    it("reports the planner with memory, the planner without, and the guardrail pair", () => {
      expect(rows.map((entry) => [entry.model, entry.planner, entry.landmarks > 0, entry.guardrail])).toEqual(
        [
          ["ground-truth", "random-shooting", true, "none"],
          ["ground-truth", "random-shooting", false, "none"],
          ["ground-truth", "random-shooting", true, "none"],
          ["ground-truth", "random-shooting (constrained)", true, "keep-out (hard)"]
        ]
      )
      for (const entry of rows) {
        expect(entry.episodes).toBe(2)
        if (entry.landmarks > 0) expect(entry.transitions).toBeGreaterThanOrEqual(2999)
      }
      expect(rows[3]?.violations).toBeTypeOf("number")
      // The guarded memory has dropped the landmarks inside the zones.
      expect(rows[3]?.landmarks).toBeLessThan(rows[2]?.landmarks ?? 0)
    })
  })
})
