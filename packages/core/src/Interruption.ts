/**
 * Stopping at a safe point. A signal (or a user's stop button) only *requests* a stop; long loops
 * (collection, training, episodes, benchmark rows) call {@link checkInterruption} where stopping
 * loses nothing — between episodes, batches and rows — and unwind with an
 * {@link InterruptedError}, so that finalizers remove temporaries and results are marked
 * `interrupted` instead of the process vanishing half-way through a write.
 *
 * The request is process-wide, as signals are; it lives here rather than in the CLI so that
 * libraries can honour it without knowing who asked.
 *
 * @module
 */
import { Data } from "effect"

/** Why a stop was requested: a POSIX signal name, or another reason (a stop button, a parent gone). */
export type InterruptionReason = "SIGINT" | "SIGTERM" | "SIGHUP" | (string & {})

/**
 * A run stopped at a safe point because a stop was requested. What it finished is kept; what it
 * had half-written is removed.
 *
 * @example
 * ```ts
 * new InterruptedError({ reason: "SIGINT" }).message // "interrupted by SIGINT"
 * ```
 */
export class InterruptedError extends Data.TaggedError("InterruptedError")<{
  /** What requested the stop. */
  readonly reason: InterruptionReason
}> {
  /** `interrupted by <reason>`. */
  override get message(): string {
    return `interrupted by ${this.reason}`
  }
}

let requested: InterruptionReason | undefined

/**
 * Requests a stop at the next safe point. The first reason given is kept.
 *
 * @example
 * ```ts
 * process.once("SIGINT", () => requestInterruption("SIGINT"))
 * ```
 */
export const requestInterruption = (reason: InterruptionReason): void => {
  requested ??= reason
}

/** The reason of the pending stop request, or `undefined` when none was made. */
export const interruptionRequested = (): InterruptionReason | undefined => requested

/** Withdraws a stop request (tests, and an embedding that handled it and goes on). */
export const clearInterruption = (): void => {
  requested = undefined
}

/**
 * Throws an {@link InterruptedError} when a stop was requested; called at safe points.
 *
 * @example
 * ```ts
 * for (const batch of batches) {
 *   checkInterruption()
 *   await trainOn(batch)
 * }
 * ```
 */
export const checkInterruption = (): void => {
  if (requested !== undefined) throw new InterruptedError({ reason: requested })
}

/** The conventional exit status of a process stopped by `reason`: 128 + the signal's number. */
export const interruptionExitCode = (reason: InterruptionReason): number =>
  reason === "SIGINT" ? 130 : reason === "SIGTERM" ? 143 : reason === "SIGHUP" ? 129 : 1
