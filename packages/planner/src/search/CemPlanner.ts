/**
 * The cross-entropy method: per problem, a Gaussian over action sequences is sampled, every
 * candidate of every problem is scored in one rollout, and the Gaussian is refitted to the
 * cheapest few (the elites). The search loop is `planBySampling` (SamplingSearch.ts), shared with
 * MPPI, which differs only in how it refits.
 *
 * @module
 */
import type { Planner } from "@telos/core"
import { type Complete, ConfigError, decodeConfigSync, withDefaults } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import { candidateCount } from "./Limits.js"
import { iterationsFor } from "./PlanReadback.js"
import { planBySampling, type ScoredSamples, type SequenceDistribution } from "./SamplingSearch.js"

const positiveInteger = Schema.Int.check(Schema.isGreaterThan(0))
const nonNegativeInteger = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const nonNegative = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))

/** The options of the cross-entropy planner, as a Schema (every field optional, defaults below). */
export const CemPlannerOptions = Schema.Struct({
  /** Sequences sampled per problem in each set. */
  samples: Schema.optional(candidateCount),
  /** The cheapest sequences per problem the Gaussian is refitted to; at most `samples`. */
  elites: Schema.optional(positiveInteger),
  /** Refits per plan, each followed by a fresh sample set. */
  iterations: Schema.optional(nonNegativeInteger),
  /**
   * Refits when the problem carries a warm start (the previous plan, shifted), which is already
   * near a good plan. Defaults to `iterations`.
   */
  warmStartIterations: Schema.optional(nonNegativeInteger),
  /** The first Gaussian's standard deviation, in units of the half-width of the action box. */
  initialStd: Schema.optional(nonNegative),
  /** The share of the previous mean and std kept at each refit; 0 refits to the elites alone. */
  momentum: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1))),
  /** The floor of the standard deviation, in half-width units, so the search never stops exploring. */
  minimumStd: Schema.optional(nonNegative),
  /** The name reports show. */
  name: Schema.optional(Schema.NonEmptyString)
})

/** The decoded options with defaults filled in. */
export type CemPlannerConfig = Complete<Omit<typeof CemPlannerOptions.Type, "warmStartIterations">> & {
  /** Refits with a warm start; `undefined`: as many as `iterations`. */
  readonly warmStartIterations: number | undefined
}

/** The defaults. */
export const defaultCemPlannerConfig: CemPlannerConfig = {
  samples: 256,
  elites: 32,
  iterations: 6,
  warmStartIterations: undefined,
  initialStd: 0.5,
  momentum: 0,
  minimumStd: 0.05,
  name: "cem"
}

/** The refit of the cross-entropy method: the elites' mean and (unbiased) std, smoothed and floored. */
const refitToElites =
  (config: CemPlannerConfig) =>
  (
    distribution: SequenceDistribution,
    scored: ScoredSamples,
    halfWidth: tf.Tensor1D
  ): SequenceDistribution => {
    const { elites, momentum } = config
    const [horizon, problems, samples, actionSize] = scored.candidates.shape
    // The cheapest costs are the largest negated costs.
    const chosen = tf.topk(scored.costs.neg(), elites).indices
    const rows = chosen.add(tf.range(0, problems * samples, samples, "int32").expandDims(1)).reshape([-1])
    const eliteSequences = scored.candidates
      .reshape([horizon, problems * samples, actionSize])
      .gather(rows, 1)
      .reshape([horizon, problems, elites, actionSize])
    const fittedMean = eliteSequences.mean(2)
    // Unbiased, as the perf suite's reference computes it; one elite has no spread at all.
    const fittedStd = eliteSequences
      .sub(fittedMean.expandDims(2))
      .square()
      .sum(2)
      .div(Math.max(elites - 1, 1))
      .sqrt()
    return {
      mean: distribution.mean.mul(momentum).add(fittedMean.mul(1 - momentum)) as tf.Tensor3D,
      // The floor is in half-width units, like the initial std.
      std: distribution.std
        .mul(momentum)
        .add(fittedStd.mul(1 - momentum))
        .maximum(halfWidth.mul(config.minimumStd)) as tf.Tensor3D
    }
  }

/**
 * Builds a cross-entropy-method planner. Options are validated: a bad one raises a `ConfigError`
 * naming it, and so do more `elites` than `samples`.
 *
 * @example
 * ```ts
 * const planner = cemPlanner({ samples: 512, elites: 64, iterations: 10 })
 * const plan = planner.plan({ model, initialStates, cost, horizon: 16 }, Random.fromSeed(0))
 * plan.actions // Float32Array [N, 16, A], inside the model's action bounds
 * ```
 */
export const cemPlanner = (options: typeof CemPlannerOptions.Encoded = {}): Planner => {
  const source = "cem planner options"
  const config = withDefaults(defaultCemPlannerConfig, decodeConfigSync(CemPlannerOptions, options, source))
  if (config.elites > config.samples) {
    throw new ConfigError({
      source,
      issues: [
        { field: "elites", expected: `at most samples (${config.samples}), received ${config.elites}` }
      ]
    })
  }
  const refit = refitToElites(config)
  return {
    name: config.name,
    plan: (problem, rng) =>
      planBySampling(problem, rng, {
        samples: config.samples,
        iterations: iterationsFor(problem, config),
        initialStd: config.initialStd,
        refit
      })
  }
}
