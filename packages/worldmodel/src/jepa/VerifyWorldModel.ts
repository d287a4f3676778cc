/**
 * A conformance check for world models. Planners rely on a few properties of every model — the
 * shapes it returns, finite predictions, gradients that reach the actions, no leaked tensors — so
 * a user plugging in their own model can ask which of them hold before planning with it.
 *
 * @module
 */
import type { WorldModel } from "@telos/core"
import { Random, rollout } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

/** What {@link verifyWorldModel} found; `problems` is empty for a conforming model. */
export interface WorldModelReport {
  /** The checked model's name. */
  readonly model: string
  /** One line per property that does not hold. */
  readonly problems: ReadonlyArray<string>
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Checks `model` on a batch of observations: `encode` gives `[B, D]`, a rollout of random
 * in-bounds actions gives finite `[T + 1, B, D]` states, the gradient of the final state with
 * respect to the actions is finite and not identically zero, and the tensor count is unchanged
 * afterwards.
 *
 * @example
 * ```ts
 * const report = verifyWorldModel(model, tf.zeros([4, 3]))
 * if (report.problems.length > 0) console.error(report.problems.join("\n"))
 * ```
 */
export const verifyWorldModel = (
  model: WorldModel,
  observations: tf.Tensor,
  options: { readonly horizon?: number; readonly seed?: number } = {}
): WorldModelReport => {
  const problems: Array<string> = []
  const horizon = options.horizon ?? 4
  const rng = Random.fromSeed(options.seed ?? 0)
  const batch = observations.shape[0] ?? 0
  const actionSize = model.actionSpace.size
  const actionValues = new Float32Array(horizon * batch * actionSize)
  for (let index = 0; index < actionValues.length; index++) {
    const sample = model.actionSpace.sample(rng)
    actionValues[index] = sample[index % actionSize] as number
  }
  const before = tf.memory().numTensors
  try {
    tf.tidy(() => {
      const latents = model.encode(observations)
      if (latents.rank !== 2 || latents.shape[0] !== batch || latents.shape[1] !== model.latentSize) {
        problems.push(
          `encode returned shape [${latents.shape.join(", ")}], expected [${batch}, ${model.latentSize}]`
        )
        return
      }
      const actions = tf.tensor3d(actionValues, [horizon, batch, actionSize])
      const states = rollout(model, latents, actions)
      if (!states.isFinite().all().dataSync()[0])
        problems.push("a rollout of in-bounds actions predicted non-finite states")
      // The zero-weighted term keeps the actions on the gradient path even for a model that ignores
      // them, so that case is reported as a zero gradient rather than thrown by TensorFlow.js.
      const finalState = (input: tf.Tensor) =>
        rollout(model, latents, input as tf.Tensor3D)
          .slice([horizon], [1])
          .sum()
          .add(input.sum().mul(0))
      const gradient = tf.grad(finalState)(actions)
      const values = gradient.dataSync()
      if (values.some((value) => !Number.isFinite(value)))
        problems.push("the gradient with respect to the actions is not finite")
      else if (values.every((value) => value === 0))
        problems.push("the predicted states do not depend on the actions (zero gradient)")
    })
  } catch (error) {
    problems.push(`the model threw: ${errorText(error)}`)
  }
  const leaked = tf.memory().numTensors - before
  if (leaked !== 0) problems.push(`${leaked} tensor(s) leaked by encode or step`)
  return { model: model.name, problems }
}
