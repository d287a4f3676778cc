/**
 * The `worldmodel-wind` suite: does a latent variable let a world model cover what it cannot
 * observe? On `two-rooms-wind` each episode has a hidden drift. A deterministic JEPA and one with a
 * 2-D latent variable z are trained on the same data; for held-out windows, the deterministic
 * model's error is compared with the best of K futures the latent model predicts for K values of z
 * drawn from its prior.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { latentVariableCoverage } from "@telos/worldmodel"
import { resolveRunConfig } from "../../configurator/Resolve.js"
import { loadEnvSource } from "../../pipeline/EnvSource.js"
import { collectStage, worldModelStage } from "../../pipeline/Stages.js"
import type { Suite, SuiteCheck, SuiteRow, SummaryColumn } from "../../report/Suite.js"

/** One model's row. */
export interface LatentVariableRow extends SuiteRow {
  /** The environment's id. */
  readonly env: string
  /** Which model: without a latent variable, or with one. */
  readonly model: "deterministic" | "latent-variable"
  /** Size of the latent variable z (0 for the deterministic model). */
  readonly latentVariableSize: number
  /** Training steps. */
  readonly steps: number
  /** Error with no latent variable (deterministic) or z = 0. */
  readonly typicalError: number
  /** Smallest error among K sampled futures (equals typicalError for the deterministic model). */
  readonly bestOfKError: number
  /** Error with z inferred from the window itself. */
  readonly posteriorError: number
  /** K: futures sampled per window. */
  readonly candidates: number
  /** Predicted steps per window. */
  readonly horizon: number
  /** Wall-clock seconds of training (0 when the model came from the cache). */
  readonly trainSeconds: number
}

/** Sizes of the suite; tests shrink them. */
export interface LatentVariableSuiteOptions {
  /** Transitions of data collected (default 30,000). */
  readonly transitions?: number
  /** Training steps (default 1500). */
  readonly steps?: number
  /** Predicted steps per training sequence and per evaluated window (default 8). */
  readonly horizon?: number
  /** K, futures sampled per window (default 8). */
  readonly candidates?: number
}

const column = (title: string, cell: (row: LatentVariableRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as LatentVariableRow)
})

/** Passes when the latent model's best of K is under three quarters of the deterministic error. */
export const latentVariableChecks = (rows: ReadonlyArray<SuiteRow>): ReadonlyArray<SuiteCheck> => {
  const typed = rows as ReadonlyArray<LatentVariableRow>
  const deterministic = typed.find((row) => row.model === "deterministic")
  const latent = typed.find((row) => row.model === "latent-variable")
  return [
    {
      description: "best-of-K error of the latent-variable model < 0.75 x the deterministic model's error",
      passed:
        deterministic !== undefined &&
        latent !== undefined &&
        latent.bestOfKError < 0.75 * deterministic.typicalError
    }
  ]
}

/**
 * Builds the suite.
 *
 * @example
 * ```ts
 * const quick = makeLatentVariableSuite({ transitions: 2000, steps: 50 })
 * ```
 */
export const makeLatentVariableSuite = (options: LatentVariableSuiteOptions = {}): Suite => {
  const transitions = options.transitions ?? 30_000
  const steps = options.steps ?? 1500
  const horizon = options.horizon ?? 8
  const candidates = options.candidates ?? 8
  return {
    id: "worldmodel-wind",
    description: "Latent-variable JEPA on two-rooms-wind: best of K sampled futures vs a deterministic model",
    protocol: {
      env: "two-rooms-wind (state observations; a hidden wind per episode)",
      data: `${transitions} random-walk transitions`,
      training: `${steps} steps, batch 64, rollout ${horizon}, learning rate 1e-3; latent-variable penalty 0.01`,
      evaluation: `256 windows of ${horizon} steps; best of ${candidates} futures, z drawn from the prior (z inferred on other windows)`
    },
    columns: [
      column("model", (row) => row.model),
      column("z size", (row) => String(row.latentVariableSize)),
      column("steps", (row) => String(row.steps)),
      column("typical error", (row) => row.typicalError.toFixed(4)),
      column(`best of K`, (row) => row.bestOfKError.toFixed(4)),
      column("posterior", (row) => row.posteriorError.toFixed(4)),
      column("train s", (row) => row.trainSeconds.toFixed(1))
    ],
    checks: latentVariableChecks,
    timingFields: ["trainSeconds"],
    skipsFinishedRows: true,
    run: async function* (context) {
      const scratch =
        context.directory === undefined ? await mkdtemp(join(tmpdir(), "telos-wind-")) : undefined
      const cache = context.cache ?? join(context.directory ?? (scratch as string), "cache")
      try {
        const source = await loadEnvSource("two-rooms-wind")
        for (const [index, latentVariableSize] of [0, 2].entries()) {
          if (index < (context.resumeAfter ?? 0)) continue
          const config = resolveRunConfig(source.spec, source.name, {
            file: {
              seed: context.seed,
              data: {
                transitions,
                episodeLength: source.spec.definition.maxEpisodeSteps,
                observations: "state"
              },
              worldModel: {
                latentSize: 16,
                epochs: 1,
                stepsPerEpoch: steps,
                batchSize: 64,
                rolloutSteps: horizon,
                learningRate: 1e-3,
                latentVariableSize,
                lossWeights: { latentVariable: 0.01 }
              },
              evaluation: { agents: ["flat"] }
            }
          })
          const stageContext = {
            config,
            source,
            cache,
            progress: (label: string, fraction: number) =>
              context.progress(`z size ${latentVariableSize}: ${label}`, (index + fraction) / 2),
            report: () => undefined
          }
          const collected = await collectStage(stageContext)
          const trained = await worldModelStage(stageContext, collected)
          try {
            const coverage = latentVariableCoverage(trained.jepa, collected.dataset, {
              candidates,
              horizon,
              samples: 256
            })
            const row: LatentVariableRow = {
              env: "two-rooms-wind",
              model: latentVariableSize === 0 ? "deterministic" : "latent-variable",
              latentVariableSize,
              steps,
              typicalError: coverage.typicalError,
              bestOfKError: coverage.bestOfKError,
              posteriorError: coverage.posteriorError,
              candidates,
              horizon,
              trainSeconds: trained.record.seconds
            }
            yield row
          } finally {
            trained.jepa.dispose()
          }
        }
      } finally {
        if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
      }
    }
  }
}

/** The suite at its default sizes. */
export const latentVariableSuite: Suite = makeLatentVariableSuite()
