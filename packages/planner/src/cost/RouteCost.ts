/**
 * A cost-to-go from the landmark memory: how many recorded passages lie between a predicted latent
 * and the target, instead of how far apart the two latents are. Latent distance cuts corners: two
 * places on either side of a wall can encode close together, so a plan that hugs the wall scores
 * better than the way round, and a level stalls there. The memory's hops count the way round.
 *
 * @module
 */
import type { Cost } from "@telos/core"
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type LandmarkGraph, nearestLandmark } from "../memory/LandmarkGraph.js"
import { landmarkLocator } from "./NearestLandmarks.js"
import { landmarkHops } from "./PassageGuardrail.js"

/**
 * Route costs over one memory: `(targets [N, D]) => Cost`, the mean over a plan's predicted steps
 * of the squared hops from each step's nearest landmark to the target's nearest landmark (each
 * problem's candidates to their own target, grouped as `goalCost` groups them). Hops are counted
 * once, when the costs are made; a target no passage reaches costs as many hops as there are
 * landmarks. Nearest landmarks are chosen by `argMin`: the cost is piecewise constant, for
 * sampling planners (CEM, MPPI), and within a landmark it does not tell places apart, so add a
 * `goalCost` for the last stretch.
 *
 * @example
 * ```ts
 * const route = landmarkRouteCosts(graph)
 * const cost = (targets: tf.Tensor2D) => addCosts(goalCost({ goal: targets, mode: "running" }), scaleCost(2, route(targets)))
 * ```
 */
export const landmarkRouteCosts = (graph: LandmarkGraph): ((targets: tf.Tensor2D) => Cost) => {
  const count = graph.count
  const size = graph.latentSize
  const hops = landmarkHops(graph)
  const locate = landmarkLocator(graph)
  return (targets) => {
    if (targets.rank !== 2 || targets.shape[1] !== size) {
      throw new InvalidValueError({
        field: "landmarkRouteCosts targets",
        expected: `[N, ${size}] (the landmark graph's latent size)`,
        received: `[${targets.shape.join(", ")}]`
      })
    }
    const values = targets.dataSync()
    const problems = targets.shape[0]
    // Row n: squared hops from every landmark to problem n's target landmark (hops are symmetric).
    const toTargets = new Float32Array(problems * count)
    for (let problem = 0; problem < problems; problem++) {
      const target = nearestLandmark(graph, values.subarray(problem * size, problem * size + size))
      for (let landmark = 0; landmark < count; landmark++) {
        toTargets[problem * count + landmark] = (hops[target * count + landmark] as number) ** 2
      }
    }
    return {
      name: "landmark route",
      evaluate: (states) =>
        tf.tidy(() => {
          const [steps, candidates, latentSize] = states.shape
          if (latentSize !== size || candidates % problems !== 0) {
            throw new InvalidValueError({
              field: "landmarkRouteCosts states",
              expected: `[T + 1, C, ${size}] with the ${problems} targets dividing the C candidates`,
              received: `[${states.shape.join(", ")}]`
            })
          }
          if (steps < 2) return tf.zeros([candidates]) as tf.Tensor1D
          const predicted = states.slice([1, 0, 0], [steps - 1, candidates, size])
          const nearest = locate(predicted.reshape([(steps - 1) * candidates, size]) as tf.Tensor2D)
          // Candidate c belongs to problem floor(c / (C / N)), as goalCost groups them.
          const perProblem = candidates / problems
          const rows = new Int32Array((steps - 1) * candidates)
          rows.forEach((_, index) => {
            rows[index] = Math.floor((index % candidates) / perProblem) * count
          })
          const squared = tf.gather(tf.tensor1d(toTargets), tf.tensor1d(rows, "int32").add(nearest))
          return squared.reshape([steps - 1, candidates]).mean(0) as tf.Tensor1D
        })
    }
  }
}
