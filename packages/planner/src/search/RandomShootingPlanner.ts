/**
 * Random shooting: sample action sequences uniformly in the action box, predict each with the
 * world model, keep the cheapest. No search at all — the baseline every planner must beat, and with
 * one sample and no warm start, simply random actions.
 *
 * @module
 */
import type { Planner } from "@telos/core"
import { type Complete, decodeConfigSync, rollout, withDefaults } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import { repeatRows } from "./GradientPlanner.js"
import { candidateCount } from "./Limits.js"
import { packPlan, readPlan, validateProblem } from "./PlanReadback.js"
import { startingActions } from "./StartingPlan.js"

/** The options of random shooting, as a Schema. */
export const RandomShootingOptions = Schema.Struct({
  /** Sequences sampled per problem. */
  samples: Schema.optional(candidateCount),
  /** Whether the starting plan (initial guess, or previous plan shifted one step) competes with the samples. */
  useWarmStart: Schema.optional(Schema.Boolean),
  /** The name reports show. */
  name: Schema.optional(Schema.NonEmptyString)
})

/** The decoded options with defaults filled in. */
export type RandomShootingConfig = Complete<typeof RandomShootingOptions.Type>

/** The defaults. */
export const defaultRandomShootingConfig: RandomShootingConfig = {
  samples: 64,
  useWarmStart: true,
  name: "random-shooting"
}

/**
 * Builds a random-shooting planner.
 *
 * @example
 * ```ts
 * const baseline = randomShootingPlanner({ samples: 256 })
 * const randomActions = randomShootingPlanner({ samples: 1, useWarmStart: false, name: "random" })
 * ```
 */
export const randomShootingPlanner = (options: typeof RandomShootingOptions.Encoded = {}): Planner => {
  const config = withDefaults(
    defaultRandomShootingConfig,
    decodeConfigSync(RandomShootingOptions, options, "random shooting options")
  )
  return {
    name: config.name,
    plan: (problem, rng) => {
      const { samples } = config
      const { problems, latentSize } = validateProblem(problem, { count: samples, field: "samples" })
      const { model, horizon, cost } = problem
      const actionSize = model.actionSpace.size
      const candidates = problems * samples
      const start = config.useWarmStart ? startingActions(problem) : undefined
      // Time-major [T, N * samples, A]; sample 0 of each problem is the starting plan if used.
      const sequences = new Float32Array(horizon * candidates * actionSize)
      for (let candidate = 0; candidate < candidates; candidate++) {
        const problemIndex = Math.floor(candidate / samples)
        for (let step = 0; step < horizon; step++) {
          const offset = (step * candidates + candidate) * actionSize
          if (start !== undefined && candidate % samples === 0) {
            const source = (problemIndex * horizon + step) * actionSize
            sequences.set(start.subarray(source, source + actionSize), offset)
          } else {
            sequences.set(model.actionSpace.sample(rng), offset)
          }
        }
      }
      const packed = tf.tidy(() => {
        const actions = tf.tensor3d(sequences, [horizon, candidates, actionSize])
        const costs = cost.evaluate(
          rollout(model, repeatRows(problem.initialStates, samples), actions),
          actions
        )
        const choice = costs.reshape([problems, samples]).argMin(1)
        const chosenRows = tf.range(0, candidates, samples, "int32").add(choice)
        const best = costs.gather(chosenRows) as tf.Tensor1D
        return packPlan(
          problem,
          actions.gather(chosenRows, 1) as tf.Tensor3D,
          best,
          best,
          best.mean().reshape([1])
        )
      })
      return readPlan(packed, { problems, horizon, actionSize, latentSize, traceLength: 1 })
    }
  }
}
