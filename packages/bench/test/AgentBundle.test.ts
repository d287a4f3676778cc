/**
 * Agent bundles: what `telos run --export` writes is what a run's agents are. The bundle's agents,
 * read back from the folder through the reader a browser uses, play the run's episodes exactly as
 * the pipeline's own agents do; damaged files are refused with typed errors naming them, before
 * anything is allocated; a destination is never silently replaced.
 */
import { cp, mkdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { CheckpointError, ConfigError, InvalidValueError, resolveBackend } from "@telos/core"
import { envRegistry } from "@telos/envs"
import { stallMemoryDefaults } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  agentBundleFiles,
  BundleFolderError,
  bundleIndexFile,
  type EnvSource,
  type ExportedBundle,
  exportAgentBundle,
  loadEnvSource,
  openAgentBundle,
  pipelineSuite,
  type RunConfig,
  type RunRow,
  resolveRunConfig,
  type StageContext
} from "../src/index.js"
import { makeTempDir, removeTempDir, restoreBackendAfterAll } from "./fixtures.js"

/** The native backend (ONNX Runtime's kernels): the pipeline's speed, so two runs fit a test. */
const useNativeBackend = async (): Promise<string> =>
  (await Effect.runPromise(resolveBackend({ preferred: "native", environment: {} }))).name

let directory = ""
let config: RunConfig
let source: EnvSource
let context: StageContext
let exported: ExportedBundle
let bundleFolder = ""

const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected a rejection")
    },
    (error: unknown) => error
  )

restoreBackendAfterAll()

beforeAll(async () => {
  await useNativeBackend()
  directory = await makeTempDir()
  const spec = envRegistry.get("point-mass")
  config = resolveRunConfig(spec, "point-mass", {
    overrides: [
      "data.transitions=1500",
      "worldModel.epochs=1",
      "worldModel.stepsPerEpoch=40",
      "levels.strides=[5]",
      "levels.trainingSteps=40",
      "memory.landmarks=12",
      "evaluation.episodes=2",
      "actor.horizon=8",
      "actor.iterations=3",
      "actor.warmStartIterations=2",
      "actor.candidates=2",
      "upperActor.iterations=2",
      "upperActor.warmStartIterations=1",
      "upperActor.candidates=16",
      'evaluation.agents=["flat","hierarchical+memory","flat+online","random"]'
    ]
  })
  source = await loadEnvSource("point-mass", envRegistry)
  context = {
    config,
    source,
    cache: join(directory, "cache"),
    progress: () => undefined,
    report: () => undefined
  }
  bundleFolder = join(directory, "models", "point-mass")
  exported = await exportAgentBundle(context, bundleFolder, { overwrite: false, backend: "test" })
}, 120_000)

afterAll(async () => {
  await removeTempDir(directory)
})

describe("an exported agent bundle", () => {
  it("holds the learned agents' models, memory and probes, and is listed in the folder's index", async () => {
    expect(exported.manifest.agents).toEqual(["flat", "hierarchical+memory", "flat+online"])
    // The online memory's unit travels with the bundle: the recorded data's median latent step.
    expect(exported.manifest.stepLength).toBeGreaterThan(0)
    expect(exported.manifest.contents).toEqual({
      levels: true,
      memory: true,
      probe: true,
      positions: true,
      decoder: false
    })
    expect(exported.manifest.nodeBackend).toBe("test")
    expect(exported.bytes).toBeGreaterThan(10_000)
    const index = JSON.parse(await readFile(join(directory, "models", bundleIndexFile), "utf8"))
    expect(index.bundles).toEqual([
      expect.objectContaining({
        folder: "point-mass",
        envId: "point-mass",
        agents: ["flat", "hierarchical+memory", "flat+online"]
      })
    ])
  })

  it("plays the run's episodes exactly as the pipeline's agents do", async () => {
    const rows: Array<RunRow> = []
    const suite = pipelineSuite(config, source, { cache: context.cache })
    for await (const row of suite.run({
      backend: "cpu",
      episodes: undefined,
      seed: config.seed,
      progress: () => undefined
    })) {
      rows.push(row as RunRow)
    }
    for (const [index, kind] of exported.manifest.agents.entries()) {
      const run = rows.find((row) => row.agent === kind) as RunRow
      const bundled = exported.rows[index] as (typeof exported.rows)[number]
      expect({ kind, ...pick(bundled) }).toEqual({ kind, ...pick(run) })
      expect(exported.manifest.figures[`node.${kind}.planMsPerStep`]).toBeGreaterThan(0)
    }
  }, 120_000)

  it("reads back with every model freed on dispose", async () => {
    const before = tf.memory().numTensors
    const bundle = await openAgentBundle(bundleFolder)
    expect(bundle.parts.upperModels).toHaveLength(1)
    expect(bundle.positions?.positionOf(new Float32Array(bundle.jepa.config.latentSize))).toHaveLength(2)
    expect(() => bundle.agent("hierarchical")).toThrow(InvalidValueError)
    bundle.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

const pick = (row: {
  readonly successRate: number
  readonly meanReturn: number
  readonly meanSteps: number
}) => ({
  successRate: row.successRate,
  meanReturn: row.meanReturn,
  meanSteps: row.meanSteps
})

/** A copy of the bundle with one file changed by `damage`. */
const damaged = async (
  name: string,
  file: string,
  damage: (bytes: Buffer) => Buffer | string
): Promise<string> => {
  const copy = join(directory, "damaged", name)
  await mkdir(join(directory, "damaged"), { recursive: true })
  await cp(bundleFolder, copy, { recursive: true })
  await writeFile(join(copy, file), damage(await readFile(join(copy, file))))
  return copy
}

describe("a damaged bundle", () => {
  const refused = async (folder: string): Promise<unknown> => {
    const before = tf.memory().numTensors
    const error = await rejection(openAgentBundle(folder))
    expect(tf.memory().numTensors).toBe(before)
    return error
  }

  it("names the tensor whose bytes changed", async () => {
    const folder = await damaged("flip", `${agentBundleFiles.levels}/weights.bin`, (bytes) => {
      bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x40
      return bytes
    })
    const error = await refused(folder)
    expect(error).toBeInstanceOf(CheckpointError)
    expect((error as CheckpointError).problem).toBe("checksum-mismatch")
    expect((error as CheckpointError).path).toContain(join(agentBundleFiles.levels, "weights.bin"))
  })

  it("names the field of a broken manifest, memory or probe", async () => {
    const edit = (change: (json: Record<string, unknown>) => void) => (bytes: Buffer) => {
      const json = JSON.parse(bytes.toString("utf8"))
      change(json)
      return JSON.stringify(json)
    }
    const format = await refused(
      await damaged(
        "format",
        "bundle.json",
        edit((json) => {
          json.format = "zip"
        })
      )
    )
    expect((format as InvalidValueError).field).toContain("format")
    const config = await refused(
      await damaged(
        "config",
        "bundle.json",
        edit((json) => {
          ;(json.config as { seed: unknown }).seed = "zero"
        })
      )
    )
    expect(config).toBeInstanceOf(ConfigError)
    expect(String((config as Error).message)).toContain("seed")
    const memory = await refused(
      await damaged(
        "memory",
        agentBundleFiles.memory,
        edit((json) => {
          json.latentSize = 3
        })
      )
    )
    expect(memory).toBeInstanceOf(InvalidValueError)
    expect((memory as InvalidValueError).field).toContain("memory.json")
    const stepLength = await refused(
      await damaged(
        "step-length",
        "bundle.json",
        edit((json) => {
          json.stepLength = -1
        })
      )
    )
    expect((stepLength as InvalidValueError).field).toContain("stepLength")
    const probe = await refused(await damaged("probe", agentBundleFiles.positions, () => "{ not json"))
    expect((probe as CheckpointError).problem).toBe("bad-json")
  })

  it("opens a bundle written before the online memory existed, with its default settings", async () => {
    const folder = await damaged("before-online", "bundle.json", (bytes) => {
      const json = JSON.parse(bytes.toString("utf8"))
      delete json.config.memory.online
      delete json.stepLength
      json.agents = ["flat"]
      return JSON.stringify(json)
    })
    const bundle = await openAgentBundle(folder)
    expect(bundle.manifest.config.memory.online).toEqual(stallMemoryDefaults)
    expect(bundle.manifest.stepLength).toBeUndefined()
    bundle.dispose()
  })

  it("refuses a folder whose models are missing", async () => {
    const folder = await damaged("missing", "bundle.json", (bytes) => bytes)
    await writeFile(join(folder, agentBundleFiles.worldModel, "metadata.json"), "")
    const error = await refused(folder)
    expect(error).toBeInstanceOf(CheckpointError)
  })
})

describe("the export's destination", () => {
  it("is never replaced unless asked, and never when it holds something else", async () => {
    const taken = await rejection(
      exportAgentBundle(context, bundleFolder, { overwrite: false, backend: "test" })
    )
    expect(taken).toBeInstanceOf(BundleFolderError)
    expect(String((taken as Error).message)).toContain("--overwrite")
    const other = join(directory, "other")
    await mkdir(other)
    await writeFile(join(other, "notes.txt"), "mine")
    const refused = await rejection(exportAgentBundle(context, other, { overwrite: true, backend: "test" }))
    expect(refused).toBeInstanceOf(BundleFolderError)
    expect(await readFile(join(other, "notes.txt"), "utf8")).toBe("mine")
    const again = await exportAgentBundle(context, bundleFolder, { overwrite: true, backend: "again" })
    expect(again.manifest.nodeBackend).toBe("again")
  }, 120_000)
})
