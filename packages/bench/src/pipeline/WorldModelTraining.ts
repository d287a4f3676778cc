/**
 * What `telos train` and the `worldmodel` suite share: the model and training defaults of each
 * observation kind (sizes measured to train in minutes on two cores), the identity of a dataset
 * as a checkpoint records it, and an epoch's record reduced to the figures a person or a results
 * file wants.
 *
 * @module
 */
import { open } from "node:fs/promises"
import type { Box } from "@telos/core"
import {
  type Dataset,
  datasetMagic,
  datasetPrefixBytes,
  type EpochRecord,
  type JepaConfig,
  type LossTerms
} from "@telos/worldmodel"
import type { CheckpointDatasetIdentity } from "@telos/worldmodel/node"

/**
 * What a world model observes: the dataset's state vectors or its images.
 *
 * @example
 * ```ts
 * const observations: ObservationKind = "pixels"
 * ```
 */
export type ObservationKind = "state" | "pixels"

/**
 * The training settings of a run, all resolved.
 *
 * @example
 * ```ts
 * const settings: TrainingSettings = { epochs: 5, stepsPerEpoch: 100, batchSize: 64, rolloutSteps: 4, learningRate: 1e-3, seed: 0 }
 * ```
 */
export interface TrainingSettings {
  readonly epochs: number
  readonly stepsPerEpoch: number
  readonly batchSize: number
  readonly rolloutSteps: number
  readonly learningRate: number
  readonly seed: number
  /** The loss terms' weights; the library's defaults when absent. */
  readonly lossWeights?: TrainingLossWeights | undefined
}

/**
 * The weights of a JEPA's loss terms.
 *
 * @example
 * ```ts
 * const weights: TrainingLossWeights = { prediction: 1, variance: 1, covariance: 0.04, inverseDynamics: 1, smoothness: 0.1, latentVariable: 0.1 }
 * ```
 */
export interface TrainingLossWeights {
  readonly prediction: number
  readonly variance: number
  readonly covariance: number
  readonly inverseDynamics: number
  readonly smoothness: number
  readonly latentVariable: number
}

/** The options `trainJepa` takes for these settings, with batches drawn from `seed`. */
export const trainingOptionsOf = (settings: TrainingSettings, seed = settings.seed) => ({
  epochs: settings.epochs,
  stepsPerEpoch: settings.stepsPerEpoch,
  batchSize: settings.batchSize,
  rolloutSteps: settings.rolloutSteps,
  learningRate: settings.learningRate,
  seed,
  ...(settings.lossWeights === undefined
    ? {}
    : {
        predictionWeight: settings.lossWeights.prediction,
        varianceWeight: settings.lossWeights.variance,
        covarianceWeight: settings.lossWeights.covariance,
        inverseDynamicsWeight: settings.lossWeights.inverseDynamics,
        smoothnessWeight: settings.lossWeights.smoothness,
        latentVariableWeight: settings.lossWeights.latentVariable
      })
})

/**
 * The training defaults of an observation kind. Pixel batches are half as large: one image step
 * costs about thirty state steps on the wasm backend.
 *
 * @example
 * ```ts
 * trainingDefaults("pixels").batchSize // 32
 * ```
 */
export const trainingDefaults = (observations: ObservationKind): Omit<TrainingSettings, "seed"> => ({
  epochs: 5,
  stepsPerEpoch: 100,
  batchSize: observations === "pixels" ? 32 : 64,
  rolloutSteps: 4,
  learningRate: 1e-3
})

/**
 * What a model config is built from besides the observation kind's defaults.
 *
 * @example
 * ```ts
 * const request: ModelRequest = { observations: "state", dataset, actionSpace: twoRooms.definition.actionSpace }
 * ```
 */
export interface ModelRequest {
  readonly observations: ObservationKind
  readonly dataset: Dataset
  /** The environment's action space: the model's action bounds. */
  readonly actionSpace: Box
  /** Default 16. */
  readonly latentSize?: number | undefined
  /** Default 0 (a deterministic model). */
  readonly latentVariableSize?: number | undefined
}

/**
 * The JEPA config of a request: for state vectors an MLP encoder `[64, 64]`; for images two
 * patch stages (4 x 4 patches to 16 channels, then 4 x 4 to 32) and a `[64]` head; for both a
 * `[128, 128]` predictor and a `[64]` inverse-dynamics head. The observation's shape comes from the
 * dataset, so a config always fits the data it was made for.
 *
 * @example
 * ```ts
 * const config = worldModelConfig({ observations: "pixels", dataset, actionSpace })
 * config.observation // { kind: "image", channels: 2, height: 64, width: 64 }
 * ```
 */
export const worldModelConfig = (request: ModelRequest): typeof JepaConfig.Encoded => {
  const { dataset, actionSpace } = request
  const shared = {
    latentSize: request.latentSize ?? 16,
    actionLow: Array.from(actionSpace.low),
    actionHigh: Array.from(actionSpace.high),
    predictorHidden: [128, 128],
    inverseDynamicsHidden: [64],
    latentVariableSize: request.latentVariableSize ?? 0
  }
  const imageShape = dataset.imageShape
  if (request.observations === "pixels" && imageShape !== undefined) {
    const [channels, height, width] = imageShape
    return {
      ...shared,
      observation: { kind: "image", channels, height, width },
      encoderHidden: [64],
      patchSizes: [4, 4],
      patchChannels: [16, 32]
    }
  }
  return {
    ...shared,
    observation: { kind: "vector", size: dataset.observationSize },
    encoderHidden: [64, 64]
  }
}

/**
 * The CRC-32 a dataset file stores for its header (bytes 12 to 16), which changes whenever the
 * data does (the header holds every block's checksum); `undefined` when the file cannot be read.
 *
 * @example
 * ```ts
 * await datasetHeaderChecksum("runs/data/dataset.bin") // 0x1c291ca3
 * ```
 */
export const datasetHeaderChecksum = async (path: string): Promise<number | undefined> => {
  try {
    const file = await open(path, "r")
    try {
      const prefix = new Uint8Array(datasetPrefixBytes)
      const { bytesRead } = await file.read(prefix, 0, datasetPrefixBytes, 0)
      if (bytesRead < datasetPrefixBytes || datasetMagic.some((byte, index) => prefix[index] !== byte))
        return undefined
      return new DataView(prefix.buffer).getUint32(12, true)
    } finally {
      await file.close()
    }
  } catch {
    return undefined
  }
}

/**
 * Which dataset a model is trained on, as its checkpoint records it.
 *
 * @example
 * ```ts
 * await datasetIdentity(dataset) // { path: "runs/data/dataset.bin", envId: "two-rooms", transitions: 20000, checksum: 2871... }
 * ```
 */
export const datasetIdentity = async (dataset: Dataset): Promise<CheckpointDatasetIdentity> => ({
  path: dataset.path,
  envId: dataset.envId,
  transitions: dataset.counts.transitions,
  checksum: await datasetHeaderChecksum(dataset.path)
})

/**
 * One epoch's figures, as checkpoints and results files keep them (plain JSON).
 *
 * @example
 * ```ts
 * const summary: EpochSummary = summarizeEpoch(record)
 * summary.relativePredictionError["16"] // 0.31
 * ```
 */
export interface EpochSummary {
  readonly epoch: number
  /** The mean total loss over the epoch's steps. */
  readonly loss: number
  readonly lossTerms: LossTerms
  readonly probeR2: number
  readonly effectiveRank: number
  readonly meanStd: number
  readonly minimumStd: number
  /** Mean squared latent error per dimension after k predicted steps, by k. */
  readonly predictionError: Readonly<Record<string, number>>
  /** The same over the latents' mean variance. */
  readonly relativePredictionError: Readonly<Record<string, number>>
  readonly samplesPerSecond: number
  readonly seconds: number
}

/**
 * Reduces an epoch's record to its summary.
 *
 * @example
 * ```ts
 * await trainJepa(model, dataset, options, { onEpoch: (record) => history.push(summarizeEpoch(record)) })
 * ```
 */
export const summarizeEpoch = (record: EpochRecord): EpochSummary => ({
  epoch: record.epoch,
  loss: record.loss.total,
  lossTerms: record.loss,
  probeR2: record.evaluation.probeR2,
  effectiveRank: record.evaluation.effectiveRank,
  meanStd: record.evaluation.meanStd,
  minimumStd: record.evaluation.minimumStd,
  predictionError: record.evaluation.predictionError,
  relativePredictionError: record.evaluation.relativePredictionError,
  samplesPerSecond: record.samplesPerSecond,
  seconds: record.seconds
})

/**
 * The horizons whose prediction errors lines and rows report.
 *
 * @example
 * ```ts
 * reportedHorizons // [1, 4, 16]
 * ```
 */
export const reportedHorizons: ReadonlyArray<number> = [1, 4, 16]

/**
 * A figure with three significant digits, or `-` when there is none.
 *
 * @example
 * ```ts
 * formatFigure(0.0031415) // "0.00314"
 * formatFigure(undefined) // "-"
 * ```
 */
export const formatFigure = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? "-" : Number(value.toPrecision(3)).toString()

/**
 * The line `telos train` prints after an epoch: the loss, how linearly the state reads from the
 * latent, whether the latent has collapsed (rank, spread), and the relative prediction error after
 * 1, 4 and 16 steps (`-` where the episodes are too short).
 *
 * @example
 * ```ts
 * epochLine(summary, 5)
 * // "epoch 2/5  loss 2.45  probe R^2 0.998  rank 3.44  std 0.952  error 1/4/16 0.00269/0.0243/0.343 (relative)  2778 samples/s  2.3 s"
 * ```
 */
export const epochLine = (summary: EpochSummary, epochs: number): string =>
  [
    `epoch ${summary.epoch}/${epochs}`,
    `loss ${formatFigure(summary.loss)}`,
    `probe R^2 ${Number.isFinite(summary.probeR2) ? summary.probeR2.toFixed(3) : "-"}`,
    `rank ${formatFigure(summary.effectiveRank)}`,
    `std ${formatFigure(summary.meanStd)}`,
    `error 1/4/16 ${reportedHorizons.map((horizon) => formatFigure(summary.relativePredictionError[String(horizon)])).join("/")} (relative)`,
    `${Math.round(summary.samplesPerSecond)} samples/s`,
    `${summary.seconds.toFixed(1)} s`
  ].join("  ")
