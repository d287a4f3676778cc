/**
 * The predictor of the world model: from a latent state, an action and (optionally) a latent
 * variable z to the next latent state. It is residual — it predicts the change — so that an
 * untrained predictor starts as "nothing moves" rather than as noise.
 *
 * @module
 */
import type { Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { multilayerPerceptron, perceptronParameters } from "./Parameters.js"

/** The architecture of a predictor. */
export interface PredictorConfig {
  /** Size of the latent state. */
  readonly latentSize: number
  /** Size of an action. */
  readonly actionSize: number
  /** Size of the latent variable z (0 for a deterministic world model). */
  readonly latentVariableSize: number
  /** Hidden widths of its MLP. */
  readonly hidden: ReadonlyArray<number>
}

/** A predictor's function. */
export interface Predictor {
  /** Its architecture. */
  readonly config: PredictorConfig
  /** `s' = s + f([s; a; z])`, batched over the first dimension. */
  step(states: tf.Tensor2D, actions: tf.Tensor2D, latentVariable?: tf.Tensor2D): tf.Tensor2D
}

/**
 * Builds a predictor, registering its parameters under `name`.
 *
 * @example
 * ```ts
 * const predictor = createPredictor(parameters, "predictor", { latentSize: 32, actionSize: 2, latentVariableSize: 0, hidden: [256, 256] }, rng)
 * ```
 */
export const createPredictor = (
  parameters: Map<string, tf.Variable>,
  name: string,
  config: PredictorConfig,
  rng: Random
): Predictor => {
  const inputSize = config.latentSize + config.actionSize + config.latentVariableSize
  const layers = perceptronParameters(parameters, name, [inputSize, ...config.hidden, config.latentSize], rng)
  return {
    config,
    step: (states, actions, latentVariable) =>
      tf.tidy(() => {
        const parts: Array<tf.Tensor2D> = [states, actions]
        if (config.latentVariableSize > 0) {
          // Without an inferred or sampled z, the predictor assumes the most typical world (z = 0).
          parts.push(latentVariable ?? tf.zeros([states.shape[0], config.latentVariableSize]))
        }
        return states.add(multilayerPerceptron(layers, tf.concat(parts, 1))) as tf.Tensor2D
      })
  }
}
