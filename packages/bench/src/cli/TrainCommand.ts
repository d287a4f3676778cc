/**
 * `telos train`: trains a JEPA world model on a dataset from `telos collect`, prints a line per
 * epoch, and rewrites the checkpoint in `--out` after every epoch, so an interrupted or diverged
 * run keeps its last good epoch. `--resume` continues such a checkpoint from its next epoch.
 *
 * Resuming restores the parameters only: Adam's moment estimates start afresh (the checkpoint
 * format holds a model, not an optimiser), and the batches are drawn from `seed + epochs done`,
 * so a resumed run does not replay the batches of the epochs before it. A resumed run is therefore
 * close to, but not the same as, an uninterrupted one.
 *
 * @module
 */
import { join } from "node:path"
import {
  CheckpointError,
  ConfigError,
  DatasetError,
  type FileError,
  type InterruptedError,
  type InvalidValueError,
  type UnknownNameError
} from "@telos/core"
import type { OutputLockedError } from "@telos/core/node"
import { actionEncodingSize, type EnvRegistry, type EnvSpec, modelActionSpace } from "@telos/envs"
import {
  checkpointFiles,
  configDifferences,
  createJepa,
  type Dataset,
  type JepaModel,
  nonFiniteParameter,
  TrainingDivergedError,
  trainJepa
} from "@telos/worldmodel"
import {
  type CheckpointDatasetIdentity,
  checkpointDirectoryState,
  disposeWeights,
  type LoadedCheckpoint,
  loadCheckpoint,
  openDataset,
  restoreParameters,
  saveCheckpoint,
  verifyCheckpoint
} from "@telos/worldmodel/node"
import { Data, Effect } from "effect"
import {
  datasetIdentity,
  type EpochSummary,
  epochLine,
  formatFigure,
  summarizeEpoch,
  type TrainingSettings,
  trainingDefaults,
  trainingOptionsOf,
  worldModelConfig
} from "../pipeline/WorldModelTraining.js"
import type { TrainCommand } from "./Arguments.js"
import { claimFolder } from "./Claim.js"
import type { Progress } from "./Progress.js"

/**
 * The loss, or a weight, went NaN or infinite. The checkpoint of the last finished epoch (if any)
 * stays as it was saved; weights that are not finite are never saved over it.
 *
 * @example
 * ```ts
 * new TrainingRunDivergedError({ epoch: 3, loss: Number.NaN, keptEpoch: 2, checkpoint: "runs/model" }).message
 * // "training diverged in epoch 3 (loss NaN; try a lower --learning-rate); the checkpoint of epoch 2 remains in runs/model"
 * ```
 */
export class TrainingRunDivergedError extends Data.TaggedError("TrainingRunDivergedError")<{
  /** The epoch in which the loss or the weights stopped being finite. */
  readonly epoch: number
  readonly loss: number
  /** The epoch of the checkpoint that remains; 0 when none was saved. */
  readonly keptEpoch: number
  readonly checkpoint: string
  /** The first weight that is not finite, when the weights went bad while the loss stayed finite. */
  readonly weight?: string | undefined
}> {
  override get message(): string {
    const kept =
      this.keptEpoch > 0
        ? `the checkpoint of epoch ${this.keptEpoch} remains in ${this.checkpoint}`
        : "no checkpoint was saved"
    const what = this.weight === undefined ? `loss ${this.loss}` : `weight ${this.weight}`
    return `training diverged in epoch ${this.epoch} (${what}; try a lower --learning-rate); ${kept}`
  }
}

/** Every way `telos train` can fail. */
export type TrainingCommandError =
  | ConfigError
  | UnknownNameError
  | InvalidValueError
  | FileError
  | DatasetError
  | CheckpointError
  | TrainingRunDivergedError
  | OutputLockedError
  | InterruptedError

/**
 * What a finished `telos train` reports.
 *
 * @example
 * ```ts
 * const summary: TrainingSummary = { checkpoint: "runs/model", startEpoch: 0, epochs: 5, steps: 500, seconds: 38.2, last }
 * ```
 */
export interface TrainingSummary {
  readonly checkpoint: string
  /** Epochs the checkpoint had before this run (0 for a fresh run). */
  readonly startEpoch: number
  /** Epochs the checkpoint has now. */
  readonly epochs: number
  /** Optimisation steps of this run. */
  readonly steps: number
  readonly seconds: number
  /** The last epoch of this run; `undefined` when there was nothing left to train. */
  readonly last: EpochSummary | undefined
}

/**
 * A command's training settings, its unset flags filled with the defaults of its observation kind.
 *
 * @example
 * ```ts
 * trainingSettings(command) // { epochs: 5, stepsPerEpoch: 100, batchSize: 64, rolloutSteps: 4, learningRate: 0.001, seed: 0 }
 * ```
 */
export const trainingSettings = (command: TrainCommand): TrainingSettings => {
  const defaults = trainingDefaults(command.observations)
  return {
    epochs: command.epochs ?? defaults.epochs,
    stepsPerEpoch: command.stepsPerEpoch ?? defaults.stepsPerEpoch,
    batchSize: command.batchSize ?? defaults.batchSize,
    rolloutSteps: command.rolloutSteps ?? defaults.rolloutSteps,
    learningRate: command.learningRate ?? defaults.learningRate,
    seed: command.seed,
    ...(command.lossWeights === undefined ? {} : { lossWeights: command.lossWeights })
  }
}

/**
 * The last line of `telos train`: what was trained, the final figures, and where the checkpoint is.
 *
 * @example
 * ```ts
 * trainingSummaryText(summary)
 * // "trained epochs 1-5 (500 steps) in 38.2 s: probe R^2 0.998, effective rank 3.55, relative error at 16 steps 0.314; checkpoint: runs/model"
 * ```
 */
export const trainingSummaryText = (summary: TrainingSummary): string => {
  const { last } = summary
  if (last === undefined) {
    return `the checkpoint already has ${summary.epochs} epochs; nothing to train (raise --epochs to continue); checkpoint: ${summary.checkpoint}`
  }
  const figures = [
    `probe R^2 ${Number.isFinite(last.probeR2) ? last.probeR2.toFixed(3) : "-"}`,
    `effective rank ${formatFigure(last.effectiveRank)}`,
    `relative error at 16 steps ${formatFigure(last.relativePredictionError["16"])}`
  ].join(", ")
  return `trained epochs ${summary.startEpoch + 1}-${summary.epochs} (${summary.steps} steps) in ${summary.seconds.toFixed(1)} s: ${figures}; checkpoint: ${summary.checkpoint}`
}

const flagError = (field: string, expected: string): ConfigError =>
  new ConfigError({ source: "arguments", issues: [{ field, expected }] })

const isTypedError = (error: unknown): error is TrainingCommandError =>
  typeof error === "object" && error !== null && "_tag" in error

/** Runs a promise; typed errors fail the effect, anything else is a defect (a bug, not bad input). */
const attempt = <A>(run: () => Promise<A>): Effect.Effect<A, TrainingCommandError> =>
  Effect.tryPromise({ try: run, catch: (error) => error }).pipe(
    Effect.catch((error) => (isTypedError(error) ? Effect.fail(error) : Effect.die(error)))
  )

const attemptSync = <A>(run: () => A): Effect.Effect<A, TrainingCommandError> =>
  Effect.try({ try: run, catch: (error) => error }).pipe(
    Effect.catch((error) => (isTypedError(error) ? Effect.fail(error) : Effect.die(error)))
  )

const formatShape = (shape: ReadonlyArray<number>): string => `[${shape.join(", ")}]`

/**
 * The dataset's sizes must be the environment's: a model is built from the dataset and planned
 * with in the environment, and a mismatch would fail far from its cause (an out-of-bounds access,
 * or a model that trains on the wrong columns).
 */
const requireDatasetMatchesEnv = (dataset: Dataset, spec: EnvSpec<unknown>): void => {
  const { definition } = spec
  const differences: Array<string> = []
  const observationSize = definition.observationSpace.size
  if (dataset.observationSize !== observationSize) {
    differences.push(
      `observations of ${dataset.observationSize} numbers, the environment's have ${observationSize}`
    )
  }
  const actionSize = actionEncodingSize(definition.actionSpace)
  if (dataset.actionSize !== actionSize) {
    differences.push(`actions of ${dataset.actionSize} numbers, the environment's have ${actionSize}`)
  }
  const image = definition.image
  const imageShape = dataset.imageShape
  if (imageShape !== undefined) {
    const drawn = image === undefined ? undefined : [image.channels, image.height, image.width]
    if (drawn === undefined)
      differences.push(`images of ${formatShape(imageShape)}, the environment draws none`)
    else if (imageShape.some((size, axis) => size !== drawn[axis])) {
      differences.push(`images of ${formatShape(imageShape)}, the environment's are ${formatShape(drawn)}`)
    }
  }
  if (differences.length === 0) return
  throw new DatasetError({
    path: dataset.path,
    problem: "env-mismatch",
    detail: `the data does not fit the environment "${spec.id}" (--env): ${differences.join("; ")}`
  })
}

/** The dataset must come from `--env` and fit it, hold images for `--obs pixels`, and have episodes long enough. */
const requireDatasetFits = (
  command: TrainCommand,
  dataset: Dataset,
  spec: EnvSpec<unknown>,
  settings: TrainingSettings
): void => {
  if (dataset.envId !== command.env) {
    throw flagError(
      "--env",
      `"${dataset.envId}", the environment the dataset ${dataset.path} was collected from, received "${command.env}"`
    )
  }
  requireDatasetMatchesEnv(dataset, spec)
  if (command.observations === "pixels" && dataset.imageShape === undefined) {
    throw flagError(
      "--obs",
      `state: the dataset ${dataset.path} has no images (collect it with --obs pixels)`
    )
  }
  if (dataset.windowCount(settings.rolloutSteps) === 0) {
    const longest = dataset.episodeLengths.reduce((most, length) => Math.max(most, length), 0)
    throw flagError("--rollout-steps", `at most ${longest}, the longest episode of ${dataset.path}`)
  }
}

/**
 * A checkpoint that fails a check, reported the same way whether or not `--resume` was given:
 * what is wrong, and that neither kind of run will use or replace it.
 */
const damagedCheckpoint = (directory: string, error: unknown): unknown =>
  error instanceof CheckpointError
    ? new CheckpointError({
        path: error.path,
        problem: error.problem,
        detail:
          `${error.detail}; ${directory} holds an incomplete or damaged checkpoint, which neither --resume ` +
          "nor a fresh run will use: remove it, pass --overwrite to replace it, or choose another --out"
      })
    : error

/**
 * A fresh run needs a new or empty `--out` (never overwriting a checkpoint, which would lose its
 * epochs, unless `--overwrite` says so); a resumed one needs a checkpoint there. A checkpoint that is incomplete or damaged is
 * reported as such either way (for a resumed run, when it is loaded).
 */
const requireOutput = async (command: TrainCommand): Promise<void> => {
  const state = await checkpointDirectoryState(command.out)
  if (command.resume) {
    if (state === "checkpoint") return
    throw flagError(
      "--resume",
      `a checkpoint in ${command.out} to continue, found none${state === "other" ? " (it holds other files)" : ""}`
    )
  }
  if (state === "absent" || state === "empty") return
  // A checkpoint whole or damaged: replaced only when asked, at the first epoch's save.
  if (state === "checkpoint" && command.overwrite === true) return
  if (state === "other") {
    throw flagError("--out", `a new or empty directory for the checkpoint: ${command.out} holds other files`)
  }
  try {
    await verifyCheckpoint(command.out)
  } catch (error) {
    throw damagedCheckpoint(command.out, error)
  }
  throw flagError(
    "--out",
    `a new or empty directory: ${command.out} holds a checkpoint already (pass --resume to continue it, or --overwrite to replace it)`
  )
}

/** The flag that sets a config field: the sizes have their own, the rest follows the env or the observation kind. */
const flagOfConfigField = (difference: string): string => {
  if (difference.startsWith("latentSize")) return "--latent-size"
  if (difference.startsWith("latentVariableSize")) return "--latent-variable"
  if (difference.startsWith("action")) return "--env"
  return "--obs"
}

/** Checks a loaded checkpoint against the flags and restores it into `model`; returns where it left off. */
const applyCheckpoint = (
  command: TrainCommand,
  model: JepaModel,
  loaded: LoadedCheckpoint
): { readonly startEpoch: number; readonly history: ReadonlyArray<unknown> } => {
  const differences = configDifferences(loaded.config, JSON.parse(JSON.stringify(model.config)))
  if (differences.length > 0) {
    const byFlag = new Map<string, Array<string>>()
    for (const difference of differences) {
      const flag = flagOfConfigField(difference)
      byFlag.set(flag, [...(byFlag.get(flag) ?? []), difference])
    }
    throw new ConfigError({
      source: "arguments",
      issues: [...byFlag].map(([field, found]) => ({
        field,
        expected: `the model of the checkpoint in ${command.out} to resume it (${found.join("; ")}; checkpoint vs flags)`
      }))
    })
  }
  const trainedOn = loaded.metadata.dataset?.envId
  if (trainedOn !== undefined && trainedOn !== command.env) {
    throw flagError(
      "--env",
      `"${trainedOn}", which the checkpoint in ${command.out} was trained on, received "${command.env}"`
    )
  }
  const epoch = loaded.metadata.epoch ?? 0
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new CheckpointError({
      path: join(command.out, checkpointFiles.metadata),
      problem: "bad-manifest",
      detail: `epoch: expected an integer >= 0, found ${JSON.stringify(epoch)}`
    })
  }
  restoreParameters(model.parameters, loaded.weights, join(command.out, checkpointFiles.model))
  const history = loaded.metadata.metrics?.history
  return { startEpoch: epoch, history: Array.isArray(history) ? history.slice(0, epoch) : [] }
}

const resumeFrom = (
  command: TrainCommand,
  model: JepaModel
): Effect.Effect<
  { readonly startEpoch: number; readonly history: ReadonlyArray<unknown> },
  TrainingCommandError
> =>
  Effect.gen(function* () {
    const loaded = yield* attempt(() =>
      loadCheckpoint(command.out).catch((error: unknown) => {
        throw damagedCheckpoint(command.out, error)
      })
    )
    return yield* attemptSync(() => applyCheckpoint(command, model, loaded)).pipe(
      Effect.ensuring(Effect.sync(() => disposeWeights(loaded.weights)))
    )
  })

interface TrainingContext {
  readonly command: TrainCommand
  readonly settings: TrainingSettings
  readonly dataset: Dataset
  readonly identity: CheckpointDatasetIdentity
  readonly progress: Progress
  readonly report: (line: string) => void
}

const trainModel = (
  context: TrainingContext,
  model: JepaModel
): Effect.Effect<TrainingSummary, TrainingCommandError> =>
  Effect.gen(function* () {
    const { command, settings, dataset, identity, progress } = context
    const resumed = command.resume ? yield* resumeFrom(command, model) : { startEpoch: 0, history: [] }
    const { startEpoch } = resumed
    if (startEpoch >= settings.epochs) {
      return {
        checkpoint: command.out,
        startEpoch,
        epochs: startEpoch,
        steps: 0,
        seconds: 0,
        last: undefined
      }
    }
    if (startEpoch > 0)
      context.report(`resuming after epoch ${startEpoch} (the optimiser's state starts afresh)`)
    const history: Array<unknown> = [...resumed.history]
    let savedEpoch = startEpoch
    let last: EpochSummary | undefined
    const started = performance.now()
    yield* attempt(() =>
      trainJepa(model, dataset, trainingOptionsOf(settings, settings.seed + startEpoch), {
        startEpoch,
        ...(command.evaluationSamples === undefined
          ? {}
          : { evaluation: { samples: command.evaluationSamples } }),
        onStep: (done, total, loss) => {
          const epoch = startEpoch + Math.ceil(done / settings.stepsPerEpoch)
          progress.update(`train epoch ${epoch}/${settings.epochs}`, done / total)
          if (done % settings.stepsPerEpoch !== 0) return
          // A step's update can make the weights non-finite while the loss it reports (computed
          // before the update) is still finite: caught here, before the epoch is evaluated or saved.
          const weight = nonFiniteParameter(model.parameters)
          if (weight === undefined) return
          throw new TrainingRunDivergedError({
            epoch,
            loss: loss.total,
            keptEpoch: savedEpoch,
            checkpoint: command.out,
            weight
          })
        },
        onEpoch: async (record) => {
          const summary = summarizeEpoch(record)
          history.push(summary)
          await saveCheckpoint(command.out, {
            parameters: model.parameters,
            config: model.config,
            metadata: {
              dataset: identity,
              metrics: { history },
              epoch: record.epoch,
              observations: command.observations,
              training: settings
            }
          })
          savedEpoch = record.epoch
          last = summary
          // The bar is cleared first, so the epoch's line does not land in the middle of it.
          progress.finish()
          context.report(epochLine(summary, settings.epochs))
        }
      }).catch((error: unknown) => {
        if (!(error instanceof TrainingDivergedError)) throw error
        throw new TrainingRunDivergedError({
          epoch: savedEpoch + 1,
          loss: error.loss,
          keptEpoch: savedEpoch,
          checkpoint: command.out
        })
      })
    ).pipe(Effect.ensuring(Effect.sync(() => progress.finish())))
    return {
      checkpoint: command.out,
      startEpoch,
      epochs: settings.epochs,
      steps: (settings.epochs - startEpoch) * settings.stepsPerEpoch,
      seconds: (performance.now() - started) / 1000,
      last
    }
  })

/**
 * Trains the world model a `telos train` command asks for. An unknown environment is an
 * `UnknownNameError`; a dataset from another environment, `--obs pixels` on a dataset without
 * images, a `--rollout-steps` longer than every episode, an `--out` that holds something else, or
 * a `--resume` whose checkpoint has another model are `ConfigError`s naming the flag; a dataset
 * whose sizes are not the environment's, or that is damaged or holds unusable values, is a
 * `DatasetError`; an incomplete or damaged checkpoint in `--out` is a `CheckpointError` saying so,
 * with or without `--resume`; a diverging loss, or weights that are no longer finite, is a
 * `TrainingRunDivergedError` saying which epoch's checkpoint remains. `report` receives the lines
 * to print (a line per epoch).
 *
 * @example
 * ```ts
 * const summary = await Effect.runPromise(
 *   runTraining(command, { environments: envRegistry, progress: makeProgress(process.stderr, process.env), report: console.log })
 * )
 * console.log(trainingSummaryText(summary))
 * ```
 */
export const runTraining = (
  command: TrainCommand,
  options: {
    readonly environments: EnvRegistry
    readonly progress: Progress
    readonly report: (line: string) => void
    /** Where notices go (a stale lock taken over, temporaries of killed runs removed). */
    readonly notify?: ((line: string) => void) | undefined
  }
): Effect.Effect<TrainingSummary, TrainingCommandError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const spec = yield* attemptSync(() => options.environments.get(command.env))
      const settings = trainingSettings(command)
      if (command.resume && command.overwrite === true) {
        return yield* flagError(
          "--overwrite",
          "not with --resume: one continues the checkpoint, the other replaces it"
        )
      }
      // The checkpoint folder is swapped whole on every save, so its lock lives beside it.
      yield* claimFolder(command.out, "telos train", options.notify, { lockBeside: true })
      yield* attempt(() => requireOutput(command))
      const dataset = yield* attempt(() => openDataset(command.data))
      yield* attemptSync(() => requireDatasetFits(command, dataset, spec, settings))
      const identity = yield* attempt(() => datasetIdentity(dataset))
      options.report(
        `training on ${dataset.counts.transitions} transitions of ${dataset.envId} (${dataset.path}): ` +
          `${settings.epochs} epochs x ${settings.stepsPerEpoch} steps, batch ${settings.batchSize}, rollout ${settings.rolloutSteps}`
      )
      const context: TrainingContext = { command, settings, dataset, identity, ...options }
      return yield* Effect.acquireUseRelease(
        attemptSync(() =>
          createJepa(
            worldModelConfig({
              observations: command.observations,
              dataset,
              actionSpace: modelActionSpace(spec.definition.actionSpace),
              latentSize: command.latentSize,
              latentVariableSize: command.latentVariableSize
            }),
            command.seed
          )
        ),
        (model) => trainModel(context, model),
        (model) => Effect.sync(() => model.dispose())
      )
    })
  )
