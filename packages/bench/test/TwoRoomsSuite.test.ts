import {
  findSuite,
  guardedSeeds,
  main,
  makeTwoRoomsSuite,
  resolveRunConfig,
  type TwoRoomsRow,
  twoRoomsChecks,
  twoRoomsKeepOut,
  twoRoomsPlanners,
  twoRoomsRunSettings,
  twoRoomsRuns,
  twoRoomsSuiteSettings,
  zoneViolation
} from "@telos/bench"
import { envRegistry } from "@telos/envs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fakeTerminal, makeTempDir, readResults, removeTempDir, restoreBackendAfterAll } from "./fixtures.js"

restoreBackendAfterAll()

const row = (fields: Partial<TwoRoomsRow>): TwoRoomsRow => ({
  env: "two-rooms",
  planner: "ground-truth+memory: cem",
  levels: 1,
  seed: 0,
  episodes: 100,
  successRate: 1,
  meanReturn: 0,
  meanSteps: 30,
  planMsPerStep: 10,
  agent: "ground-truth+memory",
  model: "ground-truth",
  predictionsPerStep: 1000,
  candidates: 256,
  landmarks: 256,
  search: "cem",
  perception: "state",
  guardrail: "none",
  horizon: 16,
  ...fields
})

const withoutMemory = (fields: Partial<TwoRoomsRow>): TwoRoomsRow => {
  const { landmarks: _landmarks, ...rest } = row(fields)
  return rest
}

const guardedConfig = (enforced: boolean) =>
  resolveRunConfig(envRegistry.get("two-rooms"), "two-rooms", {
    preset: { name: "two-rooms", settings: twoRoomsRunSettings },
    file: { guardrail: { ...twoRoomsKeepOut, enforced }, evaluation: { episodes: 20 } }
  })

describe("the two-rooms suite", () => {
  it("is registered with PLDM's protocol and every planner, as runs of the pipeline", () => {
    const suite = findSuite("two-rooms")
    expect(suite.columns?.map((column) => column.title)).toEqual(
      expect.arrayContaining(["model", "planner", "memory", "guardrail", "success", "violations"])
    )
    expect(twoRoomsSuiteSettings).toMatchObject({ episodes: 100, horizon: 16 })
    expect(Object.keys(twoRoomsPlanners)).toEqual([
      "gradient",
      "cem",
      "pldm-mppi",
      "hybrid",
      "random-shooting"
    ])
    const runs = twoRoomsRuns(
      ["point-mass", "ground-truth", "state", "pixels", "no-memory", "guardrail"],
      Object.keys(twoRoomsPlanners)
    )
    // 5 point-mass, 5 two-rooms (ground truth and state JEPA), 1 without memory, 5 pixels,
    // 4 without memory (pixels with ours and PLDM's planner, the ground truth with PLDM's, pixels
    // with a level above), 4 guardrail.
    expect(runs).toHaveLength(24)
    expect(runs.filter((run) => run.fields.guardrail !== "none").map((run) => run.fields)).toEqual([
      { search: "pldm-mppi", perception: "state", guardrail: "measured", horizon: 16 },
      { search: "pldm-mppi", perception: "state", guardrail: "keep-out (hard)", horizon: 16 },
      { search: "pldm-mppi", perception: "pixels", guardrail: "measured", horizon: 16 },
      { search: "pldm-mppi", perception: "pixels", guardrail: "keep-out (hard)", horizon: 16 }
    ])
    const ours = runs.filter(
      (run) =>
        run.fields.search === "pldm-mppi" &&
        run.fields.perception === "pixels" &&
        run.fields.guardrail === "none"
    )
    expect(
      ours.map((run) => (run.settings as { evaluation: { agents: unknown } }).evaluation.agents)
    ).toEqual([["flat+memory"], ["flat", "flat+online"]])
    // The agent kind without "+memory": the landmarks are never consulted.
    const hierarchy = runs.filter((run) =>
      (run.settings as { evaluation: { agents: ReadonlyArray<string> } }).evaluation.agents.includes(
        "hierarchical"
      )
    )
    expect(hierarchy.map((run) => run.fields)).toEqual([
      { search: "gradient", perception: "pixels", guardrail: "none", horizon: 16 }
    ])
    expect(hierarchy[0]?.settings).toMatchObject({
      data: { observations: "pixels" },
      levels: { strides: [20], encoder: "joint" },
      cost: { upperMetric: "distance" },
      upperActor: { planner: "cem", horizon: 16, candidates: 64, initialStd: 1 },
      actor: { planner: "gradient" },
      evaluation: { agents: ["hierarchical", "hierarchical+online"] }
    })
    const pldm = runs.filter((run) => run.fields.search === "pldm-mppi-96")
    expect(pldm.map((run) => run.fields.perception)).toEqual(["pixels", "state"])
    for (const run of pldm) {
      expect(run.settings).toMatchObject({
        actor: { planner: "mppi", horizon: 96, candidates: 2000, iterations: 1, noiseStd: 4 },
        evaluation: { batch: 20 }
      })
    }
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
    expect(config.guardrail.keepOut).toEqual([])
    expect(config.evaluation).toMatchObject({ episodes: 100, agents: ["ground-truth+memory", "flat+memory"] })
  })

  it("checks ground truth >= 0.95 for every planner, the best pixel planner >= 0.9, and zero enforced violations", () => {
    const checks = twoRoomsChecks([
      row({ search: "gradient", successRate: 0.96 }),
      withoutMemory({ search: "pldm-mppi", successRate: 0.5, agent: "ground-truth" }),
      withoutMemory({ env: "point-mass", successRate: 0.9, agent: "ground-truth" }),
      row({ model: "jepa", perception: "pixels", search: "cem", successRate: 0.85 }),
      row({ model: "jepa", perception: "pixels", search: "pldm-mppi", successRate: 0.93 }),
      row({ search: "pldm-mppi", successRate: 0.9, guardrail: "measured", violations: 12 }),
      row({ model: "jepa", perception: "pixels", guardrail: "keep-out (hard)", violations: 0 }),
      row({ guardrail: "keep-out (hard)", violations: 2 })
    ])
    expect(checks.map((check) => check.passed)).toEqual([true, false, true, true, false])
    // The check without memory over our flat pixel row (0.2) and one other pixel row.
    const noMemoryBeside = (other: Partial<TwoRoomsRow>) =>
      twoRoomsChecks([
        withoutMemory({ model: "jepa", perception: "pixels", search: "pldm-mppi", successRate: 0.2 }),
        withoutMemory({ model: "jepa", perception: "pixels", ...other })
      ]).find((check) => check.description.includes("without memory"))
    const noMemory = (successRate: number) =>
      noMemoryBeside({ search: "pldm-mppi-96", horizon: 96, successRate })
    expect(noMemory(0.98)?.passed).toBe(true)
    const withOnline = noMemoryBeside({ search: "pldm-mppi", agent: "flat+online", successRate: 0.99 })
    // The online memory's row is not the row without memory.
    expect(withOnline?.passed).toBe(false)
    expect(noMemory(0.97)?.passed).toBe(false)
    expect(noMemory(0.97)?.description).toContain("pldm-mppi-96, horizon 96")
    expect(noMemory(0.97)?.description).not.toContain("levels")
    // A hierarchy without memory is a row without memory, and the check names its levels.
    const hierarchical = noMemoryBeside({
      search: "gradient",
      agent: "hierarchical",
      levels: 2,
      successRate: 0.985
    })
    expect(hierarchical?.passed).toBe(true)
    expect(hierarchical?.description).toContain("gradient, horizon 16, 2 levels")
    // The row without memory is reported, not checked: it shows why the memory is there.
    expect(checks.some((check) => check.description.includes("0.50"))).toBe(false)
    expect(checks[2]?.description).toContain("pldm-mppi")
  })

  it("keeps guarded episodes' starts and goals clear of the zones, and tells a step inside one", () => {
    const config = guardedConfig(true)
    const seeds = guardedSeeds(config, envRegistry.get("two-rooms"))
    expect(seeds).toHaveLength(20)
    const violates = zoneViolation(config.guardrail, false)
    const env = envRegistry.get("two-rooms").make()
    let skipped = 0
    for (let seed = 0; seed <= (seeds.at(-1) ?? 0); seed++) {
      const { observation, info } = env.reset({ seed })
      const goal = info.goal as Float64Array
      const clear = !violates(info, observation as Float64Array) && !violates(info, goal)
      if (!seeds.includes(seed)) skipped++
      if (seeds.includes(seed)) expect(clear).toBe(true)
    }
    expect(skipped).toBeGreaterThan(0)
    const [zone] = twoRoomsKeepOut.keepOut
    expect(violates({}, Float64Array.from(zone?.center ?? []))).toBe(true)
    // An agent that sees pixels is judged on the position its environment reports.
    const fromPixels = zoneViolation(config.guardrail, true)
    expect(fromPixels({ position: Float64Array.from(zone?.center ?? []) }, new Float32Array(8))).toBe(true)
    expect(() => fromPixels({}, new Float32Array(8))).toThrow(/info.position/)
  })

  it("starts a pixel episode where the state episode of the same seed starts", () => {
    const state = envRegistry.get("two-rooms").make()
    const pixels = envRegistry.get("two-rooms-pixels").make()
    for (const seed of [0, 7, 41]) {
      expect(Array.from(pixels.reset({ seed }).info.position as Float64Array)).toEqual(
        Array.from(state.reset({ seed }).observation as Float64Array)
      )
    }
  })

  describe("shrunk to a few episodes", () => {
    let directory = ""
    let rows: ReadonlyArray<TwoRoomsRow> = []
    beforeAll(async () => {
      directory = await makeTempDir()
      const tiny = makeTwoRoomsSuite({
        sections: ["ground-truth", "guardrail"],
        planners: ["random-shooting"],
        settings: {
          data: { transitions: 3000 },
          worldModel: { epochs: 1, stepsPerEpoch: 2 },
          memory: { landmarks: 48 }
        }
      })
      const terminal = fakeTerminal({ TELOS_BACKEND: "wasm" })
      const argv = ["bench", "--suite", "two-rooms", "--episodes", "2", "--seed", "3", "--out", directory]
      expect(await main(argv, terminal.terminal, [tiny])).toBeLessThanOrEqual(1)
      rows = (await readResults(directory)).rows as ReadonlyArray<TwoRoomsRow>
    }, 180_000)
    afterAll(async () => {
      await removeTempDir(directory)
    })

    it("reports the planner with memory, the planner without, and the guardrail pairs", () => {
      expect(
        rows.map((entry) => [entry.model, entry.perception, entry.landmarks !== undefined, entry.guardrail])
      ).toEqual([
        ["ground-truth", "state", true, "none"],
        ["ground-truth", "state", false, "none"],
        ["ground-truth", "state", true, "measured"],
        ["ground-truth", "state", true, "keep-out (hard)"],
        ["jepa", "pixels", true, "measured"],
        ["jepa", "pixels", true, "keep-out (hard)"]
      ])
      for (const entry of rows) expect(entry.episodes).toBe(2)
      expect(rows[3]?.planner).toContain("(constrained)")
      expect(rows[2]?.planner).not.toContain("(constrained)")
      for (const entry of rows.slice(2)) expect(entry.violations).toBeTypeOf("number")
      expect(rows[0]?.violations).toBeUndefined()
      // The enforced guardrail's memory has dropped the landmarks inside the zones.
      expect(rows[3]?.landmarks).toBeLessThan(rows[2]?.landmarks ?? 0)
      expect(rows[5]?.landmarks).toBeLessThan(rows[4]?.landmarks ?? 0)
    })
  })
})
