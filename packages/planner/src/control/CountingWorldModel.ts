/**
 * Instrumentation: a world model wrapped so that it counts its predictions, for comparing planners
 * and hierarchies at equal compute. It changes nothing the model computes.
 *
 * @module
 */
import { stepEffect, type WorldModel } from "@telos/core"

/** A world model that counts its predictions (rows passed to `step`), forward passes only. */
export interface CountingWorldModel {
  /** The wrapped model, counting its predictions. */
  readonly model: WorldModel
  /** Predictions made so far. */
  evaluations(): number
}

/**
 * Wraps a world model to count its predictions, so planners can be compared at equal compute: a
 * gradient iteration counts its forward rollout (its backward pass costs about twice that again).
 *
 * @example
 * ```ts
 * const counted = countingWorldModel(model)
 * runEpisodes(envs, seeds, { ...task, model: counted.model }, rng)
 * counted.evaluations() / totalSteps // predictions per environment step
 * ```
 */
export const countingWorldModel = (model: WorldModel): CountingWorldModel => {
  let evaluations = 0
  return {
    model: {
      ...model,
      encode: (observations) => model.encode(observations),
      step: (states, actions, latentVariable) => {
        // Counted on every run of a compiled planning step too, not only when it is recorded.
        stepEffect(() => {
          evaluations += states.shape[0]
        })
        return model.step(states, actions, latentVariable)
      }
    },
    evaluations: () => evaluations
  }
}
