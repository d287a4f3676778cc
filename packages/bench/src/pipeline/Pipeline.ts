/**
 * The pipeline: env -> collect -> train the JEPA -> train levels -> build the memory -> fit the
 * goal probe -> agents -> episodes, as one suite whose protocol is the run's whole configuration.
 * Each stage is cached by the content of its settings and inputs (see `StageCache`), so a rerun
 * reuses what is finished, a changed setting redoes only what depends on it, and a rerun of the
 * same configuration prints the same rows. A resumed run yields only the agents' rows after those
 * it finished.
 *
 * @module
 */
import { type Info, Random } from "@telos/core"
import type { EnvSpec } from "@telos/envs"
import { countingWorldModel, type LandmarkGraph } from "@telos/planner"
import type { Decoder } from "@telos/worldmodel"

import {
  AgentKind,
  hierarchicalCounterpart,
  memoryServes,
  plansWithLearnedModels,
  type RunConfig,
  usesOnlineMemory
} from "../configurator/RunConfig.js"
import { runPlanningBenchmark } from "../report/PlanningBenchmark.js"
import {
  type PlanningRow,
  planningTimingFields,
  type Suite,
  type SuiteCheck,
  type SummaryColumn
} from "../report/Suite.js"
import {
  type AgentParts,
  agentMemory,
  agentOf,
  episodeGoal,
  groundTruthParts,
  matchedRestarts
} from "./Agents.js"
import type { EnvSource } from "./EnvSource.js"
import { type EpisodeTrace, type TracePoint, traceRecorder, writeTraceFigures } from "./EpisodeTraces.js"
import { guarded, guardedSeeds, zoneViolation } from "./Guardrail.js"
import {
  copyImaginedFrames,
  framedSpec,
  frameRecorder,
  type ImaginedStrip,
  imaginedFramesPerEpisode,
  imaginedStepsAhead
} from "./ImaginedFrames.js"
import { type PositionProbe, recordedLatents } from "./LatentMemory.js"
import { learnedParts } from "./LearnedParts.js"
import { cachedStage, readStageJson, stageKey, writeStageJson } from "./StageCache.js"
import {
  type CollectedData,
  collectStage,
  decoderStage,
  memoryStage,
  type StageContext,
  type StageRecord,
  type TrainedDecoder,
  type TrainedLevels,
  type TrainedWorldModel
} from "./Stages.js"

/** One row of a run: one agent's episodes. */
export interface RunRow extends PlanningRow {
  /** Which agent (`ground-truth`, `flat`, `hierarchical`, `+memory`). */
  readonly agent: string
  /** The world model it planned with: `jepa` or `ground-truth` (`none` for random actions). */
  readonly model: "jepa" | "ground-truth" | "none"
  /** World-model predictions per environment step, all levels together (the planning compute). */
  readonly predictionsPerStep: number
  /** Level 0's candidates (restarts or samples) this agent planned with. */
  readonly candidates: number
  /** Landmarks of the memory the agent planned with (agents that have one). */
  readonly landmarks?: number
  /** Steps whose true position was inside a keep-out zone, all episodes together (runs with zones). */
  readonly violations?: number
  /** The first episodes' paths and subgoals (`evaluation.drawnEpisodes`). */
  readonly traces?: ReadonlyArray<EpisodeTrace>
  /**
   * The first episodes' real and imagined frames, as written into the row's stage folder (learned
   * agents of runs with a decoder and drawn episodes).
   */
  readonly imagined?: ReadonlyArray<ImaginedStrip>
}

/** Options of {@link pipelineSuite}. */
export interface PipelineOptions {
  /** The stage cache's root folder. */
  readonly cache: string
  /** Lines worth printing while stages run (a trained epoch, ...). */
  readonly report?: (line: string) => void
  /**
   * The environment the agents are evaluated in (`evaluation.env`, loaded by
   * `loadEvaluationSource`); absent: the run's own.
   */
  readonly evaluationSource?: EnvSource | undefined
}

/** A run's suite, with the stage records it collected (for reports). */
export interface PipelineSuite extends Suite {
  /** The stages finished so far, in order, with their times and figures. */
  stages(): ReadonlyArray<StageRecord>
}

const runColumn = (title: string, cell: (row: RunRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as RunRow)
})

/**
 * The columns of a run's table. Timing columns are left out so that a rerun from the cache prints
 * the same table; the stage times and the planning milliseconds are in the report and results.json.
 */
export const runColumns: ReadonlyArray<SummaryColumn> = [
  runColumn("env", (row) => row.env),
  runColumn("agent", (row) => row.agent),
  runColumn("levels", (row) => String(row.levels)),
  runColumn("episodes", (row) => String(row.episodes)),
  runColumn("success", (row) => row.successRate.toFixed(2)),
  runColumn("mean return", (row) => row.meanReturn.toFixed(1)),
  runColumn("mean steps", (row) => row.meanSteps.toFixed(1)),
  runColumn("predictions/step", (row) => row.predictionsPerStep.toFixed(0))
]

/** The guardrail's column: steps inside a keep-out zone (rows of runs with zones). */
export const violationsColumn: SummaryColumn = runColumn("violations", (row) =>
  row.violations === undefined ? "" : String(row.violations)
)

/**
 * The rows a run of `config` yields: one per agent.
 *
 * @example
 * ```ts
 * pipelineRowCount(config) // config.evaluation.agents.length
 * ```
 */
export const pipelineRowCount = (config: RunConfig): number => config.evaluation.agents.length

/**
 * The pipeline of one run as a suite. Its protocol is the resolved configuration.
 *
 * @example
 * ```ts
 * const suite = pipelineSuite(config, await loadEnvSource("point-mass"), { cache: "runs/cache" })
 * await Effect.runPromise(runSuite(suite, { backend: "native", episodes: undefined, seed: 0, out: "runs/x", progress }))
 * suite.stages() // collect, world-model, levels, ..., one episodes stage per agent
 * ```
 */
export const pipelineSuite = (
  config: RunConfig,
  source: EnvSource,
  options: PipelineOptions
): PipelineSuite => {
  const records: Array<StageRecord> = []
  const keep = <T extends { readonly record: StageRecord }>(stage: T): T => {
    records.push(stage.record)
    return stage
  }
  return {
    id: "run",
    description: `telos run on ${source.name}`,
    protocol: { env: source.name, envId: source.spec.id, config },
    columns: guarded(config) ? [...runColumns, violationsColumn] : runColumns,
    timingFields: planningTimingFields,
    skipsFinishedRows: true,
    stages: () => [...records],
    checks: (rows): ReadonlyArray<SuiteCheck> => runChecks(rows as ReadonlyArray<RunRow>),
    run: async function* (context) {
      const stageContext: StageContext = {
        config,
        source,
        cache: options.cache,
        progress: context.progress,
        report: options.report ?? (() => undefined)
      }
      const agents = config.evaluation.agents
      const spec = source.spec
      // Data, models and memory come from the run's environment; episodes from this one.
      const evaluation = options.evaluationSource ?? source
      // Random actions need no model of their own: the ground truth's when there is one.
      const onTruth = (kind: AgentKind) =>
        kind.startsWith("ground-truth") || (kind === "random" && spec.hasGroundTruthModel)
      const learned = agents.some((agent) => !onTruth(agent))
      let collected: CollectedData | undefined
      let trained: TrainedWorldModel | undefined
      let levels: TrainedLevels | undefined
      let decoded: TrainedDecoder | undefined
      // Positions read from learned latents (guardrail zones, drawn episodes), fitted once if at all.
      let positionsOnce: (() => PositionProbe) | undefined
      try {
        const inputs: Array<string> = []
        let parts: AgentParts | undefined
        if (learned) {
          const products = await learnedParts(
            stageContext,
            agents.filter((agent) => !onTruth(agent)),
            (record) => records.push(record)
          )
          collected = products.collected
          trained = products.trained
          levels = products.levels
          positionsOnce = products.positions
          inputs.push(...products.inputs)
          parts = products.parts
          decoded = await decoderStage(stageContext, products.encoderKey, products.jepa, products.collected)
          if (decoded !== undefined) records.push(decoded.record)
        }
        // The drawn episodes of learned agents show what their plans imagine, decoded, beside what
        // happened: in an environment that draws the decoder's images.
        const drawn = Math.min(config.evaluation.drawnEpisodes, config.evaluation.episodes)
        const learnedEnv =
          (config.data.observations === "pixels" ? evaluation.pixels : undefined) ?? evaluation.spec
        const framed =
          decoded === undefined || drawn === 0 ? undefined : framedOf(learnedEnv, decoded.decoder)
        const framesOf = (kind: AgentKind): boolean => framed !== undefined && plansWithLearnedModels(kind)
        // The ground truth's memory: landmarks of the recorded observations, its own latents.
        let truthMemory: Awaited<ReturnType<typeof memoryStage>>
        if (agents.includes("ground-truth+memory")) {
          const data = collected ?? keep(await collectStage(stageContext))
          collected = data
          truthMemory = await memoryStage(stageContext, data, "ground-truth", () =>
            recordedLatents(spec.groundTruthModel(), data.dataset, false)
          )
          // Named apart from the learned model's memory, which the same run may build too.
          if (truthMemory !== undefined)
            keep({ ...truthMemory, record: { ...truthMemory.record, stage: "memory (ground-truth)" } })
        }
        // Matching compute needs the hierarchical agents' predictions first.
        const order = config.evaluation.equalCompute
          ? [
              ...agents.filter((kind) => kind.startsWith("hierarchical")),
              ...agents.filter((kind) => !kind.startsWith("hierarchical"))
            ]
          : agents
        const { online: _online, ...landmarkMemory } = config.memory
        const predictions = new Map<AgentKind, number>()
        const finished = context.resumeAfter ?? 0
        for (const [position, kind] of order.entries()) {
          // A finished row is passed over; a hierarchical one still lends its predictions (read
          // from the stage cache) to the flat agent matched to its compute.
          const skipped = position < finished
          if (skipped && !(config.evaluation.equalCompute && kind.startsWith("hierarchical"))) continue
          const truth = onTruth(kind)
          const counterpart = predictions.get(hierarchicalCounterpart(kind))
          const flatCandidates =
            config.evaluation.equalCompute && kind.startsWith("flat") && counterpart !== undefined
              ? matchedRestarts(config.actor, counterpart)
              : undefined
          const settings = {
            kind,
            actor: config.actor,
            upperActor: config.upperActor,
            // Only a hierarchy with its own actor per level depends on them.
            ...(config.upperActors.length > 0 ? { upperActors: config.upperActors } : {}),
            cost: config.cost,
            // Only an agent the memory serves depends on its settings, and only a +online one on
            // the online memory's (rows cached before it existed stay valid).
            memory: usesOnlineMemory(kind) ? config.memory : memoryServes(kind) ? landmarkMemory : null,
            flatCandidates: flatCandidates ?? null,
            episodes: config.evaluation.episodes,
            seed: config.seed,
            backend: context.backend,
            // Zones change the episodes, the planners and the memory.
            ...(guarded(config) ? { guardrail: config.guardrail } : {}),
            ...(config.evaluation.drawnEpisodes > 0
              ? { drawnEpisodes: config.evaluation.drawnEpisodes }
              : {}),
            ...(config.evaluation.batch === null ? {} : { batch: config.evaluation.batch }),
            ...(framesOf(kind)
              ? { imagined: { ahead: imaginedStepsAhead, frames: imaginedFramesPerEpisode } }
              : {})
          }
          const key = stageKey(
            "episodes",
            settings,
            truth
              ? [
                  evaluation.fingerprint,
                  ...(kind === "ground-truth+memory" ? [truthMemory?.record.key ?? ""] : [])
                ]
              : [
                  evaluation.fingerprint,
                  ...inputs,
                  ...(framesOf(kind) ? [(decoded as TrainedDecoder).record.key] : [])
                ]
          )
          const entry = await cachedStage(options.cache, "episodes", key, async (directory) => {
            const modelParts: AgentParts = truth
              ? groundTruthParts(
                  config,
                  evaluation.spec,
                  kind === "ground-truth+memory" ? truthMemory?.graph : undefined
                )
              : (parts as AgentParts)
            // Every level's predictions are counted: the row reports its planning compute.
            const counted = [modelParts.model, ...modelParts.upperModels].map(countingWorldModel)
            const seeds = guarded(config)
              ? guardedSeeds(config, evaluation.spec)
              : Array.from({ length: config.evaluation.episodes }, (_, index) => config.seed + index)
            const recorder =
              config.evaluation.drawnEpisodes > 0
                ? traceRecorder(
                    Math.min(config.evaluation.drawnEpisodes, config.evaluation.episodes),
                    seeds,
                    modelParts.model.latentSize,
                    truth ? truthPositionOf(config) : positionsOnce?.().positionOf
                  )
                : undefined
            const frames = framesOf(kind) ? frameRecorder(drawn, seeds) : undefined
            const agentParts: AgentParts = {
              ...modelParts,
              model: (counted[0] as (typeof counted)[number]).model,
              upperModels: counted.slice(1).map((count) => count.model),
              flatCandidates,
              ...(recorder === undefined ? {} : { onSubgoals: recorder.onSubgoals }),
              ...(frames === undefined ? {} : { onPlan: frames.onPlan })
            }
            // A pixel agent acts on the environment's images, and its goal is the goal's image.
            const pixels = config.data.observations === "pixels" && !truth ? evaluation.pixels : undefined
            const goalOf = episodeGoal(config, pixels !== undefined)
            const zones = guarded(config)
              ? { violates: zoneViolation(config.guardrail, pixels !== undefined) }
              : {}
            const row = runPlanningBenchmark(
              {
                env: evaluation.spec.id,
                makeEnv: () =>
                  ((frames === undefined ? undefined : framed) ?? pixels ?? evaluation.spec).make(),
                agent: agentOf(kind, agentParts),
                ...(goalOf === undefined ? {} : { goalOf }),
                episodes: config.evaluation.episodes,
                seeds,
                seed: config.seed,
                ...(config.evaluation.batch === null ? {} : { batch: config.evaluation.batch }),
                ...zones,
                ...(recorder === undefined && frames === undefined
                  ? {}
                  : {
                      onReset: (episode: number, info: Info) => {
                        recorder?.onReset(episode, info)
                        frames?.onReset(episode, info)
                      },
                      onTransition: (episode: number, info: Info) => {
                        recorder?.onTransition(episode, info)
                        frames?.onTransition(episode, info)
                      }
                    })
              },
              // Seeded by the agent's kind, not its place in the list: a cached row is the same row.
              Random.fromSeed(config.seed + 1000 * (AgentKind.literals.indexOf(kind) + 1)),
              (step) =>
                context.progress(`episodes: ${kind}`, step / evaluation.spec.definition.maxEpisodeSteps)
            )
            const steps = row.meanSteps * row.episodes
            const imagined =
              frames === undefined
                ? undefined
                : await frames.write(directory, (decoded as TrainedDecoder).decoder)
            const runRow: RunRow = {
              ...row,
              agent: kind,
              model: kind === "random" ? "none" : truth ? "ground-truth" : "jepa",
              predictionsPerStep:
                steps === 0 ? 0 : counted.reduce((sum, count) => sum + count.evaluations(), 0) / steps,
              candidates: kind === "random" ? 1 : (flatCandidates ?? config.actor.candidates),
              ...(kind !== "random" && memoryServes(kind) && agentParts.memory !== undefined
                ? { landmarks: (agentMemory(agentParts) as LandmarkGraph).count }
                : {}),
              ...(recorder === undefined ? {} : { traces: recorder.traces() }),
              ...(imagined === undefined ? {} : { imagined })
            }
            await writeStageJson(directory, "row.json", runRow)
          })
          const row = (await readStageJson(entry.directory, "row.json")) as RunRow
          predictions.set(kind, row.predictionsPerStep)
          records.push({ ...entry, stage: `episodes (${kind})`, figures: { successRate: row.successRate } })
          if (skipped) continue
          const name = `${evaluation.spec.id}-${kind}-${row.levels}-levels-${entry.key.slice(0, 8)}`
          const label = `${evaluation.spec.id}, ${kind} (${row.levels} level${row.levels === 1 ? "" : "s"})`
          const figures =
            row.traces === undefined || context.directory === undefined
              ? []
              : await writeTraceFigures(
                  context.directory,
                  name,
                  evaluation.spec,
                  row.traces,
                  (trace) =>
                    `${label}, seed ${trace.seed}${trace.layout === undefined ? "" : `, layout ${trace.layout}`}`
                )
          const imaginedFrames =
            row.imagined === undefined || context.directory === undefined
              ? []
              : await copyImaginedFrames(
                  context.directory,
                  name,
                  entry.directory,
                  row.imagined,
                  (strip) =>
                    `${label}, seed ${strip.seed}: real frames (top) and the frames its plans imagined ${strip.ahead} steps before (bottom), steps ${strip.steps.join(", ")}`
                )
          yield {
            ...row,
            ...(figures.length === 0 ? {} : { figures }),
            ...(imaginedFrames.length === 0 ? {} : { imaginedFrames })
          }
        }
      } finally {
        decoded?.decoder.dispose()
        trained?.jepa.dispose()
        levels?.stack.dispose()
        levels?.jointJepa?.dispose()
      }
    }
  }
}

/** `spec` with frames in its infos when it draws images of the decoder's shape; `undefined` otherwise. */
const framedOf = (spec: EnvSpec<unknown>, decoder: Decoder): EnvSpec<unknown> | undefined => {
  const image = spec.definition.image
  const { channels, height, width } = decoder.config.image
  return image !== undefined &&
    image.channels === channels &&
    image.height === height &&
    image.width === width
    ? framedSpec(spec)
    : undefined
}

/** A ground-truth model's latent is the state: its position is two of its coordinates. */
const truthPositionOf =
  (config: RunConfig) =>
  (latent: Float32Array): TracePoint => [
    latent[config.guardrail.position[0]] as number,
    latent[config.guardrail.position[1]] as number
  ]

/**
 * A run's checks: every learned agent does better than random actions (success, or else mean
 * return), and comes within 0.1 success (or 10% of the mean return, when returns are costs) of the
 * ground truth's planner where there is one.
 *
 * @example
 * ```ts
 * runChecks(rows).map((check) => check.passed)
 * ```
 */
export const runChecks = (rows: ReadonlyArray<RunRow>): ReadonlyArray<SuiteCheck> => {
  const truth = rows.find((row) => row.agent === "ground-truth")
  const random = rows.find((row) => row.agent === "random")
  const learned = rows.filter((row) => row.model === "jepa")
  return [
    ...(random === undefined
      ? []
      : learned.map((row) => ({
          description: `${row.agent} beats random actions: success ${row.successRate.toFixed(2)} vs ${random.successRate.toFixed(2)}, mean return ${row.meanReturn.toFixed(1)} vs ${random.meanReturn.toFixed(1)}`,
          passed:
            row.successRate > random.successRate ||
            (row.successRate === random.successRate && row.meanReturn > random.meanReturn)
        }))),
    ...(truth === undefined
      ? []
      : learned.map((row) => ({
          description: `${row.agent} (learned) vs ground truth: success ${row.successRate.toFixed(2)} vs ${truth.successRate.toFixed(2)}, mean return ${row.meanReturn.toFixed(1)} vs ${truth.meanReturn.toFixed(1)} (within 0.1 success or 10% of the return)`,
          passed:
            row.successRate >= truth.successRate - 0.1 ||
            (truth.meanReturn < 0 && row.meanReturn >= truth.meanReturn * 1.1)
        })))
  ]
}
