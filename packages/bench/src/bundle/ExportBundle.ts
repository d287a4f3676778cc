/**
 * `telos run --export DIR`: a run's learned agents written as an agent bundle (see
 * `AgentBundle`), with the decoder when the configuration trains one (`decoder.epochs`), then read back from the folder exactly as a browser reads it and timed here on
 * the run's evaluation episodes, so that the bundle's figures say what the same agents do in Node.
 *
 * The folder is written whole: into a temporary folder beside it, renamed into place once
 * complete. An existing bundle is replaced only when asked (`overwrite`); anything else there is
 * refused.
 *
 * @module
 */
import { readdir, readFile, rename, rm, stat } from "node:fs/promises"
import { basename, dirname, join, resolve } from "node:path"
import { InvalidValueError, Random } from "@telos/core"
import { saveCheckpoint } from "@telos/worldmodel/node"
import { Data } from "effect"
import { AgentKind, plansWithLearnedModels, type RunConfig } from "../configurator/RunConfig.js"
import { episodeGoal } from "../pipeline/Agents.js"
import type { EnvSource } from "../pipeline/EnvSource.js"
import { learnedParts } from "../pipeline/LearnedParts.js"
import { graphToJson, probeToJson } from "../pipeline/MemoryJson.js"
import { writeStageJson } from "../pipeline/StageCache.js"
import { decoderStage, type StageContext, type StageRecord, type TrainedDecoder } from "../pipeline/Stages.js"
import { runPlanningBenchmark } from "../report/PlanningBenchmark.js"
import type { PlanningRow, SummaryColumn } from "../report/Suite.js"
import {
  type AgentBundleManifest,
  agentBundleFiles,
  agentBundleFormat,
  agentBundleVersion,
  type LoadedAgentBundle,
  parseAgentBundleManifest,
  readAgentBundle
} from "./AgentBundle.js"

/**
 * A bundle folder that cannot be written: something else is there, or a bundle that was not to be
 * replaced.
 *
 * @example
 * ```ts
 * new BundleFolderError({ directory: "web/models/a", detail: "holds files that are not a bundle" }).message
 * ```
 */
export class BundleFolderError extends Data.TaggedError("BundleFolderError")<{
  /** The bundle folder. */
  readonly directory: string
  /** What is in the way. */
  readonly detail: string
}> {
  /** The folder and what is in the way. */
  override get message(): string {
    return `${this.directory}: ${this.detail}`
  }
}

/**
 * What an export made: the bundle's manifest, the stages it used, and each agent's row timed in
 * Node from the bundle read back.
 *
 * @example
 * ```ts
 * const { manifest, rows } = await exportAgentBundle(context, "packages/web/public/models/two-rooms", { overwrite: true })
 * ```
 */
export interface ExportedBundle {
  /** The folder written. */
  readonly directory: string
  /** Its `bundle.json`. */
  readonly manifest: AgentBundleManifest
  /** The stages' records. */
  readonly stages: ReadonlyArray<StageRecord>
  /** One row per agent, from the bundle as written. */
  readonly rows: ReadonlyArray<PlanningRow>
  /** The folder's size in bytes. */
  readonly bytes: number
}

/**
 * Options of {@link exportAgentBundle}.
 *
 * @example
 * ```ts
 * const options: ExportOptions = { overwrite: false, backend: "native" }
 * ```
 */
export interface ExportOptions {
  /** Replace a bundle already in the folder. */
  readonly overwrite: boolean
  /** The backend the Node timings ran on, recorded in the figures. */
  readonly backend: string
  /** Where the agents are timed (`evaluation.env`, from `loadEvaluationSource`); absent: the run's own. */
  readonly evaluationSource?: EnvSource | undefined
}

const folderBytes = async (directory: string): Promise<number> => {
  let total = 0
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name)
    total += entry.isDirectory() ? await folderBytes(path) : (await stat(path)).size
  }
  return total
}

/** Refuses a destination that holds anything but a bundle (or a bundle not to be replaced). */
const requireReplaceable = async (directory: string, overwrite: boolean): Promise<boolean> => {
  let entries: Array<string>
  try {
    entries = await readdir(directory)
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return false
    throw new BundleFolderError({ directory, detail: `cannot be read (${String(error)})` })
  }
  const visible = entries.filter((entry) => !entry.startsWith("."))
  if (visible.length === 0) return false
  if (!visible.includes(agentBundleFiles.manifest)) {
    throw new BundleFolderError({
      directory,
      detail: "holds files that are not an agent bundle; refusing to replace them"
    })
  }
  if (!overwrite) {
    throw new BundleFolderError({
      directory,
      detail: "holds an agent bundle already (--overwrite replaces it)"
    })
  }
  return true
}

/**
 * The name of a folder of bundles' index: one entry per bundle folder in it (what the web app
 * lists).
 *
 * @example
 * ```ts
 * join("packages/web/public/models", bundleIndexFile) // ".../index.json"
 * ```
 */
export const bundleIndexFile = "index.json"

/**
 * Rewrites `index.json` in `parent` from the bundle folders in it (each folder's `bundle.json`,
 * checked; a folder that is not a whole bundle is left out), sorted by folder name.
 *
 * @example
 * ```ts
 * await writeBundleIndex("packages/web/public/models")
 * ```
 */
export const writeBundleIndex = async (parent: string): Promise<void> => {
  const bundles: Array<Record<string, unknown>> = []
  const folders = (await readdir(parent, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort()
  for (const folder of folders) {
    const path = join(parent, folder, agentBundleFiles.manifest)
    let manifest: AgentBundleManifest
    try {
      manifest = parseAgentBundleManifest(JSON.parse(await readFile(path, "utf8")), path)
    } catch {
      continue
    }
    bundles.push({
      folder,
      envId: manifest.envId,
      agents: manifest.agents,
      figures: manifest.figures,
      ...(manifest.nodeBackend === undefined ? {} : { nodeBackend: manifest.nodeBackend }),
      bytes: await folderBytes(join(parent, folder))
    })
  }
  await writeStageJson(parent, bundleIndexFile, { bundles })
}

/** Reads a bundle folder on disk through the same reader a browser's fetch gives. */
export const openAgentBundle = (directory: string): Promise<LoadedAgentBundle> =>
  readAgentBundle(async (path) => {
    const file = join(directory, path)
    return { name: file, bytes: new Uint8Array(await readFile(file)) }
  })

/**
 * The Node rows of a bundle's agents: each on the run's evaluation episodes, with the run's seeds,
 * as `telos run` evaluates them.
 *
 * @example
 * ```ts
 * const rows = evaluateBundle(bundle, context, (kind, step) => undefined)
 * ```
 */
export const evaluateBundle = (
  bundle: LoadedAgentBundle,
  context: Pick<StageContext, "config" | "source">,
  onStep: (kind: AgentKind, step: number) => void = () => undefined
): ReadonlyArray<PlanningRow> => {
  // `context.source` is where the agents act: the run's evaluation environment when it has one.
  const { config, source } = context
  const pixels = config.data.observations === "pixels" ? source.pixels : undefined
  const goalOf = episodeGoal(config, pixels !== undefined)
  return bundle.manifest.agents.map((kind) => ({
    ...runPlanningBenchmark(
      {
        env: source.spec.id,
        makeEnv: () => (pixels ?? source.spec).make(),
        agent: bundle.agent(kind),
        ...(goalOf === undefined ? {} : { goalOf }),
        episodes: config.evaluation.episodes,
        seed: config.seed,
        ...(config.evaluation.batch === null ? {} : { batch: config.evaluation.batch })
      },
      // The run's stream for this agent kind: the bundle's rows are the run's rows.
      Random.fromSeed(config.seed + 1000 * (AgentKind.literals.indexOf(kind) + 1)),
      (step) => onStep(kind, step)
    ),
    agent: kind
  }))
}

/**
 * The columns `telos run --export` prints: the agents' rows from the bundle, with Node's planning
 * time (the figure the browser's is set beside).
 *
 * @example
 * ```ts
 * summaryText(exported.rows, bundleColumns)
 * ```
 */
export const bundleColumns: ReadonlyArray<SummaryColumn> = [
  { title: "env", cell: (row) => String(row.env) },
  { title: "agent", cell: (row) => String(row.agent) },
  { title: "levels", cell: (row) => String(row.levels) },
  { title: "episodes", cell: (row) => String(row.episodes) },
  { title: "success", cell: (row) => (row as PlanningRow).successRate.toFixed(2) },
  { title: "mean steps", cell: (row) => (row as PlanningRow).meanSteps.toFixed(1) },
  { title: "plan ms/step", cell: (row) => (row as PlanningRow).planMsPerStep.toFixed(1) }
]

/**
 * Runs (or reuses) the learned stages of `context.config`'s learned agents, writes them as an
 * agent bundle in `directory`, reads it back from there and times every agent on the run's
 * evaluation episodes (the figures `<agent>.successRate`, `<agent>.planMsPerStep`). Fails with a
 * `BundleFolderError` for a destination holding anything else (or a bundle, unless `overwrite`),
 * an `InvalidValueError` when the configuration has no learned agent.
 *
 * @example
 * ```ts
 * const exported = await exportAgentBundle(context, "packages/web/public/models/two-rooms", { overwrite: true, backend: "native" })
 * exported.rows.map((row) => row.successRate)
 * ```
 */
export const exportAgentBundle = async (
  context: StageContext,
  directory: string,
  options: ExportOptions
): Promise<ExportedBundle> => {
  const { config, source } = context
  const target = resolve(directory)
  const agents = config.evaluation.agents.filter(plansWithLearnedModels)
  if (agents.length === 0) {
    throw new InvalidValueError({
      field: "evaluation.agents",
      expected: "at least one learned agent (flat, hierarchical, ...) to export",
      received: config.evaluation.agents.join(", ")
    })
  }
  const replacing = await requireReplaceable(target, options.overwrite)
  const stages: Array<StageRecord> = []
  const learned = await learnedParts(context, agents, (record) => stages.push(record))
  let trainedDecoder: TrainedDecoder | undefined
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.0.tmp`)
  try {
    const { jepa, levels, parts } = learned
    trainedDecoder = await decoderStage(context, learned.encoderKey, jepa, learned.collected)
    if (trainedDecoder !== undefined) {
      stages.push(trainedDecoder.record)
      await saveCheckpoint(join(temporary, agentBundleFiles.decoder), {
        parameters: trainedDecoder.decoder.parameters,
        config: trainedDecoder.decoder.config
      })
    }
    await saveCheckpoint(join(temporary, agentBundleFiles.worldModel), {
      parameters: jepa.parameters,
      config: jepa.config
    })
    if (levels !== undefined) {
      await saveCheckpoint(join(temporary, agentBundleFiles.levels), {
        parameters: levels.stack.parameters,
        config: levels.stack.config
      })
    }
    if (parts.memory !== undefined)
      await writeStageJson(temporary, agentBundleFiles.memory, graphToJson(parts.memory))
    if (parts.probe !== undefined) {
      await writeStageJson(temporary, agentBundleFiles.probe, probeToJson(parts.probe))
    }
    // The run's own position probe: a guarded run has fitted it already.
    await writeStageJson(temporary, agentBundleFiles.positions, probeToJson(learned.positionProbe()))
    const figures: Record<string, number> = {}
    for (const stage of stages) {
      for (const [name, value] of Object.entries(stage.figures ?? {}))
        figures[`${stage.stage}.${name}`] = value
    }
    const manifest: AgentBundleManifest = {
      format: agentBundleFormat,
      formatVersion: agentBundleVersion,
      envId: source.spec.id,
      config: config as RunConfig,
      agents,
      observationSize: source.spec.definition.observationSpace.size,
      passageHops: parts.passageHops,
      ...(parts.stepLength === undefined ? {} : { stepLength: parts.stepLength }),
      contents: {
        levels: levels !== undefined,
        memory: parts.memory !== undefined,
        probe: parts.probe !== undefined,
        positions: true,
        decoder: trainedDecoder !== undefined
      },
      figures,
      createdAt: new Date().toISOString()
    }
    await writeStageJson(temporary, agentBundleFiles.manifest, manifest)
    // Timed from the files as written, through the reader a browser uses.
    const bundle = await openAgentBundle(temporary)
    let rows: ReadonlyArray<PlanningRow>
    try {
      rows = evaluateBundle(bundle, { config, source: options.evaluationSource ?? source }, (kind, step) =>
        context.progress(`node: ${kind}`, step / source.spec.definition.maxEpisodeSteps)
      )
    } finally {
      bundle.dispose()
    }
    const timed: AgentBundleManifest = {
      ...manifest,
      nodeBackend: options.backend,
      figures: {
        ...figures,
        ...Object.fromEntries(
          rows.flatMap((row, index) => [
            [`node.${agents[index]}.successRate`, row.successRate],
            [`node.${agents[index]}.planMsPerStep`, row.planMsPerStep]
          ])
        )
      }
    }
    await writeStageJson(temporary, agentBundleFiles.manifest, timed)
    if (replacing) await rm(target, { recursive: true, force: true })
    await rename(temporary, target)
    await writeBundleIndex(dirname(target))
    return { directory: target, manifest: timed, stages, rows, bytes: await folderBytes(target) }
  } catch (error) {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined)
    throw error
  } finally {
    trainedDecoder?.decoder.dispose()
    learned.dispose()
  }
}
