/**
 * The `worldmodel` suite: collects random-walk data in Two-Rooms, trains a JEPA world model on the
 * state vectors and another on the images, and reports for each how linearly the agent's position
 * reads from the latent (probe R^2), whether the latent has collapsed (effective rank, spread), how
 * far k-step predictions drift (k = 1, 4, 16), and how fast it trained. The datasets and the final
 * checkpoints stay in the pipeline's stage cache (`cache/` in the run directory unless the context
 * names a shared one); each row names its dataset and checkpoint.
 *
 * `--episodes N` scales the data: each dataset gets N episodes of 200 steps (N x 200 transitions)
 * instead of the default 100 episodes (20 000 transitions); training stays the same length.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type EnvRegistry, envRegistry } from "@telos/envs"
import type { LandmarkGraph, LatentTrajectories } from "@telos/planner"
import type { Dataset, JepaModel } from "@telos/worldmodel"
import { resolveRunConfig } from "../../configurator/Resolve.js"
import { loadEnvSource } from "../../pipeline/EnvSource.js"
import { collectStage, memoryStage, recordedStates, worldModelStage } from "../../pipeline/Stages.js"
import {
  type EpochSummary,
  formatFigure,
  type ObservationKind,
  type TrainingSettings
} from "../../pipeline/WorldModelTraining.js"
import type { Suite, SuiteContext, SuiteRow, SummaryColumn } from "../../report/Suite.js"
import { worldModelChecks } from "./checks.js"
import {
  worldModelProbeTargets,
  worldModelSuiteEnv,
  worldModelSuitePlans,
  worldModelSuiteTransitions
} from "./settings.js"

/**
 * One row of the `worldmodel` suite: one trained model.
 *
 * @example
 * ```ts
 * row.probeR2 // 0.998
 * row.relativePredictionError16 // 0.31
 * ```
 */
export interface WorldModelRow extends SuiteRow {
  /** The environment's id. */
  readonly env: string
  /** What the model perceives: the state vector or pixels. */
  readonly obs: ObservationKind
  /** The seed of collection and training. */
  readonly seed: number
  /** Transitions in the dataset. */
  readonly transitions: number
  /** Training epochs. */
  readonly epochs: number
  /** Optimisation steps in all. */
  readonly steps: number
  /** Sequences per optimisation step. */
  readonly batchSize: number
  /** Predicted steps per training sequence. */
  readonly rolloutSteps: number
  /** Held-out R^2 of a linear probe from the latent to the state observation, after the last epoch. */
  readonly probeR2: number
  /** Effective rank of the latents after the last epoch. */
  readonly effectiveRank: number
  /** Mean per-dimension standard deviation of the latents after the last epoch. */
  readonly meanStd: number
  /** Smallest per-dimension standard deviation of the latents after the last epoch. */
  readonly minimumStd: number
  /** Mean squared latent error per dimension after k predicted steps; `null` where episodes are shorter. */
  readonly predictionError1: number | null
  /** The same after 4 steps. */
  readonly predictionError4: number | null
  /** The same after 16 steps. */
  readonly predictionError16: number | null
  /** The same over the latents' mean variance (scale-free). */
  readonly relativePredictionError1: number | null
  /** The relative error after 4 steps. */
  readonly relativePredictionError4: number | null
  /** The relative error after 16 steps. */
  readonly relativePredictionError16: number | null
  /** Training sequences per second of optimisation (evaluation excluded). */
  readonly samplesPerSecond: number
  /** Wall-clock seconds of training, the evaluation after each epoch included. */
  readonly trainSeconds: number
  /** Wall-clock seconds of data collection (0 when the data came from the cache). */
  readonly collectSeconds: number
  /** Where the final checkpoint is (in the stage cache). */
  readonly checkpoint: string
  /** Where the dataset is (in the stage cache). */
  readonly dataset: string
  /** Every epoch's figures. */
  readonly history: ReadonlyArray<EpochSummary>
}

/**
 * Options of {@link makeWorldModelSuite}; the training ones replace both models' plans, so tests
 * can shrink the whole suite.
 *
 * @example
 * ```ts
 * const options: WorldModelSuiteOptions = { transitions: 600, epochs: 1, stepsPerEpoch: 2, batchSize: 8 }
 * ```
 */
export interface WorldModelSuiteOptions {
  /** Transitions per dataset; default `--episodes` x 200, or 20 000. */
  readonly transitions?: number
  /** Training epochs. */
  readonly epochs?: number
  /** Optimisation steps per epoch. */
  readonly stepsPerEpoch?: number
  /** Sequences per optimisation step. */
  readonly batchSize?: number
  /** Predicted steps per training sequence. */
  readonly rolloutSteps?: number
  /** Windows the evaluation samples (default 256 for state, 96 for pixels). */
  readonly evaluationSamples?: number
  /** The models to train, in order (default state, then pixels). */
  readonly observations?: ReadonlyArray<ObservationKind>
  /** The registry `env` is looked up in (default the built-in `envRegistry`). */
  readonly registry?: EnvRegistry
  /** The environment to collect in and model (default {@link worldModelSuiteEnv}). */
  readonly env?: string
}

const worldModelColumn = (title: string, cell: (row: WorldModelRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as WorldModelRow)
})

const horizonFigure = (errors: Readonly<Record<string, number>>, horizon: number): number | null =>
  errors[String(horizon)] ?? null

/** A model trained by {@link trainSuiteModel}, with its data; the caller disposes the model. */
export interface TrainedSuiteModel {
  /** The model's row of figures. */
  readonly row: WorldModelRow
  /** The trained JEPA. */
  readonly model: JepaModel
  /** The data it was trained on. */
  readonly dataset: Dataset
  /** The recorded steps' latents and the landmark memory over them, when `memory` was asked for. */
  readonly memory?:
    | {
        /** The recorded steps' latents, by episode. */
        readonly recorded: LatentTrajectories
        /** The landmark memory over them. */
        readonly graph: LandmarkGraph
      }
    | undefined
}

/**
 * Collects random-walk data in an environment (Two-Rooms by default), trains one JEPA on it and
 * evaluates it, through the pipeline's collect and world-model stages, cached in the suite's cache
 * (`context.cache`, or `cache/` in `options.directory`). The model stays alive for the caller (a
 * planning suite plans with it) and must be disposed.
 *
 * @example
 * ```ts
 * const { row, model, dataset } = await trainSuiteModel("pixels", settings, { transitions: 20_000, directory }, context, { index: 0, count: 1 })
 * model.dispose()
 * ```
 */
export const trainSuiteModel = async (
  observations: ObservationKind,
  settings: TrainingSettings,
  options: WorldModelSuiteOptions & {
    readonly transitions: number
    readonly directory: string
    /** Also build the pipeline's landmark memory of the recorded latents. */
    readonly memory?: { readonly landmarks: number } | undefined
  },
  context: SuiteContext,
  position: { readonly index: number; readonly count: number }
): Promise<TrainedSuiteModel> => {
  const env = options.env ?? worldModelSuiteEnv
  const source = await loadEnvSource(env, options.registry ?? envRegistry)
  const config = resolveRunConfig(source.spec, env, {
    file: {
      seed: settings.seed,
      data: {
        transitions: options.transitions,
        episodeLength: source.spec.definition.maxEpisodeSteps,
        observations
      },
      worldModel: {
        latentSize: 16,
        epochs: settings.epochs,
        stepsPerEpoch: settings.stepsPerEpoch,
        batchSize: settings.batchSize,
        rolloutSteps: settings.rolloutSteps,
        learningRate: settings.learningRate,
        evaluationSamples: options.evaluationSamples ?? null
      },
      ...(options.memory === undefined ? {} : { memory: { landmarks: options.memory.landmarks } }),
      evaluation: { agents: ["random"] }
    }
  })
  // Collection is about a tenth of a row's time; the bar gives it that share.
  const report = (label: string, fraction: number) =>
    context.progress(
      `${observations}: ${label}`,
      (position.index + (label === "collect" ? 0.1 * fraction : 0.1 + 0.9 * fraction)) / position.count
    )
  const stageContext = {
    config,
    source,
    cache: context.cache ?? join(options.directory, "cache"),
    progress: report,
    report: () => undefined
  }
  const collected = await collectStage(stageContext)
  const trained = await worldModelStage(stageContext, collected)
  const { dataset } = collected
  const history = trained.history
  const last = history[history.length - 1] as EpochSummary
  const optimisationSeconds = history.reduce((total, epoch) => total + epoch.seconds, 0)
  const row: WorldModelRow = {
    env,
    obs: observations,
    seed: settings.seed,
    transitions: dataset.counts.transitions,
    epochs: settings.epochs,
    steps: settings.epochs * settings.stepsPerEpoch,
    batchSize: settings.batchSize,
    rolloutSteps: settings.rolloutSteps,
    probeR2: last.probeR2,
    effectiveRank: last.effectiveRank,
    meanStd: last.meanStd,
    minimumStd: last.minimumStd,
    predictionError1: horizonFigure(last.predictionError, 1),
    predictionError4: horizonFigure(last.predictionError, 4),
    predictionError16: horizonFigure(last.predictionError, 16),
    relativePredictionError1: horizonFigure(last.relativePredictionError, 1),
    relativePredictionError4: horizonFigure(last.relativePredictionError, 4),
    relativePredictionError16: horizonFigure(last.relativePredictionError, 16),
    samplesPerSecond: (settings.epochs * settings.stepsPerEpoch * settings.batchSize) / optimisationSeconds,
    trainSeconds: trained.record.seconds,
    collectSeconds: collected.record.seconds,
    checkpoint: trained.checkpoint,
    dataset: dataset.path,
    history
  }
  if (options.memory === undefined) return { row, model: trained.jepa, dataset }
  try {
    const recorded = recordedStates(collected, trained.jepa, config)
    const memory = await memoryStage(stageContext, collected, trained.record.key, () => recorded)
    return {
      row,
      model: trained.jepa,
      dataset,
      memory: { recorded, graph: (memory as NonNullable<typeof memory>).graph }
    }
  } catch (error) {
    trained.jepa.dispose()
    throw error
  }
}

/**
 * Builds the `worldmodel` suite; options shrink it (tests) or reshape it.
 *
 * @example
 * ```ts
 * const tiny = makeWorldModelSuite({ transitions: 600, epochs: 1, stepsPerEpoch: 2, batchSize: 8, evaluationSamples: 32 })
 * ```
 */
export const makeWorldModelSuite = (options: WorldModelSuiteOptions = {}): Suite => {
  const kinds = options.observations ?? (["state", "pixels"] as const)
  const planOf = (observations: ObservationKind): Omit<TrainingSettings, "seed"> => {
    const plan = worldModelSuitePlans[observations]
    return {
      epochs: options.epochs ?? plan.epochs,
      stepsPerEpoch: options.stepsPerEpoch ?? plan.stepsPerEpoch,
      batchSize: options.batchSize ?? plan.batchSize,
      rolloutSteps: options.rolloutSteps ?? plan.rolloutSteps,
      learningRate: plan.learningRate
    }
  }
  return {
    id: "worldmodel",
    description:
      "JEPA world models on Two-Rooms (state and pixels): probe R^2, collapse, k-step prediction error",
    protocol: {
      env: worldModelSuiteEnv,
      data: `random-walk episodes of 200 steps, collected with the suite's seed; ${options.transitions ?? worldModelSuiteTransitions} transitions per dataset unless --episodes N asks for N x 200`,
      models:
        "JEPA: state encoder MLP [64, 64]; pixel encoder two 4x4 patch stages (16, 32 channels) and a [64] head; latent 16; predictor [128, 128]; inverse dynamics [64]; VICReg variance and covariance terms",
      training: Object.fromEntries(kinds.map((kind) => [kind, planOf(kind)])),
      evaluation:
        "after each epoch, on windows sampled with a fixed seed: linear-probe R^2 from the latent to the position (held out), effective rank and per-dimension std of the latents, latent prediction error after 1, 4 and 16 steps (absolute and relative to the latents' variance)",
      targets: worldModelProbeTargets
    },
    columns: [
      worldModelColumn("env", (row) => row.env),
      worldModelColumn("obs", (row) => row.obs),
      worldModelColumn("transitions", (row) => String(row.transitions)),
      worldModelColumn("steps", (row) => String(row.steps)),
      worldModelColumn("probe R^2", (row) => row.probeR2.toFixed(3)),
      worldModelColumn("rank", (row) => formatFigure(row.effectiveRank)),
      worldModelColumn("mean std", (row) => formatFigure(row.meanStd)),
      worldModelColumn("rel. error 1/4/16", (row) =>
        [row.relativePredictionError1, row.relativePredictionError4, row.relativePredictionError16]
          .map((value) => formatFigure(value ?? undefined))
          .join("/")
      ),
      worldModelColumn("samples/s", (row) => String(Math.round(row.samplesPerSecond))),
      worldModelColumn("train s", (row) => row.trainSeconds.toFixed(1))
    ],
    checks: worldModelChecks,
    // Nested too: every epoch of `history` has its seconds and rate.
    timingFields: ["samplesPerSecond", "trainSeconds", "collectSeconds", "seconds"],
    skipsFinishedRows: true,
    run: async function* (context) {
      const episodeLength = (options.registry ?? envRegistry).get(worldModelSuiteEnv).definition
        .maxEpisodeSteps
      const transitions =
        options.transitions ??
        (context.episodes === undefined ? worldModelSuiteTransitions : context.episodes * episodeLength)
      // Without a run directory (a suite run outside the runner), the files go to a scratch directory.
      const scratch =
        context.directory === undefined ? await mkdtemp(join(tmpdir(), "telos-worldmodel-")) : undefined
      const directory = context.directory ?? (scratch as string)
      try {
        for (const [index, observations] of kinds.entries()) {
          if (index < (context.resumeAfter ?? 0)) continue
          const trained = await trainSuiteModel(
            observations,
            { ...planOf(observations), seed: context.seed },
            { ...options, transitions, directory },
            context,
            { index, count: kinds.length }
          )
          trained.model.dispose()
          yield trained.row
        }
      } finally {
        if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
      }
    }
  }
}

/** The `worldmodel` suite with its default sizes. */
export const worldModelSuite: Suite = makeWorldModelSuite()
