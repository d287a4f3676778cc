/**
 * Planning with a latent-variable world model: the world may be any of K worlds (K samples of z),
 * so each candidate action sequence is rolled out once per z, and its cost is the mean over the K
 * futures (risk-neutral) or the worst of them (robust). It works with every planner unchanged: the
 * K futures travel side by side in one latent of size K x D, and the cost splits them again.
 *
 * @module
 */
import type { Cost, WorldModel } from "@telos/core"
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

/** How the K futures of a candidate combine into its cost. */
export type FutureAggregate = "mean" | "worst"

/** A world model over K futures at once, and what turns a single-future cost into its cost. */
export interface LatentVariableEnsemble {
  /** States `[B, K * D]`: the K futures of each candidate, side by side. */
  readonly model: WorldModel
  /** Wraps a cost written for `[T + 1, B, D]` states into one over the K futures, aggregated. */
  readonly cost: (single: Cost) => Cost
  /** The first future's slice `[N, D]` of ensemble latents `[N, K * D]` (e.g. encoded goals). */
  readonly firstFuture: (latents: tf.Tensor2D) => tf.Tensor2D
  /** Number `K` of futures. */
  readonly futures: number
}

/**
 * Builds the ensemble for a model with a latent variable and K samples of z (`[K, Z]` rows).
 *
 * @example
 * ```ts
 * const ensemble = latentVariableEnsemble(windModel, [[1, 0], [-1, 0], [0, 1], [0, -1]], "worst")
 * const plan = mppiPlanner().plan({ model: ensemble.model, initialStates, horizon: 16,
 *   cost: ensemble.cost(goalCost({ goal: goals })) }, rng)
 * ```
 */
export const latentVariableEnsemble = (
  base: WorldModel,
  samples: ReadonlyArray<ReadonlyArray<number>>,
  aggregate: FutureAggregate = "mean"
): LatentVariableEnsemble => {
  const futures = samples.length
  const size = samples[0]?.length ?? 0
  if (
    futures === 0 ||
    size === 0 ||
    samples.some((row) => row.length !== size || row.some((value) => !Number.isFinite(value)))
  ) {
    throw new InvalidValueError({
      field: "samples",
      expected: "at least one z sample, all of the same positive size and finite",
      received: `${futures} samples of sizes ${samples.map((row) => row.length).join(", ")}`
    })
  }
  const latentSize = base.latentSize
  const flatSamples = Float32Array.from(samples.flat())
  const spread = (latents: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(
      () =>
        latents
          .expandDims(1)
          .tile([1, futures, 1])
          .reshape([latents.shape[0], futures * latentSize]) as tf.Tensor2D
    )
  const model: WorldModel = {
    name: `${base.name} x ${futures} futures`,
    latentSize: futures * latentSize,
    actionSpace: base.actionSpace,
    stride: base.stride,
    encode: (observations) => tf.tidy(() => spread(base.encode(observations))),
    step: (states, actions) =>
      tf.tidy(() => {
        const batch = states.shape[0]
        const perFuture = states.reshape([batch * futures, latentSize]) as tf.Tensor2D
        const repeatedActions = actions
          .expandDims(1)
          .tile([1, futures, 1])
          .reshape([batch * futures, actions.shape[1]]) as tf.Tensor2D
        const latentVariable = tf
          .tensor2d(flatSamples, [futures, size])
          .expandDims(0)
          .tile([batch, 1, 1])
          .reshape([batch * futures, size]) as tf.Tensor2D
        return base
          .step(perFuture, repeatedActions, latentVariable)
          .reshape([batch, futures * latentSize]) as tf.Tensor2D
      })
  }
  const cost = (single: Cost): Cost => ({
    name: `${aggregate} over ${futures} futures of ${single.name}`,
    evaluate: (states, actions) =>
      tf.tidy(() => {
        const [steps, batch] = states.shape
        const horizon = actions.shape[0]
        // Candidate-major, then future: goal rows still broadcast over contiguous candidate groups.
        const perFuture = states.reshape([steps, batch * futures, latentSize]) as tf.Tensor3D
        const repeatedActions = actions
          .expandDims(2)
          .tile([1, 1, futures, 1])
          .reshape([horizon, batch * futures, actions.shape[2]]) as tf.Tensor3D
        const costs = single.evaluate(perFuture, repeatedActions).reshape([batch, futures])
        return (aggregate === "mean" ? costs.mean(1) : costs.max(1)) as tf.Tensor1D
      })
  })
  return {
    model,
    cost,
    firstFuture: (latents) => tf.tidy(() => latents.slice([0, 0], [-1, latentSize]) as tf.Tensor2D),
    futures
  }
}
