/**
 * The stages of the pipeline, each cached by the content of its settings and of its inputs:
 * collect reward-free data -> train the JEPA (perception and level 0's world model) -> train the
 * levels above it -> build the landmark memory -> fit the goal probe; beside them, the decoder from
 * the latents to images. Every suite, `telos run`, `telos collect` and `telos train` go through
 * these functions; there is no second copy of a stage.
 *
 * @module
 */
import { join } from "node:path"
import { Random } from "@telos/core"
import { EnvRegistry, modelActionSpace } from "@telos/envs"
import {
  buildLandmarkGraph,
  type LandmarkGraph,
  type LatentProbe,
  type LatentTrajectories,
  quadraticFeatureSize,
  quadraticFeatures
} from "@telos/planner"
import {
  createDecoder,
  createJepa,
  createLevelStack,
  createTrainer,
  type Dataset,
  type Decoder,
  type DecoderConfig,
  type DecoderEvaluation,
  evaluateDecoder,
  evaluateLevels,
  type JepaModel,
  type LevelEvaluation,
  type LevelStack,
  type LevelStackConfig,
  linearProbe,
  modelFromCheckpoint,
  trainDecoder,
  trainLevels
} from "@telos/worldmodel"
import { type CheckpointMetadata, loadCheckpoint, openDataset, saveCheckpoint } from "@telos/worldmodel/node"
import type * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { runCollection } from "../cli/Collection.js"
import type { Progress } from "../cli/Progress.js"
import { runTraining, type TrainingSummary } from "../cli/TrainCommand.js"
import type { RunConfig } from "../configurator/RunConfig.js"
import { probeDimensions } from "./Agents.js"
import type { EnvSource } from "./EnvSource.js"
import { recordedLatents } from "./LatentMemory.js"
import { graphFromJson, graphToJson, probeFromJson, probeToJson } from "./MemoryJson.js"
import { cachedStage, readStageJson, type StageEntry, stageKey, writeStageJson } from "./StageCache.js"
import type { EpochSummary } from "./WorldModelTraining.js"

/** What every stage reads: the run's configuration, its environment and where the cache is. */
export interface StageContext {
  /** The run's configuration. */
  readonly config: RunConfig
  /** The environment the run is on. */
  readonly source: EnvSource
  /** The cache's root folder. */
  readonly cache: string
  /** Reports progress of the current stage: a label and a fraction in [0, 1]. */
  readonly progress: (label: string, fraction: number) => void
  /** Lines worth printing (a trained epoch, ...). */
  readonly report: (line: string) => void
}

/** A stage's entry and the figures it reports (probe R^2, errors, landmarks, ...). */
export interface StageRecord extends StageEntry {
  /** The figures, by name. */
  readonly figures: Readonly<Record<string, number>>
}

const registryOf = (source: EnvSource): EnvRegistry => new EnvRegistry().register(source.spec)

const stageProgress = (context: StageContext, label: string): Progress => ({
  update: (_label, fraction) => context.progress(label, fraction),
  finish: () => undefined
})

/** The collected dataset. */
export interface CollectedData {
  /** The collect stage's record. */
  readonly record: StageRecord
  /** The dataset, opened. */
  readonly dataset: Dataset
}

/** The collect stage's key for the context's data settings, known before anything is collected. */
const collectKeyOf = ({ config, source }: StageContext): string =>
  stageKey("collect", { env: source.fingerprint, data: config.data, seed: config.seed }, [])

/**
 * Collects the run's reward-free data (cached by the environment's fingerprint, the data settings
 * and the seed).
 *
 * @example
 * ```ts
 * const { dataset, record } = await collectStage(context)
 * ```
 */
export const collectStage = async (context: StageContext): Promise<CollectedData> => {
  const { config, source } = context
  const key = collectKeyOf(context)
  const entry = await cachedStage(context.cache, "collect", key, async (directory) => {
    await Effect.runPromise(
      runCollection(
        {
          kind: "collect",
          env: source.spec.id,
          transitions: config.data.transitions,
          out: directory,
          observations: config.data.observations,
          policy: config.data.policy,
          episodeLength: config.data.episodeLength,
          doorwayRate: config.data.doorwayRate,
          seed: config.seed
        },
        { environments: registryOf(source), progress: stageProgress(context, "collect") }
      )
    )
  })
  const dataset = await openDataset(entry.directory)
  return {
    record: {
      ...entry,
      figures: { transitions: dataset.counts.transitions, episodes: dataset.counts.episodes }
    },
    dataset
  }
}

/** A trained JEPA, alive until disposed. */
export interface TrainedWorldModel {
  /** The world-model stage's record. */
  readonly record: StageRecord
  /** The trained JEPA, restored from the checkpoint. */
  readonly jepa: JepaModel
  /** Every epoch's figures, as the checkpoint records them. */
  readonly history: ReadonlyArray<EpochSummary>
  /** The checkpoint's folder. */
  readonly checkpoint: string
}

/**
 * A model rebuilt from a checkpoint folder: `create` makes it from the saved config, then the saved
 * weights are restored into it (the model is disposed if they do not fit).
 */
const restoreModel = async <
  Model extends { readonly parameters: ReadonlyMap<string, tf.Variable>; dispose(): void }
>(
  directory: string,
  create: (config: Readonly<Record<string, unknown>>) => Model
): Promise<{ readonly model: Model; readonly metadata: CheckpointMetadata }> => {
  const loaded = await loadCheckpoint(directory)
  return { model: modelFromCheckpoint(loaded, create, directory), metadata: loaded.metadata }
}

/** Restores a JEPA and its epochs' figures from a checkpoint folder. */
const loadJepa = async (
  directory: string,
  seed: number
): Promise<{ readonly jepa: JepaModel; readonly history: ReadonlyArray<EpochSummary> }> => {
  const { model, metadata } = await restoreModel(directory, (config) =>
    createJepa(config as Parameters<typeof createJepa>[0], seed)
  )
  const recorded = metadata.metrics?.history
  return { jepa: model, history: Array.isArray(recorded) ? (recorded as ReadonlyArray<EpochSummary>) : [] }
}

/**
 * Trains the JEPA on the collected data through `telos train`'s own training (cached by the world
 * model's settings and the data's key).
 *
 * @example
 * ```ts
 * const { jepa } = await worldModelStage(context, collected)
 * jepa.dispose()
 * ```
 */
export const worldModelStage = async (
  context: StageContext,
  collected: CollectedData
): Promise<TrainedWorldModel> => {
  const { config, source } = context
  const settings = {
    worldModel: config.worldModel,
    observations: config.data.observations,
    seed: config.seed
  }
  const key = stageKey("world-model", settings, [collected.record.key])
  const entry = await cachedStage(context.cache, "world-model", key, async (directory) => {
    const model = config.worldModel
    const summary: TrainingSummary = await Effect.runPromise(
      runTraining(
        {
          kind: "train",
          env: source.spec.id,
          observations: config.data.observations,
          data: collected.record.directory,
          out: join(directory, "model"),
          epochs: model.epochs,
          stepsPerEpoch: model.stepsPerEpoch,
          batchSize: model.batchSize,
          rolloutSteps: model.rolloutSteps,
          latentSize: model.latentSize,
          learningRate: model.learningRate,
          latentVariableSize: model.latentVariableSize,
          lossWeights: model.lossWeights,
          evaluationSamples: model.evaluationSamples ?? undefined,
          seed: config.seed,
          resume: false
        },
        {
          environments: registryOf(source),
          progress: stageProgress(context, "train"),
          report: context.report
        }
      )
    )
    const last = summary.last
    await writeStageJson(directory, "figures.json", {
      probeR2: last?.probeR2 ?? Number.NaN,
      effectiveRank: last?.effectiveRank ?? Number.NaN,
      relativeError16: last?.relativePredictionError["16"] ?? Number.NaN
    })
  })
  const figures = (await readStageJson(entry.directory, "figures.json")) as Record<string, number>
  const checkpoint = join(entry.directory, "model")
  const { jepa, history } = await loadJepa(checkpoint, config.seed)
  return { record: { ...entry, figures }, jepa, history, checkpoint }
}

/** The levels above the JEPA, alive until disposed. */
export interface TrainedLevels {
  /** The levels stage's record. */
  readonly record: StageRecord
  /** The trained levels, restored from the checkpoint. */
  readonly stack: LevelStack
  /** How well each level predicts (measured after training). */
  readonly errors: ReadonlyArray<LevelEvaluation>
  /** The JEPA trained together with the levels (`levels.encoder: "joint"`); absent when frozen. */
  readonly jointJepa: JepaModel | undefined
}

/**
 * Trains the levels above the primitive one (cached by the levels' settings and the JEPA's key):
 * on the JEPA's frozen latents, or, with `levels.encoder: "joint"`, together with a fresh JEPA of
 * the same architecture, a JEPA step before each level step. `undefined` when the configuration
 * has no levels.
 *
 * @example
 * ```ts
 * const levels = await levelsStage(context, collected, trained)
 * levels?.stack.worldModels(trained.jepa.worldModel)
 * ```
 */
export const levelsStage = async (
  context: StageContext,
  collected: CollectedData,
  trained: TrainedWorldModel
): Promise<TrainedLevels | undefined> => {
  const { config } = context
  const levels = config.levels
  if (levels.strides.length === 0) return undefined
  const stackConfig: LevelStackConfig = {
    latentSize: trained.jepa.config.latentSize,
    actionLow: trained.jepa.config.actionLow,
    actionHigh: trained.jepa.config.actionHigh,
    levels: levels.strides.map((stride) => ({ stride, macroActionSize: levels.macroActionSize }))
  }
  const joint = levels.encoder === "joint"
  const key = stageKey(
    "levels",
    { levels, seed: config.seed, ...(joint ? { jepa: config.worldModel } : {}) },
    [trained.record.key, collected.record.key]
  )
  const entry = await cachedStage(context.cache, "levels", key, async (directory) => {
    const stack = createLevelStack(stackConfig, config.seed)
    const jepa = joint ? createJepa(trained.jepa.config, config.seed) : trained.jepa
    const jepaTrainer = joint
      ? createTrainer(jepa, {
          batchSize: config.worldModel.batchSize,
          rolloutSteps: config.worldModel.rolloutSteps,
          learningRate: config.worldModel.learningRate
        })
      : undefined
    try {
      trainLevels(
        stack,
        jepa,
        collected.dataset,
        levels.trainingSteps,
        {
          batchSize: levels.batchSize,
          topSteps: levels.topSteps,
          learningRate: levels.learningRate,
          encoder: levels.encoder
        },
        Random.fromSeed(config.seed + 1),
        {
          ...(jepaTrainer === undefined ? {} : { jepaTrainer }),
          onStep: (done, total) => context.progress("levels", done / total)
        }
      )
      const errors = evaluateLevels(
        stack,
        jepa,
        collected.dataset,
        { samples: 128, topSteps: levels.topSteps },
        Random.fromSeed(config.seed + 7)
      )
      await saveCheckpoint(join(directory, "levels"), {
        parameters: stack.parameters,
        config: stackConfig,
        metadata: { metrics: { errors } }
      })
      if (joint)
        await saveCheckpoint(join(directory, "jepa"), { parameters: jepa.parameters, config: jepa.config })
      await writeStageJson(directory, "errors.json", errors)
    } finally {
      jepaTrainer?.dispose()
      stack.dispose()
      if (joint) jepa.dispose()
    }
  })
  const { model: stack } = await restoreModel(join(entry.directory, "levels"), (saved) =>
    createLevelStack(saved as unknown as LevelStackConfig, config.seed)
  )
  let jointJepa: JepaModel | undefined
  try {
    jointJepa = joint ? (await loadJepa(join(entry.directory, "jepa"), config.seed)).jepa : undefined
  } catch (error) {
    stack.dispose()
    throw error
  }
  const errors = (await readStageJson(entry.directory, "errors.json")) as ReadonlyArray<LevelEvaluation>
  const figures = Object.fromEntries(
    errors.map((error) => [`level${error.level}Error`, error.relativeErrorMean])
  )
  return { record: { ...entry, figures }, stack, errors, jointJepa }
}

/** The latents of every recorded step, as `jepa` encodes them. */
export const recordedStates = (collected: CollectedData, jepa: JepaModel, config: RunConfig) =>
  recordedLatents(jepa.worldModel, collected.dataset, config.data.observations === "pixels")

/**
 * The landmark memory of the recorded latents (cached by the memory's settings and the JEPA's
 * key, `encoderKey`: the stage that trained the encoder); `undefined` when the configuration has no
 * memory.
 *
 * @example
 * ```ts
 * const memory = await memoryStage(context, collected, trained.record.key, recorded)
 * ```
 */
export const memoryStage = async (
  context: StageContext,
  collected: CollectedData,
  encoderKey: string,
  recorded: () => LatentTrajectories
): Promise<
  | {
      /** The memory stage's record. */
      readonly record: StageRecord
      /** The landmark memory. */
      readonly graph: LandmarkGraph
    }
  | undefined
> => {
  const { config } = context
  if (config.memory.landmarks === 0) return undefined
  const settings = {
    landmarks: config.memory.landmarks,
    linkFraction: config.memory.linkFraction,
    seed: config.seed
  }
  const key = stageKey("memory", settings, [encoderKey, collected.record.key])
  const entry = await cachedStage(context.cache, "memory", key, async (directory) => {
    const graph = buildLandmarkGraph(
      recorded(),
      { landmarks: settings.landmarks, linkFraction: settings.linkFraction },
      Random.fromSeed(config.seed)
    )
    await writeStageJson(directory, "graph.json", graphToJson(graph))
  })
  const graph = graphFromJson(await readStageJson(entry.directory, "graph.json"))
  return { record: { ...entry, figures: { landmarks: graph.count } }, graph }
}

/**
 * The probe from the JEPA's latents to the goal's observation coordinates, fitted on the recorded
 * data by ridge regression (cached by the coordinates and the JEPA's key); `undefined` when the
 * cost is judged on the latent itself.
 *
 * @example
 * ```ts
 * const probe = await probeStage(context, collected, trained.record.key, recorded)
 * probe?.record.figures.r2 // 0.99
 * ```
 */
export const probeStage = async (
  context: StageContext,
  collected: CollectedData,
  encoderKey: string,
  recorded: () => LatentTrajectories
): Promise<
  | {
      /** The probe stage's record. */
      readonly record: StageRecord
      /** The fitted probe. */
      readonly probe: LatentProbe
    }
  | undefined
> => {
  const { config } = context
  if (config.cost.judgedOn !== "probe") return undefined
  const dataset = collected.dataset
  const dimensions = probeDimensions(config, dataset.observationSize)
  const features = config.cost.probe
  // A linear probe's key is what it was before quadratic probes existed: its cache stays valid.
  const key = stageKey(
    "probe",
    { dimensions, seed: config.seed, ...(features === "quadratic" ? { features } : {}) },
    [encoderKey, collected.record.key]
  )
  const entry = await cachedStage(context.cache, "probe", key, async (directory) => {
    const trajectories = recorded()
    const count = trajectories.latents.length / trajectories.latentSize
    const targets = new Float32Array(count * dimensions.length)
    for (let row = 0; row < count; row++) {
      dimensions.forEach((dimension, column) => {
        targets[row * dimensions.length + column] = dataset.observations[
          row * dataset.observationSize + dimension
        ] as number
      })
    }
    const quadratic = features === "quadratic"
    const fitted = linearProbe({
      inputs: quadratic
        ? quadraticFeatures(trajectories.latents, trajectories.latentSize)
        : trajectories.latents,
      inputSize: quadratic ? quadraticFeatureSize(trajectories.latentSize) : trajectories.latentSize,
      targets,
      targetSize: dimensions.length,
      count,
      ridge: 1e-3,
      rng: Random.fromSeed(config.seed)
    })
    const probe: LatentProbe = {
      latentSize: trajectories.latentSize,
      outputSize: dimensions.length,
      weights: fitted.weights,
      bias: fitted.bias,
      features
    }
    await writeStageJson(directory, "probe.json", probeToJson(probe, fitted.r2))
  })
  const { probe, r2 } = probeFromJson(await readStageJson(entry.directory, "probe.json"))
  return { record: { ...entry, figures: { r2 } }, probe }
}

/**
 * The decoder the pipeline trains for images `[channels, height, width]` from latents of
 * `latentSize`: an MLP of 256 to a grid a sixteenth of the image's side (or as small as powers of
 * two dividing both sides allow), then upsampling stages of factor 4 (a last one of 2 where
 * needed), 32 channels entering the first and half as many each stage after.
 *
 * @example
 * ```ts
 * decoderArchitecture(32, { channels: 2, height: 64, width: 64 })
 * // { latentSize: 32, image, hidden: [256], upsampleFactors: [4, 4], upsampleChannels: [32, 16] }
 * ```
 */
export const decoderArchitecture = (
  latentSize: number,
  image: { readonly channels: number; readonly height: number; readonly width: number }
): DecoderConfig => {
  let product = 1
  while (product < 16 && image.height % (product * 2) === 0 && image.width % (product * 2) === 0) product *= 2
  const factors: Array<number> = []
  for (let left = product; left > 1; left /= factors.at(-1) as number) factors.push(left >= 4 ? 4 : 2)
  return {
    latentSize,
    image: { channels: image.channels, height: image.height, width: image.width },
    hidden: [256],
    upsampleFactors: factors,
    upsampleChannels: factors.map((_, index) => Math.max(4, 32 >> index))
  }
}

/** A trained decoder, alive until disposed. */
export interface TrainedDecoder {
  /** The decoder stage's record; its figures are the held-out reconstruction error. */
  readonly record: StageRecord
  /** The decoder, restored from the checkpoint. */
  readonly decoder: Decoder
  /** Its reconstruction error on held-out frames (`relativeError` NaN when they are all alike). */
  readonly evaluation: DecoderEvaluation
  /** The checkpoint's folder (`saveCheckpoint`'s format, with the decoder's config). */
  readonly checkpoint: string
}

// Held-out frames: enough for the evaluation's samples, whatever the training data's size.
const heldOutTransitions = (transitions: number): number => Math.min(2_000, Math.ceil(transitions / 4))

/** The context of a pixel dataset with the run's collector settings. */
const pixelContext = (context: StageContext, transitions: number, seed: number): StageContext => ({
  ...context,
  config: {
    ...context.config,
    seed,
    data: { ...context.config.data, observations: "pixels", transitions }
  }
})

/**
 * Trains the decoder from `jepa`'s latents to the environment's images (`decoder` settings), with
 * the encoder frozen, then measures its reconstruction error on held-out frames and saves it as a
 * checkpoint in the stage's folder. It learns from the run's data when the run collects pixels
 * (`collected`, or the collect stage's, when not passed) and otherwise from a pixel dataset
 * collected for it with the run's collector settings and `decoder.transitions`; the held-out frames
 * are collected with the next seed. Cached by the decoder's settings, the encoder's stage key
 * (`encoderKey`) and the data's keys. `undefined` when `decoder.epochs` is 0 or the environment
 * draws no images.
 *
 * @example
 * ```ts
 * const trained = await decoderStage(context, learned.encoderKey, learned.jepa)
 * trained?.evaluation.relativeError // 0.2: a fifth of the mean image's squared error
 * trained?.decoder.dispose()
 * ```
 */
export const decoderStage = async (
  context: StageContext,
  encoderKey: string,
  jepa: JepaModel,
  collected?: CollectedData
): Promise<TrainedDecoder | undefined> => {
  const { config, source } = context
  const settings = config.decoder
  const image = source.spec.definition.image
  if (settings.epochs === 0) return undefined
  if (image === undefined) {
    context.report(`decoder: ${source.spec.id} draws no images; no decoder`)
    return undefined
  }
  const pixels = config.data.observations === "pixels"
  const training = pixels ? context : pixelContext(context, settings.transitions, config.seed)
  const heldOut = pixelContext(
    context,
    heldOutTransitions(pixels ? config.data.transitions : settings.transitions),
    config.seed + 1
  )
  const architecture = decoderArchitecture(jepa.config.latentSize, image)
  const key = stageKey("decoder", { decoder: settings, architecture, seed: config.seed }, [
    encoderKey,
    collectKeyOf(training),
    collectKeyOf(heldOut)
  ])
  const entry = await cachedStage(context.cache, "decoder", key, async (directory) => {
    const data =
      pixels && collected !== undefined && collected.record.key === collectKeyOf(training)
        ? collected
        : await collectStage(training)
    const frames = await collectStage(heldOut)
    const decoder = createDecoder(architecture, config.seed)
    try {
      const history = await trainDecoder(
        decoder,
        jepa,
        data.dataset,
        {
          epochs: settings.epochs,
          stepsPerEpoch: settings.stepsPerEpoch,
          batchSize: settings.batchSize,
          learningRate: settings.learningRate,
          seed: config.seed
        },
        {
          onStep: (done, total) => context.progress("decoder", done / total),
          onEpoch: (record) =>
            context.report(
              `decoder epoch ${record.epoch}: loss ${record.loss.toFixed(4)}, squared error ${record.meanSquaredError.toFixed(4)}`
            )
        }
      )
      const evaluation = evaluateDecoder(decoder, jepa, frames.dataset, { samples: 512, seed: config.seed })
      await saveCheckpoint(join(directory, "decoder"), {
        parameters: decoder.parameters,
        config: decoder.config,
        metadata: { metrics: { evaluation, history } }
      })
      await writeStageJson(directory, "evaluation.json", evaluation)
    } finally {
      decoder.dispose()
    }
  })
  const stored = (await readStageJson(entry.directory, "evaluation.json")) as Record<string, number | null>
  // JSON writes NaN as null.
  const figure = (name: string): number => stored[name] ?? Number.NaN
  const evaluation: DecoderEvaluation = {
    reconstructionMse: figure("reconstructionMse"),
    baselineMse: figure("baselineMse"),
    relativeError: figure("relativeError"),
    samples: figure("samples")
  }
  const checkpoint = join(entry.directory, "decoder")
  const { model: decoder } = await restoreModel(checkpoint, (saved) =>
    createDecoder(saved as typeof DecoderConfig.Encoded, config.seed)
  )
  return {
    record: {
      ...entry,
      figures: {
        reconstructionMse: evaluation.reconstructionMse,
        relativeError: evaluation.relativeError
      }
    },
    decoder,
    evaluation,
    checkpoint
  }
}

/** The world model's action box for an environment's action space (one-hot for discrete actions). */
export const modelActionsOf = (source: EnvSource) => modelActionSpace(source.spec.definition.actionSpace)
