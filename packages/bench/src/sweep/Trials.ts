/**
 * What a sweep is made of, shared by the coordinator and every way of running its trials (a local
 * pool of worker processes, or BullMQ workers on other machines): a sweep is a base configuration,
 * settings over configuration keys (a grid or a list) and seeds; each setting with each seed is a
 * trial, and a trial is one pipeline run whose rows come back to the coordinator.
 *
 * @module
 */
import type { SuiteRow } from "../report/Suite.js"

/** One combination of a sweep: a setting of the swept keys, with one seed. */
export interface Trial {
  /** The trial's index in the sweep, from 0, settings outer and seeds inner. */
  readonly trial: number
  /** The run's seed. */
  readonly seed: number
  /** The swept keys' values, by dotted configuration path (`actor.horizon`). */
  readonly setting: Readonly<Record<string, unknown>>
  /** The setting in words, stable and unique within the sweep: `actor.horizon=10, actor.planner="cem"`. */
  readonly settingId: string
}

/**
 * Everything a worker needs to run any trial of a sweep, as plain JSON (it travels to worker
 * processes and through Redis).
 */
export interface SweepPlan {
  /** A key of the sweep's contents (base, settings, seeds): jobs of one sweep share it. */
  readonly key: string
  /** The environment: a registered id or a module path every worker can reach. */
  readonly env: string
  /** A suite whose settings apply under the base (`--preset`), when given. */
  readonly preset?: string | undefined
  /** The base configuration (a partial run configuration, the configurator's). */
  readonly base: Readonly<Record<string, unknown>>
  /** Every trial, in order. */
  readonly trials: ReadonlyArray<Trial>
  /** The stage cache shared by the trials (a folder every worker can reach). */
  readonly cache: string
}

/** A finished trial: its run's rows, each carrying `trial`, `seed` and `setting`. */
export interface TrialOutcome {
  /** The trial's index. */
  readonly trial: number
  /** The run's rows. */
  readonly rows: ReadonlyArray<SuiteRow>
  /** Wall-clock seconds the trial took on its worker. */
  readonly seconds: number
  /** Attempts it took, 1 when it succeeded at once. */
  readonly attempts: number
  /** Which worker ran it (host and pid). */
  readonly worker: string
}

/** A trial that failed every attempt. */
export interface TrialFailure {
  /** The trial's index. */
  readonly trial: number
  /** The last attempt's error, first line. */
  readonly error: string
  /** Attempts made. */
  readonly attempts: number
}

/** What an executor tells the coordinator as trials move. */
export interface TrialEvents {
  /** A worker started an attempt of `trial`. */
  readonly onStart: (trial: number, worker: string) => void
  /** `trial` finished. */
  readonly onDone: (outcome: TrialOutcome) => void
  /** `trial` failed its last attempt. */
  readonly onFailed: (failure: TrialFailure) => void
}

/** The attempts a trial gets before it is reported failed. */
export const trialAttempts = 3

/**
 * Runs trials somewhere: a local pool of worker processes, or a queue. `run` resolves once every
 * trial of `pending` has finished or failed (each reported through `events`); a trial whose
 * worker dies is attempted again elsewhere, up to {@link trialAttempts} attempts in all.
 */
export interface TrialExecutor {
  /** Runs `pending` (trials of `plan`), reporting each through `events`. */
  readonly run: (plan: SweepPlan, pending: ReadonlyArray<Trial>, events: TrialEvents) => Promise<void>
  /** Frees the workers or connections. */
  readonly close: () => Promise<void>
}
