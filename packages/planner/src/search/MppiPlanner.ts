/**
 * Model-predictive path integral control: per problem, candidates are the mean sequence plus
 * Gaussian noise, clipped to the action box, and the mean moves to their average weighted by
 * `softmax(-cost / temperature)`. That weighted mean is the MPPI update; the plan returned is the
 * cheapest sequence scored, which includes every weighted mean (each is sample 0 of the next set).
 *
 * @module
 */
import type { Planner } from "@telos/core"
import { type Complete, decodeConfigSync, withDefaults } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import { candidateCount } from "./Limits.js"
import { iterationsFor } from "./PlanReadback.js"
import { planBySampling, type ScoredSamples, type SequenceDistribution } from "./SamplingSearch.js"

const nonNegativeInteger = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** The options of the MPPI planner, as a Schema (every field optional, defaults below). */
export const MppiPlannerOptions = Schema.Struct({
  /** Sequences sampled per problem in each set. */
  samples: Schema.optional(candidateCount),
  /** Weighted-mean updates per plan, each followed by a fresh sample set. */
  iterations: Schema.optional(nonNegativeInteger),
  /**
   * Updates when the problem carries a warm start (the previous plan, shifted), which is already
   * near a good plan. Defaults to `iterations`.
   */
  warmStartIterations: Schema.optional(nonNegativeInteger),
  /** How far the weights spread past the cheapest candidate; smaller is greedier. */
  temperature: Schema.optional(Schema.Number.check(Schema.isGreaterThan(0))),
  /** The noise's standard deviation, in units of the half-width of the action box. */
  noiseStd: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))),
  /** The name reports show. */
  name: Schema.optional(Schema.NonEmptyString)
})

/** The decoded options with defaults filled in. */
export type MppiPlannerConfig = Complete<Omit<typeof MppiPlannerOptions.Type, "warmStartIterations">> & {
  /** Updates with a warm start; `undefined`: as many as `iterations`. */
  readonly warmStartIterations: number | undefined
}

/** The defaults. */
export const defaultMppiPlannerConfig: MppiPlannerConfig = {
  samples: 500,
  iterations: 6,
  warmStartIterations: undefined,
  temperature: 1,
  noiseStd: 0.5,
  name: "mppi"
}

/**
 * The MPPI settings of PLDM (planning with a latent dynamics model): 500 samples per problem. PLDM
 * plans 16 steps ahead, which is the problem's `horizon`, not a planner option; the other settings
 * are this package's defaults.
 *
 * @example
 * ```ts
 * const planner = mppiPlanner(pldmMppi)
 * planner.plan({ model, initialStates, cost, horizon: 16 }, Random.fromSeed(0))
 * ```
 */
export const pldmMppi: typeof MppiPlannerOptions.Encoded = { samples: 500, name: "pldm-mppi" }

/** The MPPI update: the candidates' mean weighted by softmax(-cost / temperature) per problem. */
const weightedMean =
  (temperature: number) =>
  (distribution: SequenceDistribution, scored: ScoredSamples): SequenceDistribution => {
    const [, problems, samples] = scored.candidates.shape
    // Shifting by each problem's cheapest cost changes no weight but keeps exp from underflowing.
    const weights = tf.softmax(scored.costs.sub(scored.costs.min(1, true)).neg().div(temperature))
    const mean = scored.candidates.mul(weights.reshape([1, problems, samples, 1])).sum(2) as tf.Tensor3D
    // The noise never adapts: MPPI samples at a fixed spread around a moving mean.
    return { mean, std: distribution.std }
  }

/**
 * Builds an MPPI planner. Options are validated: a bad one raises a `ConfigError` naming it.
 *
 * @example
 * ```ts
 * const planner = mppiPlanner({ samples: 256, temperature: 0.5 })
 * const plan = planner.plan({ model, initialStates, cost, horizon: 16 }, Random.fromSeed(0))
 * plan.actions // Float32Array [N, 16, A], inside the model's action bounds
 * ```
 */
export const mppiPlanner = (options: typeof MppiPlannerOptions.Encoded = {}): Planner => {
  const config = withDefaults(
    defaultMppiPlannerConfig,
    decodeConfigSync(MppiPlannerOptions, options, "mppi planner options")
  )
  const refit = weightedMean(config.temperature)
  return {
    name: config.name,
    plan: (problem, rng) =>
      planBySampling(problem, rng, {
        samples: config.samples,
        iterations: iterationsFor(problem, config),
        initialStd: config.noiseStd,
        refit
      })
  }
}
