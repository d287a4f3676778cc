/**
 * How the perf suite times a workload: after construction and a warm-up (both untimed), it
 * repeats the run and reports the median. The stopping rule is the PyTorch reference's, so both
 * sides of a comparison take the same number of samples: at least `minRuns`, then more until
 * `budgetSeconds` of timed runs have passed, but never more than `maxRuns`.
 *
 * The warm-up is one run and then more until `warmUpSeconds` have passed (at most
 * `maxWarmUpRuns`): the native backend's allocator reaches its working set over the first few
 * runs of a fast workload (the JEPA step: 130, 89, 47, 45 ms, then 36-41 ms), where PyTorch's
 * second run is already as fast as its last. A slow workload (seconds per run) warms up in its
 * first run, and gets no second.
 *
 * @module
 */

/** When to stop repeating a run. */
export interface TimingProtocol {
  /** Runs taken whatever the budget (the median needs a few). */
  readonly minRuns: number
  /** Runs never exceeded, however fast the workload. */
  readonly maxRuns: number
  /** Seconds of timed runs after which no new run starts (once `minRuns` are done). */
  readonly budgetSeconds: number
  /** Seconds of untimed runs before timing (the first run always; 1 when absent). */
  readonly warmUpSeconds?: number
  /** Untimed runs never exceeded (10 when absent). */
  readonly maxWarmUpRuns?: number
}

/**
 * The PyTorch reference's protocol: at least 3 runs, more while under 20 s of timed runs, at most
 * 15; warm-up runs for 1 s, at most 10.
 *
 * @example
 * ```ts
 * const quick: TimingProtocol = { ...defaultTimingProtocol, budgetSeconds: 3 }
 * ```
 */
export const defaultTimingProtocol: TimingProtocol = {
  minRuns: 3,
  maxRuns: 15,
  budgetSeconds: 20,
  warmUpSeconds: 1,
  maxWarmUpRuns: 10
}

/**
 * The warm-up rule of `protocol`: its own settings, the default protocol's where it has none.
 *
 * @example
 * ```ts
 * warmUpRule({ minRuns: 3, maxRuns: 3, budgetSeconds: 0 }) // { seconds: 1, maxRuns: 10 }
 * ```
 */
export const warmUpRule = (
  protocol: TimingProtocol
): { readonly seconds: number; readonly maxRuns: number } => ({
  seconds: protocol.warmUpSeconds ?? (defaultTimingProtocol.warmUpSeconds as number),
  maxRuns: protocol.maxWarmUpRuns ?? (defaultTimingProtocol.maxWarmUpRuns as number)
})

/**
 * Runs `run` untimed under `protocol`'s warm-up rule after a first run that the caller started at
 * `started` (a `clock` reading); returns how many runs it added.
 *
 * @example
 * ```ts
 * const started = performance.now()
 * run()
 * const more = warmUp(run, defaultTimingProtocol, started)
 * ```
 */
export const warmUp = (
  run: () => unknown,
  protocol: TimingProtocol,
  started: number,
  clock: () => number = () => performance.now()
): number => {
  const { seconds, maxRuns } = warmUpRule(protocol)
  let runs = 0
  while (runs < maxRuns - 1 && clock() - started < seconds * 1000) {
    run()
    runs++
  }
  return runs
}

/** The timed runs of one workload, in milliseconds, and their summary. */
export interface Timings {
  /** Every timed run, in order. */
  readonly milliseconds: ReadonlyArray<number>
  readonly median: number
  readonly min: number
  readonly max: number
}

/**
 * The median of a non-empty list (the mean of the middle two for an even length).
 *
 * @example
 * ```ts
 * median([3, 1, 2]) // 2
 * median([4, 1, 2, 3]) // 2.5
 * ```
 */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) throw new RangeError("median: expected at least one value")
  const sorted = [...values].sort((left, right) => left - right)
  const middle = Math.floor(sorted.length / 2)
  const upper = sorted[middle] as number
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2
}

/**
 * Times `run` repeatedly under `protocol` (no warm-up: the caller does that). `clock` returns
 * milliseconds; a test can substitute it.
 *
 * @example
 * ```ts
 * const timings = timeRuns(() => runCemWorkload(problem, workload, rng))
 * timings.median // milliseconds
 * ```
 */
export const timeRuns = (
  run: () => unknown,
  protocol: TimingProtocol = defaultTimingProtocol,
  clock: () => number = () => performance.now()
): Timings => {
  const milliseconds: Array<number> = []
  const started = clock()
  while (milliseconds.length < Math.max(1, protocol.maxRuns)) {
    const enough = milliseconds.length >= protocol.minRuns && milliseconds.length > 0
    if (enough && clock() - started >= protocol.budgetSeconds * 1000) break
    const before = clock()
    run()
    milliseconds.push(clock() - before)
  }
  return {
    milliseconds,
    median: median(milliseconds),
    min: Math.min(...milliseconds),
    max: Math.max(...milliseconds)
  }
}
