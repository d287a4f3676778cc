/**
 * An agent bundle: everything a learned agent is made of, as files a web server can serve — the
 * run's configuration, the JEPA, its levels, the landmark memory, the goal probe, a position probe
 * (for drawing predictions on the map) and, when trained, the decoder that turns latents back into
 * images. `telos export` writes one from the pipeline's cached stages; `readAgentBundle` reads one
 * anywhere (Node or a browser) through the same checks as every checkpoint, and rebuilds the
 * agents exactly as a run makes them.
 *
 * Layout of a bundle folder:
 *
 * - `bundle.json`: the {@link AgentBundleManifest};
 * - `world-model/`: the JEPA the agents perceive with (a checkpoint folder);
 * - `levels/`: the levels above it (a checkpoint folder), when there are any;
 * - `memory.json`, `probe.json`, `positions.json`: when the run has them;
 * - `decoder/`: the decoder (a checkpoint folder), when one was trained.
 *
 * @module
 */
import { decodeConfigSync, InvalidValueError } from "@telos/core"
import { type Agent, type LandmarkGraph, type LatentProbe, stallMemoryDefaults } from "@telos/planner"
import {
  type CheckpointFile,
  checkpointFiles,
  createDecoder,
  createJepa,
  createLevelStack,
  type Decoder,
  decodeCheckpointFiles,
  type Fetcher,
  fetchFileBytes,
  type JepaModel,
  type LevelStack,
  type LevelStackConfig,
  modelFromCheckpoint,
  type ParameterSet,
  parseJsonFile
} from "@telos/worldmodel"
import { AgentKind, RunConfig } from "../configurator/RunConfig.js"
import { type AgentParts, agentOf } from "../pipeline/Agents.js"
import { guarded } from "../pipeline/Guardrail.js"
import { type PositionProbe, positionProbeOf } from "../pipeline/LatentMemory.js"
import { graphFromJson, probeFromJson } from "../pipeline/MemoryJson.js"

/**
 * The value of `format` in `bundle.json`.
 *
 * @example
 * ```ts
 * manifest.format === agentBundleFormat // "telos-agent-bundle"
 * ```
 */
export const agentBundleFormat = "telos-agent-bundle"

/**
 * The `formatVersion` this code writes and reads.
 *
 * @example
 * ```ts
 * manifest.formatVersion === agentBundleVersion // 1
 * ```
 */
export const agentBundleVersion = 1

/**
 * The names of a bundle's files and folders.
 *
 * @example
 * ```ts
 * `${url}/${agentBundleFiles.manifest}` // ".../bundle.json"
 * ```
 */
export const agentBundleFiles = {
  /** The manifest. */
  manifest: "bundle.json",
  /** The JEPA's checkpoint folder. */
  worldModel: "world-model",
  /** The levels' checkpoint folder. */
  levels: "levels",
  /** The landmark memory. */
  memory: "memory.json",
  /** The goal probe. */
  probe: "probe.json",
  /** The position probe. */
  positions: "positions.json",
  /** The decoder's checkpoint folder. */
  decoder: "decoder"
} as const

/**
 * Which of a bundle's optional parts it holds.
 *
 * @example
 * ```ts
 * const parts: AgentBundleContents = { levels: true, memory: true, probe: false, positions: true, decoder: true }
 * ```
 */
export interface AgentBundleContents {
  /** `levels/`. */
  readonly levels: boolean
  /** `memory.json`. */
  readonly memory: boolean
  /** `probe.json`. */
  readonly probe: boolean
  /** `positions.json`. */
  readonly positions: boolean
  /** `decoder/`. */
  readonly decoder: boolean
}

/**
 * `bundle.json`: what the bundle is and how it was made.
 *
 * @example
 * ```ts
 * manifest.envId // "two-rooms"
 * manifest.agents // ["flat+memory", "hierarchical"]
 * ```
 */
export interface AgentBundleManifest {
  /** {@link agentBundleFormat}. */
  readonly format: typeof agentBundleFormat
  /** {@link agentBundleVersion}. */
  readonly formatVersion: number
  /** The environment the models were trained on (a registered id). */
  readonly envId: string
  /** The run's whole resolved configuration. */
  readonly config: RunConfig
  /** The learned agents the bundle can make. */
  readonly agents: ReadonlyArray<AgentKind>
  /** Numbers in one observation of the environment. */
  readonly observationSize: number
  /** Per level above 0, the landmark hops a macro-step may span (empty: no passage guardrail). */
  readonly passageHops: ReadonlyArray<number>
  /** The median recorded step of the latent, for the `+online` agents' memory (absent without them). */
  readonly stepLength?: number
  /** Which optional parts are present. */
  readonly contents: AgentBundleContents
  /** Figures measured when it was made: stage figures, reconstruction error, Node's planning time. */
  readonly figures: Readonly<Record<string, number>>
  /** ISO 8601. */
  readonly createdAt: string
  /** The backend the Node figures (`node.<agent>.*`) were measured on. */
  readonly nodeBackend?: string | undefined
}

/**
 * Reads one file of a bundle by its path inside the bundle (`world-model/model.json`), as a path
 * or URL for messages and its bytes.
 *
 * @example
 * ```ts
 * const reader: BundleReader = (path) => fetchFileBytes(`models/two-rooms/${path}`)
 * ```
 */
export type BundleReader = (path: string) => Promise<CheckpointFile>

/**
 * A bundle read and rebuilt: its models, and the agents made of them.
 *
 * @example
 * ```ts
 * const bundle = await fetchAgentBundle("models/two-rooms")
 * const agent = bundle.agent("flat+memory")
 * bundle.dispose()
 * ```
 */
export interface LoadedAgentBundle {
  /** `bundle.json`. */
  readonly manifest: AgentBundleManifest
  /** The JEPA the agents perceive with. */
  readonly jepa: JepaModel
  /** The levels above it; `undefined` without any. */
  readonly levels: LevelStack | undefined
  /** The parts every agent of the bundle is made of. */
  readonly parts: AgentParts
  /** Positions `[x, y]` read from a latent; `undefined` when the bundle has no position probe. */
  readonly positions: PositionProbe | undefined
  /** The decoder from latents to images; `undefined` when none was trained. */
  readonly decoder: Decoder | undefined
  /** One of the bundle's agents, as a run makes it; `extra` adds hooks (`onSubgoals`, `onPlan`) to the parts. */
  agent(kind: AgentKind, extra?: Partial<Pick<AgentParts, "onSubgoals" | "onPlan">>): Agent
  /** Frees every model. */
  dispose(): void
}

const fail = (field: string, expected: string, received: unknown): never => {
  throw new InvalidValueError({ field, expected, received: String(received) })
}

// Bundles written before the online memory existed have no settings for it (nor agents using it).
const withOnlineMemory = (config: unknown): unknown => {
  if (typeof config !== "object" || config === null) return config
  const memory = (config as Record<string, unknown>).memory
  if (typeof memory !== "object" || memory === null || "online" in memory) return config
  return { ...config, memory: { ...memory, online: stallMemoryDefaults } }
}

/**
 * Checks a parsed `bundle.json`: its format and version, the configuration (decoded as `telos run`
 * decodes one), the agents, sizes and figures. A wrong field is an `InvalidValueError` naming it
 * (a configuration's, a `ConfigError` listing its issues).
 *
 * @example
 * ```ts
 * const manifest = parseAgentBundleManifest(JSON.parse(text), "models/two-rooms/bundle.json")
 * ```
 */
export const parseAgentBundleManifest = (value: unknown, source: string): AgentBundleManifest => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(source, "a JSON object", Array.isArray(value) ? "an array" : value)
  }
  const json = value as Record<string, unknown>
  if (json.format !== agentBundleFormat)
    fail(`${source}: format`, `"${agentBundleFormat}"`, JSON.stringify(json.format))
  if (json.formatVersion !== agentBundleVersion) {
    fail(
      `${source}: formatVersion`,
      `${agentBundleVersion} (a bundle this version of telos reads)`,
      json.formatVersion
    )
  }
  if (typeof json.envId !== "string" || json.envId.length === 0)
    fail(`${source}: envId`, "an environment id", json.envId)
  const config = decodeConfigSync(RunConfig, withOnlineMemory(json.config), `${source}: config`)
  if (!Array.isArray(json.agents) || json.agents.length === 0) {
    fail(`${source}: agents`, "a non-empty array of agent kinds", json.agents)
  }
  const agents = (json.agents as Array<unknown>).map((kind, index) =>
    typeof kind === "string" && (AgentKind.literals as ReadonlyArray<string>).includes(kind)
      ? (kind as AgentKind)
      : fail(`${source}: agents[${index}]`, `one of ${AgentKind.literals.join(", ")}`, JSON.stringify(kind))
  )
  if (!Number.isSafeInteger(json.observationSize) || (json.observationSize as number) < 1) {
    fail(`${source}: observationSize`, "an integer >= 1", json.observationSize)
  }
  const hops = json.passageHops
  if (
    !Array.isArray(hops) ||
    hops.some((hop) => typeof hop !== "number" || !Number.isFinite(hop) || hop < 0)
  ) {
    fail(`${source}: passageHops`, "an array of numbers >= 0", JSON.stringify(hops))
  }
  const stepLength = json.stepLength
  if (
    stepLength !== undefined &&
    (typeof stepLength !== "number" || !Number.isFinite(stepLength) || stepLength <= 0)
  ) {
    fail(`${source}: stepLength`, "a finite number > 0", JSON.stringify(stepLength))
  }
  const contents = (json.contents ?? {}) as Record<string, unknown>
  const flag = (name: keyof AgentBundleContents): boolean =>
    typeof contents[name] === "boolean"
      ? (contents[name] as boolean)
      : fail(`${source}: contents.${name}`, "true or false", contents[name])
  const figures = (json.figures ?? {}) as Record<string, unknown>
  for (const [name, figure] of Object.entries(figures)) {
    if (typeof figure !== "number" && figure !== null)
      fail(`${source}: figures.${name}`, "a number", JSON.stringify(figure))
  }
  return {
    format: agentBundleFormat,
    formatVersion: agentBundleVersion,
    envId: json.envId as string,
    config,
    agents,
    observationSize: json.observationSize as number,
    passageHops: hops as Array<number>,
    ...(stepLength === undefined ? {} : { stepLength: stepLength as number }),
    contents: {
      levels: flag("levels"),
      memory: flag("memory"),
      probe: flag("probe"),
      positions: flag("positions"),
      decoder: flag("decoder")
    },
    figures: figures as Record<string, number>,
    createdAt: typeof json.createdAt === "string" ? json.createdAt : "",
    ...(typeof json.nodeBackend === "string" ? { nodeBackend: json.nodeBackend } : {})
  }
}

/** A model rebuilt from a checkpoint folder of the bundle: made from the saved config, then restored. */
const readModel = async <Model extends { readonly parameters: ParameterSet; dispose(): void }>(
  read: BundleReader,
  folder: string,
  create: (config: Readonly<Record<string, unknown>>) => Model
): Promise<Model> => {
  const [model, weights, metadata] = await Promise.all([
    read(`${folder}/${checkpointFiles.model}`),
    read(`${folder}/${checkpointFiles.weights}`),
    read(`${folder}/${checkpointFiles.metadata}`)
  ])
  return modelFromCheckpoint(decodeCheckpointFiles({ model, weights, metadata }), create, model.name)
}

/**
 * Reads a bundle through `read` and rebuilds its models and agents. Every file is checked before
 * it is used: the manifest as {@link parseAgentBundleManifest} does, each checkpoint as
 * `loadCheckpoint` does (checksums, sizes, finite weights), the memory and probes field by field;
 * the models must fit one another (latent sizes). Nothing is left allocated when it fails.
 *
 * @example
 * ```ts
 * const bundle = await readAgentBundle((path) => fetchFileBytes(`models/two-rooms/${path}`))
 * ```
 */
export const readAgentBundle = async (read: BundleReader): Promise<LoadedAgentBundle> => {
  const manifestFile = await read(agentBundleFiles.manifest)
  const manifest = parseAgentBundleManifest(parseJsonFile(manifestFile), manifestFile.name)
  const { config, contents } = manifest
  const json = async (path: string): Promise<unknown> => parseJsonFile(await read(path))
  // The small JSON parts first: a damaged one costs no model made.
  const memory: LandmarkGraph | undefined = contents.memory
    ? graphFromJson(await json(agentBundleFiles.memory), agentBundleFiles.memory)
    : undefined
  const probe: LatentProbe | undefined = contents.probe
    ? probeFromJson(await json(agentBundleFiles.probe), agentBundleFiles.probe).probe
    : undefined
  const positionProbe = contents.positions
    ? probeFromJson(await json(agentBundleFiles.positions), agentBundleFiles.positions).probe
    : undefined
  const positions = positionProbe === undefined ? undefined : positionProbeOf(positionProbe)
  const owned: Array<{ dispose(): void }> = []
  try {
    const jepa = await readModel(read, agentBundleFiles.worldModel, (saved) =>
      createJepa(saved as Parameters<typeof createJepa>[0], config.seed)
    )
    owned.push(jepa)
    const latentSize = jepa.config.latentSize
    const levels = contents.levels
      ? await readModel(read, agentBundleFiles.levels, (saved) =>
          createLevelStack(saved as unknown as LevelStackConfig, config.seed)
        )
      : undefined
    if (levels !== undefined) owned.push(levels)
    const decoder = contents.decoder
      ? await readModel(read, agentBundleFiles.decoder, (saved) =>
          createDecoder(saved as Parameters<typeof createDecoder>[0], config.seed)
        )
      : undefined
    if (decoder !== undefined) owned.push(decoder)
    const fits: ReadonlyArray<readonly [string, number | undefined]> = [
      [agentBundleFiles.memory, memory?.latentSize],
      [agentBundleFiles.probe, probe?.latentSize],
      [agentBundleFiles.positions, positionProbe?.latentSize],
      [`${agentBundleFiles.decoder}: latentSize`, decoder?.config.latentSize]
    ]
    for (const [field, size] of fits) {
      if (size !== undefined && size !== latentSize)
        fail(field, `latents of the world model's size ${latentSize}`, size)
    }
    const upperModels = levels?.worldModels(jepa.worldModel).slice(1) ?? []
    const parts: AgentParts = {
      config,
      model: jepa.worldModel,
      upperModels,
      probe,
      memory,
      passageHops: manifest.passageHops,
      ...(manifest.stepLength === undefined ? {} : { stepLength: manifest.stepLength }),
      observationSize: manifest.observationSize,
      ...(guarded(config) && positions !== undefined ? { positions } : {})
    }
    return {
      manifest,
      jepa,
      levels,
      parts,
      positions,
      decoder,
      agent: (kind, extra = {}) => {
        if (!manifest.agents.includes(kind)) {
          fail("agent", `one of the bundle's agents (${manifest.agents.join(", ")})`, kind)
        }
        return agentOf(kind, { ...parts, ...extra })
      },
      dispose: () => {
        for (const model of owned) model.dispose()
      }
    }
  } catch (error) {
    for (const model of owned) model.dispose()
    throw error
  }
}

/**
 * Fetches the bundle at `url` (its folder) and reads it as {@link readAgentBundle} does.
 *
 * @example
 * ```ts
 * const bundle = await fetchAgentBundle("models/two-rooms")
 * ```
 */
export const fetchAgentBundle = (url: string, fetcher?: Fetcher): Promise<LoadedAgentBundle> => {
  const folder = url.endsWith("/") ? url : `${url}/`
  return readAgentBundle((path) => fetchFileBytes(`${folder}${path}`, fetcher))
}
