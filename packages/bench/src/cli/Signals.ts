/**
 * Signals in a `telos` process. The first SIGINT, SIGTERM or SIGHUP requests a stop at the next
 * safe point (see `requestInterruption` in `@telos/core`): the run removes its temporaries, marks
 * its results `interrupted` and exits 130, 143 or 129. A second one, a second or more later, stops
 * at once; what a killed run leaves is never read as finished and is swept by the next run in the
 * same folder.
 *
 * The launcher (`bin.ts`) starts the worker in a process group of its own, so that a terminal's
 * Ctrl-C reaches it once, through the launcher, and not twice.
 *
 * @module
 */
import { constants } from "node:os"
import { type InterruptionReason, requestInterruption } from "@telos/core"

const duplicateWindowMs = 1_000

/** The signals that stop a run. */
export const stopSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const

/** 128 + the signal's number: the status a shell reports for a process stopped by it. */
export const signalExitCode = (signal: NodeJS.Signals): number => 128 + (constants.signals[signal] ?? 0)

/**
 * Makes the stop signals request a stop, and a parent launcher's disappearance too (its IPC
 * channel closes when it is killed, even by SIGKILL). `notify` writes one line when a stop begins.
 */
export const stopOnSignals = (notify: (line: string) => void): void => {
  let stoppingSince: number | undefined
  const stop = (reason: InterruptionReason, exitCode: number) => {
    if (stoppingSince !== undefined) {
      // One signal can arrive twice, through the launcher and directly (`pkill -f telos` matches
      // both processes): only a second one a moment later means "stop at once".
      if (performance.now() - stoppingSince < duplicateWindowMs) return
      notify(`telos: ${reason} again, stopping now`)
      process.exit(exitCode)
    }
    stoppingSince = performance.now()
    notify(`telos: ${reason}: stopping at the next safe point (send it again to stop at once)`)
    requestInterruption(reason)
  }
  for (const signal of stopSignals) process.on(signal, () => stop(signal, signalExitCode(signal)))
  if (process.channel !== undefined) {
    // The channel exists only to notice the launcher's death; it must not keep the worker alive.
    process.channel.unref()
    process.on("disconnect", () => stop("SIGTERM", signalExitCode("SIGTERM")))
  }
}
