import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { join, relative } from "node:path"
import { decodeConfigSync } from "@telos/core"
import { envRegistry } from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { main } from "../src/cli/CommandLine.js"
import { RunConfig } from "../src/configurator/RunConfig.js"
import type { RunRow } from "../src/pipeline/Pipeline.js"
import { ensureBuilt, scratchDirectory } from "./fixtures/workspace.js"
import { fakeTerminal, makeTempDir, readResults, removeTempDir, useWasmBackend } from "./fixtures.js"

/** A run small enough for a test: few transitions, a few training steps, two short episodes. */
const tiny = [
  "data.transitions=600",
  "data.episodeLength=30",
  "worldModel.epochs=1",
  "worldModel.stepsPerEpoch=5",
  "worldModel.batchSize=16",
  "levels.trainingSteps=3",
  "levels.batchSize=8",
  "evaluation.episodes=2",
  "actor.iterations=2",
  "actor.warmStartIterations=1",
  "actor.candidates=2",
  "actor.horizon=6",
  "upperActor.candidates=16",
  "upperActor.iterations=1",
  "upperActor.warmStartIterations=1",
  "upperActor.horizon=2",
  "levels.strides=[10]"
].flatMap((setting) => ["--set", setting])

interface Outcome {
  readonly code: number
  readonly out: ReadonlyArray<string>
  readonly error: ReadonlyArray<string>
}

const run = async (argv: ReadonlyArray<string>): Promise<Outcome> => {
  const terminal = fakeTerminal({ TELOS_BACKEND: backend })
  const code = await main(["run", ...argv], terminal.terminal)
  return { code, out: terminal.out, error: terminal.error }
}

/** The table of a run's output: the lines between the blank line and the next blank line. */
const tableOf = (out: ReadonlyArray<string>): ReadonlyArray<string> => {
  const start = out.indexOf("")
  const lines = out.slice(start + 1)
  const end = lines.indexOf("")
  return lines.slice(0, end).flatMap((line) => line.split("\n"))
}

const stageLines = (out: ReadonlyArray<string>): ReadonlyArray<string> =>
  out.filter((line) => line.startsWith("stage "))

/** Every file under `root` with its size and modification time, sorted. */
const listing = async (root: string): Promise<ReadonlyArray<string>> => {
  const entries = await readdir(root, { recursive: true })
  const described = await Promise.all(
    entries.map(async (entry) => {
      const info = await stat(join(root, entry))
      return `${entry} ${info.isDirectory() ? "dir" : info.size} ${info.mtimeMs}`
    })
  )
  return described.sort()
}

interface Stage {
  readonly stage: string
  readonly cached: boolean
  readonly key: string
  readonly figures: Readonly<Record<string, number>>
}

let backend = "cpu"
let previousBackend: string | undefined
let directory = ""
let modules = ""
let cache = ""
let first: Outcome
let firstResults: Record<string, unknown>

beforeAll(async () => {
  // The wasm backend makes the run several times faster than cpu (cpu where wasm cannot load).
  previousBackend = tf.getBackend() as string | undefined
  backend = await useWasmBackend()
  directory = await makeTempDir()
  ensureBuilt()
  modules = await scratchDirectory("run-command-test")
  cache = join(directory, "cache")
  first = await run(["--env", "point-mass", "--cache", cache, "--out", join(directory, "first"), ...tiny])
  firstResults = await readResults(join(directory, "first")).catch(() => ({}))
}, 60_000)

afterAll(async () => {
  await removeTempDir(directory)
  await rm(modules, { recursive: true, force: true })
  if (previousBackend !== undefined && previousBackend !== backend) await tf.setBackend(previousBackend)
})

describe("telos run, end to end", () => {
  it("runs the pipeline, prints a row per agent and records every stage", () => {
    expect(first.error, first.error.join("\n")).toEqual([])
    expect(first.code).toBe(0)
    const table = tableOf(first.out)
    for (const agent of ["random", "ground-truth", "flat", "hierarchical"]) {
      expect(table.some((line) => line.includes("point-mass") && line.includes(` ${agent} `))).toBe(true)
    }
    const rows = firstResults.rows as ReadonlyArray<Record<string, unknown>>
    expect(rows.map((row) => row.agent)).toEqual(["random", "ground-truth", "flat", "hierarchical"])
    expect(rows.map((row) => row.model)).toEqual(["none", "ground-truth", "jepa", "jepa"])
    for (const row of rows) expect(row.episodes).toBe(2)
    const stages = (firstResults.stages as ReadonlyArray<Stage>).map((stage) => stage.stage)
    expect(stages).toEqual([
      "collect",
      "world-model",
      "levels",
      "probe",
      "episodes (random)",
      "episodes (ground-truth)",
      "episodes (flat)",
      "episodes (hierarchical)"
    ])
    for (const stage of firstResults.stages as ReadonlyArray<Stage>) expect(stage.cached).toBe(false)
    expect(stageLines(first.out)).toHaveLength(8)
  })

  it("records the resolved configuration as the protocol", () => {
    const protocol = firstResults.protocol as { env: string; envId: string; config: unknown }
    expect(protocol.env).toBe("point-mass")
    expect(protocol.envId).toBe("point-mass")
    const config = decodeConfigSync(RunConfig, protocol.config, "protocol")
    expect(config.data.transitions).toBe(600)
    expect(config.worldModel.stepsPerEpoch).toBe(5)
    expect(config.evaluation).toEqual({
      episodes: 2,
      agents: ["random", "ground-truth", "flat", "hierarchical"],
      equalCompute: false,
      env: null,
      drawnEpisodes: 0,
      batch: null
    })
    expect(config.cost).toMatchObject({ judgedOn: "probe", dimensions: [0, 1] })
  })

  it("reruns from the cache: every stage cached, the same table and the same rows", async () => {
    const second = await run([
      "--env",
      "point-mass",
      "--cache",
      cache,
      "--out",
      join(directory, "second"),
      ...tiny
    ])
    expect(second.code).toBe(0)
    expect(tableOf(second.out)).toEqual(tableOf(first.out))
    const lines = stageLines(second.out)
    expect(lines).toHaveLength(8)
    for (const line of lines) expect(line).toMatch(/ cached$/)
    const results = await readResults(join(directory, "second"))
    expect(results.rows).toEqual(firstResults.rows)
    const stages = results.stages as ReadonlyArray<Stage>
    expect(stages.every((stage) => stage.cached)).toBe(true)
    expect(stages.map((stage) => stage.key)).toEqual(
      (firstResults.stages as ReadonlyArray<Stage>).map((stage) => stage.key)
    )
  }, 30_000)

  it("a fresh cache rebuilds every stage and prints the same table", async () => {
    const fresh = await run([
      "--env",
      "point-mass",
      "--cache",
      join(directory, "fresh-cache"),
      "--out",
      join(directory, "fresh"),
      ...tiny
    ])
    expect(fresh.code).toBe(0)
    expect(tableOf(fresh.out)).toEqual(tableOf(first.out))
    const stages = (await readResults(join(directory, "fresh"))).stages as ReadonlyArray<Stage>
    expect(stages.map((stage) => stage.cached)).toEqual(stages.map(() => false))
    expect(stages.map((stage) => stage.key)).toEqual(
      (firstResults.stages as ReadonlyArray<Stage>).map((stage) => stage.key)
    )
  }, 30_000)

  it("reruns only the episodes when only the number of episodes changes", async () => {
    const third = await run([
      "--env",
      "point-mass",
      "--cache",
      cache,
      "--out",
      join(directory, "third"),
      ...tiny,
      "--set",
      "evaluation.episodes=1"
    ])
    expect(third.code).toBe(0)
    const stages = (await readResults(join(directory, "third"))).stages as ReadonlyArray<Stage>
    const cached = Object.fromEntries(stages.map((stage) => [stage.stage, stage.cached]))
    expect(cached).toEqual({
      collect: true,
      "world-model": true,
      levels: true,
      probe: true,
      "episodes (random)": false,
      "episodes (ground-truth)": false,
      "episodes (flat)": false,
      "episodes (hierarchical)": false
    })
    const before = firstResults.stages as ReadonlyArray<Stage>
    expect(stages.slice(0, 4).map((stage) => stage.key)).toEqual(before.slice(0, 4).map((stage) => stage.key))
    expect(stages.slice(4).map((stage) => stage.key)).not.toContain(before[4]?.key)
    for (const row of (await readResults(join(directory, "third"))).rows as ReadonlyArray<
      Record<string, unknown>
    >)
      expect(row.episodes).toBe(1)
  }, 30_000)

  it("reruns only the online memory's agents when only the online memory's settings change", async () => {
    const online = (name: string, width: number) =>
      run([
        "--env",
        "point-mass",
        "--cache",
        cache,
        "--out",
        join(directory, name),
        ...tiny,
        "--set",
        'evaluation.agents=["flat","hierarchical","flat+online"]',
        "--set",
        `memory.online.width=${width}`
      ])
    expect((await online("online-a", 3)).code).toBe(0)
    expect((await online("online-b", 7)).code).toBe(0)
    const stages = (await readResults(join(directory, "online-b"))).stages as ReadonlyArray<Stage>
    const cached = Object.fromEntries(stages.map((stage) => [stage.stage, stage.cached]))
    // The flat and hierarchical rows are the first run's own (the online settings are not theirs).
    expect(cached).toMatchObject({
      "episodes (flat)": true,
      "episodes (hierarchical)": true,
      "episodes (flat+online)": false
    })
    const first = Object.fromEntries(
      (firstResults.stages as ReadonlyArray<Stage>).map((stage) => [stage.stage, stage.key])
    )
    expect(stages.find((stage) => stage.stage === "episodes (hierarchical)")?.key).toBe(
      first["episodes (hierarchical)"]
    )
  }, 60_000)

  it("evaluates in evaluation.env: the model of the run's data, the episodes of the other environment", async () => {
    const own = ["--env", "two-rooms", "--cache", cache, ...tiny, "--set", 'evaluation.agents=["flat"]']
    const home = await run([...own, "--out", join(directory, "home")])
    const away = await run([
      ...own,
      "--out",
      join(directory, "away"),
      "--set",
      "evaluation.env=two-rooms-thick-walls"
    ])
    expect(home.code).toBe(0)
    expect(away.code).toBe(0)
    expect(away.out).toContain(
      "telos: agents evaluated in two-rooms-thick-walls (two-rooms-thick-walls, checked)"
    )
    const [homeResults, awayResults] = await Promise.all([
      readResults(join(directory, "home")),
      readResults(join(directory, "away"))
    ])
    const stagesOf = (results: Record<string, unknown>) => results.stages as ReadonlyArray<Stage>
    const keys = (results: Record<string, unknown>) =>
      Object.fromEntries(stagesOf(results).map((stage) => [stage.stage, stage.key]))
    // Data and model are the run's own; only the episodes are new.
    expect(stagesOf(awayResults).map((stage) => [stage.stage, stage.cached])).toEqual([
      ["collect", true],
      ["world-model", true],
      ["episodes (flat)", false]
    ])
    expect(keys(awayResults).collect).toBe(keys(homeResults).collect)
    expect(keys(awayResults)["episodes (flat)"]).not.toBe(keys(homeResults)["episodes (flat)"])
    const rowOf = (results: Record<string, unknown>) => (results.rows as ReadonlyArray<RunRow>)[0] as RunRow
    expect(rowOf(homeResults).env).toBe("two-rooms")
    expect(rowOf(awayResults).env).toBe("two-rooms-thick-walls")
  }, 60_000)

  it("draws the first episodes: the path from the reset on, each level's subgoals, over the environment's picture", async () => {
    const out = join(directory, "drawn")
    const outcome = await run([
      "--env",
      "two-rooms",
      "--cache",
      cache,
      "--out",
      out,
      ...tiny,
      "--set",
      'evaluation.agents=["flat","hierarchical"]',
      "--set",
      "evaluation.drawnEpisodes=1"
    ])
    expect(outcome.code).toBe(0)
    const rows = (await readResults(out)).rows as ReadonlyArray<
      RunRow & { readonly figures: ReadonlyArray<{ readonly path: string; readonly caption: string }> }
    >
    for (const row of rows) {
      const trace = row.traces?.[0]
      expect(row.traces).toHaveLength(1)
      expect(trace?.seed).toBe(0)
      // The reset's position, then one per step.
      const start = envRegistry.get("two-rooms").make().reset({ seed: 0 }).info.position as Float64Array
      expect(trace?.positions[0]).toEqual([start[0], start[1]])
      expect(trace?.positions.length).toBeGreaterThan(1)
      expect(trace?.positions.length).toBeLessThanOrEqual(201)
      expect(trace?.goal).toHaveLength(2)
      expect(typeof trace?.success).toBe("boolean")
      expect(row.figures).toHaveLength(1)
      const svg = await readFile(join(out, row.figures[0]?.path as string), "utf8")
      expect(svg).toContain("<polyline")
      expect(svg).toContain(trace?.success === true ? ">success" : ">failure")
      expect(svg.endsWith("</svg>")).toBe(true)
    }
    const [flat, hierarchical] = rows
    expect(flat?.traces?.[0]?.subgoals).toEqual([])
    const levels = new Set(hierarchical?.traces?.[0]?.subgoals.map((subgoal) => subgoal.level))
    expect([...levels]).toEqual([1])
    expect(await readFile(join(out, "report.md"), "utf8")).toContain(flat?.figures[0]?.path as string)
  }, 60_000)

  it("a linear goal probe refits the probe alone, and the learned agents plan through it", async () => {
    const out = join(directory, "linear-probe")
    const outcome = await run([
      "--env",
      "point-mass",
      "--cache",
      cache,
      "--out",
      out,
      ...tiny,
      "--set",
      "cost.probe=linear",
      "--set",
      'evaluation.agents=["ground-truth","flat"]'
    ])
    expect(outcome.code, outcome.error.join("\n")).toBe(0)
    const stages = (await readResults(out)).stages as ReadonlyArray<Stage>
    const cached = Object.fromEntries(stages.map((stage) => [stage.stage, stage.cached]))
    expect(cached).toMatchObject({
      collect: true,
      "world-model": true,
      probe: false,
      "episodes (flat)": false
    })
    const linear = stages.find((stage) => stage.stage === "probe")
    const quadratic = (firstResults.stages as ReadonlyArray<Stage>).find((stage) => stage.stage === "probe")
    expect(linear?.key).not.toBe(quadratic?.key)
    // The default reads 16 + 136 features of a 16-number latent: it fits at least as well.
    expect(quadratic?.figures.r2).toBeGreaterThanOrEqual((linear?.figures.r2 ?? 1) - 1e-6)
  }, 60_000)

  it("gives the ground truth a memory of the recorded observations, reusing the collected data", async () => {
    const out = join(directory, "truth-memory")
    const outcome = await run([
      "--env",
      "point-mass",
      "--cache",
      cache,
      "--out",
      out,
      ...tiny,
      "--set",
      "memory.landmarks=8",
      "--set",
      'evaluation.agents=["ground-truth","ground-truth+memory"]'
    ])
    expect(outcome.code).toBe(0)
    const results = await readResults(out)
    const stages = results.stages as ReadonlyArray<Stage>
    expect(stages.map((stage) => [stage.stage, stage.cached])).toEqual([
      ["collect", true],
      ["memory (ground-truth)", false],
      ["episodes (ground-truth)", true],
      ["episodes (ground-truth+memory)", false]
    ])
    const rows = results.rows as ReadonlyArray<RunRow>
    expect(rows.map((row) => [row.agent, row.model])).toEqual([
      ["ground-truth", "ground-truth"],
      ["ground-truth+memory", "ground-truth"]
    ])
    expect(stages[1]?.figures.landmarks).toBeGreaterThan(0)
  }, 30_000)

  it("builds the learned model's memory only for a learned agent it serves", async () => {
    const out = join(directory, "truth-memory-beside-flat")
    const outcome = await run([
      "--env",
      "point-mass",
      "--cache",
      cache,
      "--out",
      out,
      ...tiny,
      "--set",
      "memory.landmarks=8",
      "--set",
      'evaluation.agents=["ground-truth+memory","flat"]'
    ])
    expect(outcome.code).toBe(0)
    const stages = ((await readResults(out)).stages as ReadonlyArray<Stage>).map((stage) => stage.stage)
    expect(stages).toContain("memory (ground-truth)")
    expect(stages).not.toContain("memory")
  }, 30_000)

  it("gives an agent the same row whatever its place in the list of agents", async () => {
    const rowOf = async (agents: string, name: string) => {
      const outcome = await run([
        "--env",
        "point-mass",
        "--cache",
        join(directory, `cache-${name}`),
        "--out",
        join(directory, name),
        ...tiny,
        "--set",
        "levels.strides=[]",
        "--set",
        `evaluation.agents=${agents}`
      ])
      expect(outcome.code).toBe(0)
      const rows = (await readResults(join(directory, name))).rows as ReadonlyArray<Record<string, unknown>>
      return rows.find((row) => row.agent === "ground-truth")
    }
    const alone = await rowOf('["ground-truth"]', "alone")
    const second = await rowOf('["flat","ground-truth"]', "listed-second")
    expect(second?.returns).toEqual(alone?.returns)
  }, 60_000)

  it("--print-config prints the resolved configuration as JSON and runs nothing", async () => {
    const before = await listing(cache)
    const printed = await run([
      "--env",
      "grid-doors",
      "--cache",
      cache,
      "--print-config",
      "--set",
      "actor.horizon=12"
    ])
    expect(printed.code).toBe(0)
    expect(printed.error).toEqual([])
    const config = decodeConfigSync(RunConfig, JSON.parse(printed.out.join("\n")), "printed")
    expect(config.env).toBe("grid-doors")
    expect(config.actor).toMatchObject({ planner: "categorical-cem", horizon: 12 })
    expect(await listing(cache)).toEqual(before)
  })

  it("--preset applies a suite's settings to any environment; one that is not a pipeline suite is refused", async () => {
    const printed = await run(["--env", "maze-medium", "--preset", "maze-hier", "--print-config"])
    expect(printed.code).toBe(0)
    const config = decodeConfigSync(RunConfig, JSON.parse(printed.out.join("\n")), "printed")
    expect(config.memory).toMatchObject({ landmarks: 256, passages: { weight: 10 }, routeWeight: 2 })
    expect(config.evaluation.equalCompute).toBe(true)
    const refused = await run(["--env", "point-mass", "--preset", "perf", "--print-config"])
    expect(refused.code).toBe(2)
    expect(refused.error.join("\n")).toMatch(/preset.*maze-hier/)
  })
})

describe("telos run, bad input", () => {
  const cases: ReadonlyArray<{
    readonly case: string
    readonly argv: () => Promise<ReadonlyArray<string>>
    readonly names: ReadonlyArray<string>
  }> = [
    {
      case: "an unknown key via --set",
      argv: async () => ["--env", "point-mass", "--set", "actor.horizn=3"],
      names: ["actor.horizn"]
    },
    {
      case: "a wrong type via --set",
      argv: async () => ["--env", "point-mass", "--set", "actor.horizon=abc"],
      names: ["actor.horizon"]
    },
    {
      case: "strides that are not increasing multiples",
      argv: async () => ["--env", "point-mass", "--set", "levels.strides=[10,15]"],
      names: ["levels.strides[1]"]
    },
    {
      case: "an evaluation environment that perceives otherwise",
      argv: async () => ["--env", "point-mass", "--set", "evaluation.env=two-rooms"],
      names: ["evaluation.env", "[4]", "two-rooms", "[2]"]
    },
    {
      case: "an unknown evaluation environment",
      argv: async () => ["--env", "point-mass", "--set", "evaluation.env=point-mas"],
      names: ['"point-mas"', "point-mass"]
    },
    {
      case: "a malformed --set",
      argv: async () => ["--env", "point-mass", "--set", "a..b=1"],
      names: ["a..b"]
    },
    {
      case: "a missing environment module",
      argv: async () => ["--env", "./does-not-exist.ts"],
      names: ["./does-not-exist.ts"]
    },
    {
      case: "an unknown environment id",
      argv: async () => ["--env", "point-mas"],
      names: ['"point-mas"', "point-mass"]
    },
    {
      case: "an environment module that exports nothing",
      argv: async () => {
        const path = join(modules, "nothing.mjs")
        await writeFile(path, "export const answer = 42\n")
        return ["--env", path]
      },
      names: ["nothing.mjs", "exports no environment"]
    },
    {
      case: "an environment module that throws",
      argv: async () => {
        const path = join(modules, "throws.mjs")
        await writeFile(path, 'throw new Error("no such sensor\\nstack detail")\n')
        return ["--env", path]
      },
      names: ["throws.mjs", "throws while loading", "no such sensor"]
    },
    {
      case: "a config file with an unknown key",
      argv: async () => {
        const path = join(modules, "run.yaml")
        await writeFile(path, "env: point-mass\nactor:\n  horizon: 12\n  horizn: 3\n")
        return ["--config", path]
      },
      names: ["run.yaml", "actor.horizn"]
    },
    {
      case: "a config file that does not parse",
      argv: async () => {
        const path = join(modules, "broken.json")
        await writeFile(path, '{"actor": ')
        return ["--env", "point-mass", "--config", path]
      },
      names: ["broken.json", "JSON"]
    },
    {
      case: "an environment whose observations leave the observation space",
      argv: async () => {
        const path = join(modules, "escapes.mjs")
        await writeFile(
          path,
          `import { Box } from "@telos/core"
import { defineEnv } from "@telos/envs"
export default defineEnv({
  id: "escapes",
  description: "Observes a value outside its own observation space.",
  observationSpace: new Box({ low: -1, high: 1, shape: [2] }),
  actionSpace: new Box({ low: -1, high: 1, shape: [2] }),
  maxEpisodeSteps: 20,
  initialState: () => 0,
  transition: (state) => ({ state: state + 1, reward: 0, terminated: false }),
  observe: () => Float64Array.of(0, 5)
})
`
        )
        return ["--env", path]
      },
      names: ["escapes", "check observation-space failed", "observation[1]"]
    }
  ]

  it.each(cases)("$case: exit 2, one line naming it, the cache untouched", async ({ argv, names }) => {
    const before = await listing(cache)
    expect(before.some((line) => line.includes("stage.json"))).toBe(true)
    const outcome = await run([...(await argv()), "--cache", cache, "--out", join(directory, "rejected")])
    expect(outcome.code).toBe(2)
    expect(outcome.error).toHaveLength(1)
    const line = outcome.error[0] as string
    expect(line).toMatch(/^telos: /)
    expect(line).not.toContain("\n")
    for (const name of names) expect(line).toContain(name)
    expect(await listing(cache)).toEqual(before)
    await expect(stat(join(directory, "rejected"))).rejects.toThrow()
  })

  it("a relative module path is reported as the user wrote it", async () => {
    const path = join(modules, "nothing-relative.mjs")
    await writeFile(path, "export const nothing = null\n")
    const written = relative(process.cwd(), path)
    const outcome = await run(["--env", written.startsWith(".") ? written : `./${written}`, "--cache", cache])
    expect(outcome.code).toBe(2)
    expect(outcome.error[0]).toContain(written)
  })
})
