/**
 * The largest searches the planners accept. These are generous bounds, not tuning: a horizon or a
 * candidate count past them is almost always a typo (`1e9` for `1e3`), which would otherwise fail
 * as a `RangeError` deep inside an array allocation, or run the machine out of memory, long after
 * the setting was read. Checked where the settings are decoded and again when a problem is planned.
 *
 * @module
 */
import { InvalidValueError } from "@telos/core"
import { Schema } from "effect"

/**
 * The most steps a plan may look ahead: 10,000 (the longest horizons in the literature are a few
 * hundred steps).
 *
 * @example
 * ```ts
 * gradientPlanner().plan({ ...problem, horizon: maxPlanningHorizon + 1 }, rng) // throws: problem.horizon
 * ```
 */
export const maxPlanningHorizon = 10_000

/**
 * The most candidate sequences a planner scores per problem and iteration (samples, restarts):
 * 100,000.
 *
 * @example
 * ```ts
 * cemPlanner({ samples: maxPlanningCandidates + 1 }) // throws ConfigError naming samples
 * ```
 */
export const maxPlanningCandidates = 100_000

/**
 * The most numbers one array of a search may hold: `2^31 - 1`, below the largest typed array
 * JavaScript allocates. A search's largest array is its predicted states,
 * `(horizon + 1) x problems x candidates x max(latent size, action size)`.
 *
 * @example
 * ```ts
 * (16 + 1) * 8 * 256 * 32 <= maxSearchValues // true: 1.1 million numbers
 * ```
 */
export const maxSearchValues = 2 ** 31 - 1

/**
 * The Schema of a candidate count: an integer from 1 to {@link maxPlanningCandidates}.
 *
 * @example
 * ```ts
 * const Options = Schema.Struct({ samples: Schema.optional(candidateCount) })
 * ```
 */
export const candidateCount = Schema.Int.check(
  Schema.isGreaterThan(0),
  Schema.isLessThanOrEqualTo(maxPlanningCandidates)
)

/** The sizes of one search, for {@link checkSearchSize}. */
export interface SearchSize {
  /** Steps planned ahead. */
  readonly horizon: number
  /** Problems planned together. */
  readonly problems: number
  /** Candidate sequences per problem. */
  readonly candidates: number
  /** Size of a latent state. */
  readonly latentSize: number
  /** Size of an action. */
  readonly actionSize: number
}

/**
 * Throws an `InvalidValueError` naming `field` when the search's largest array would hold more
 * than {@link maxSearchValues} numbers, saying how many and which sizes make them.
 *
 * @example
 * ```ts
 * checkSearchSize({ horizon: 10_000, problems: 64, candidates: 10_000, latentSize: 32, actionSize: 2 }, "samples")
 * // throws: samples: expected a search of at most 2147483647 numbers ...
 * ```
 */
export const checkSearchSize = (size: SearchSize, field: string): void => {
  const { horizon, problems, candidates, latentSize, actionSize } = size
  const values = (horizon + 1) * problems * candidates * Math.max(latentSize, actionSize)
  if (values > maxSearchValues) {
    throw new InvalidValueError({
      field,
      expected: `a search of at most ${maxSearchValues} numbers in one array (fewer candidates, problems or steps)`,
      received: `${values}: (horizon ${horizon} + 1) x ${problems} problems x ${candidates} candidates x ${Math.max(latentSize, actionSize)}`
    })
  }
}
