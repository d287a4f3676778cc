/**
 * The worker side of the local pool's protocol, over the IPC channel of a forked process: the worker
 * says it is ready, then receives `{ plan, trial }` messages one at a time and answers each with
 * `{ outcome }` or `{ error }`. It leaves stopping to its coordinator: a terminal's Ctrl-C reaches
 * the whole process group, and the coordinator decides what becomes of the trials; the worker exits
 * when the coordinator disconnects (closes the pool, or dies).
 *
 * @module
 */
import type { SweepPlan, Trial, TrialOutcome } from "./Trials.js"

/** What the coordinator sends a worker. */
export interface TrialRequest {
  /** The sweep's plan. */
  readonly plan: SweepPlan
  /** The trial to run. */
  readonly trial: Trial
}

/** What a worker sends its coordinator. */
export type WorkerMessage =
  | {
      /** The worker listens for requests. */
      readonly ready: true
    }
  | {
      /** The trial finished. */
      readonly outcome: TrialOutcome
    }
  | {
      /** The trial failed: the error's first line. */
      readonly error: string
    }

/** Runs one trial (the pool's workers run `runTrial`; a test may serve another). */
export type TrialRunner = (plan: SweepPlan, trial: Trial) => Promise<TrialOutcome>

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error"

/**
 * Serves trials to the coordinator that forked this process, with `run`.
 *
 * @example
 * ```ts
 * serveTrials(runTrial)
 * ```
 */
export const serveTrials = (run: TrialRunner): void => {
  const send = process.send?.bind(process)
  if (send === undefined) throw new Error("a pool worker needs an IPC channel (started by the local pool)")
  for (const signal of ["SIGINT", "SIGHUP"] as const) process.on(signal, () => undefined)
  process.on("disconnect", () => process.exit(0))
  process.on("message", (message: TrialRequest) => {
    run(message.plan, message.trial).then(
      (outcome) => send({ outcome } satisfies WorkerMessage),
      (error: unknown) => send({ error: firstLine(error) } satisfies WorkerMessage)
    )
  })
  send({ ready: true } satisfies WorkerMessage)
}
