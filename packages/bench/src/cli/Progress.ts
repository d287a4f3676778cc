/**
 * Progress on a terminal: one line, rewritten in place. Off when the output is not a terminal or
 * when `CI` is set, so logs stay clean.
 *
 * @module
 */

/** A progress display. */
export interface Progress {
  update(label: string, fraction: number): void
  /** Clears the line. */
  finish(): void
}

/** The output a progress display writes to. */
export interface ProgressOutput {
  readonly isTTY?: boolean | undefined
  write(text: string): unknown
}

/** Whether progress should show: on a terminal, outside CI. */
export const progressEnabled = (
  output: ProgressOutput,
  environment: Readonly<Record<string, string | undefined>>
): boolean =>
  output.isTTY === true &&
  (environment.CI === undefined || environment.CI === "" || environment.CI === "false")

/**
 * A progress bar on `output`, drawn at most every 100 ms.
 *
 * @example
 * ```ts
 * const progress = makeProgress(process.stderr, process.env)
 * progress.update("pendulum", 0.4)
 * progress.finish()
 * ```
 */
export const makeProgress = (
  output: ProgressOutput,
  environment: Readonly<Record<string, string | undefined>>
): Progress => {
  if (!progressEnabled(output, environment)) return { update: () => undefined, finish: () => undefined }
  let lastDrawn = 0
  let drawn = false
  return {
    update: (label, fraction) => {
      const now = Date.now()
      if (now - lastDrawn < 100 && fraction < 1) return
      lastDrawn = now
      const clamped = Math.max(0, Math.min(1, fraction))
      const width = 30
      const filled = Math.round(clamped * width)
      // Clear the line first: a shorter label must not leave the end of a longer one behind.
      output.write(
        `\r\u001b[2K${label.padEnd(20)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(clamped * 100).toFixed(0).padStart(3)}%`
      )
      drawn = true
    },
    finish: () => {
      if (drawn) output.write("\r\u001b[2K")
      drawn = false
    }
  }
}
