/**
 * A whole training run: epochs of optimisation steps, the model evaluated after each epoch, and
 * hooks for progress and checkpoints. Divergence (a non-finite loss) ends the run with
 * `TrainingDivergedError` after the last good epoch was reported.
 *
 * @module
 */
import { checkInterruption } from "@telos/core"
import type { Dataset } from "../data/Dataset.js"
import type { JepaModel } from "../jepa/Jepa.js"
import { type EvaluationOptions, evaluateJepa, type JepaEvaluation } from "./Evaluation.js"
import { nextTurn } from "./NextTurn.js"
import {
  createTrainer,
  type LossTerms,
  meanTerms,
  TrainingDivergedError,
  type TrainingOptions,
  trainingRandom
} from "./Training.js"

/** One epoch's record. */
export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number
  /** The loss terms averaged over the epoch's steps. */
  readonly loss: LossTerms
  /** The model evaluated after the epoch. */
  readonly evaluation: JepaEvaluation
  /** Wall-clock seconds of the epoch's optimisation steps (the evaluation not included). */
  readonly seconds: number
  /** Training sequences per second over the epoch (batch size times steps, over seconds). */
  readonly samplesPerSecond: number
}

/** Hooks of a training run. */
export interface TrainingHooks {
  /** After every optimisation step: steps done and steps in all. */
  readonly onStep?: (done: number, total: number, loss: LossTerms) => void
  /** After every epoch, e.g. to save a checkpoint; awaited before the next epoch starts. */
  readonly onEpoch?: (record: EpochRecord) => void | Promise<void>
  /** Epochs already done (when resuming); the run continues with the next one. */
  readonly startEpoch?: number
  /** Options of the evaluation after each epoch. */
  readonly evaluation?: EvaluationOptions
}

/**
 * Trains `model` on `dataset`.
 *
 * @example
 * ```ts
 * const history = await trainJepa(model, dataset, { epochs: 5, stepsPerEpoch: 100 }, {
 *   onEpoch: (record) => console.log(record.epoch, record.evaluation.probeR2)
 * })
 * ```
 */
export const trainJepa = async (
  model: JepaModel,
  dataset: Dataset,
  options: typeof TrainingOptions.Encoded = {},
  hooks: TrainingHooks = {}
): Promise<ReadonlyArray<EpochRecord>> => {
  const trainer = createTrainer(model, options)
  const { config } = trainer
  const rng = trainingRandom(config)
  const startEpoch = hooks.startEpoch ?? 0
  const total = (config.epochs - startEpoch) * config.stepsPerEpoch
  const history: Array<EpochRecord> = []
  let done = 0
  try {
    for (let epoch = startEpoch + 1; epoch <= config.epochs; epoch++) {
      // The last epoch's checkpoint is saved: a stop here loses nothing.
      checkInterruption()
      const started = performance.now()
      const losses: Array<LossTerms> = []
      for (let step = 0; step < config.stepsPerEpoch; step++) {
        let loss: LossTerms
        try {
          loss = trainer.step(dataset, rng)
        } catch (error) {
          if (error instanceof TrainingDivergedError) {
            throw new TrainingDivergedError({ epoch, step: step + 1, loss: error.loss })
          }
          throw error
        }
        losses.push(loss)
        done++
        hooks.onStep?.(done, total, loss)
        // Let timers and I/O (progress output) run between steps of a long epoch.
        if (step % 20 === 19) {
          await nextTurn()
          checkInterruption()
        }
      }
      const seconds = (performance.now() - started) / 1000
      const record: EpochRecord = {
        epoch,
        loss: meanTerms(losses),
        evaluation: evaluateJepa(model, dataset, hooks.evaluation),
        seconds,
        samplesPerSecond: (config.stepsPerEpoch * config.batchSize) / seconds
      }
      history.push(record)
      await hooks.onEpoch?.(record)
    }
  } finally {
    trainer.dispose()
  }
  return history
}
