/**
 * A guardrail from the landmark memory: a predicted step must be one the recorded episodes could
 * take. A level model that predicts many steps at once can leak through walls where the encoder
 * puts the two sides close together (a wall corner seen from either side); its planner then finds
 * a short way that does not exist. The memory knows better: between the landmarks nearest two
 * predicted latents, the recorded passages count how many hops the agent really needs.
 *
 * @module
 */
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { type LandmarkGraph, type LatentTrajectories, nearestLandmark } from "../memory/LandmarkGraph.js"
import type { Constraint } from "./Guardrail.js"
import { landmarkLocator } from "./NearestLandmarks.js"

/**
 * Hops along recorded passages from every landmark to every other, `[K * K]` row-major
 * (`hops[from * K + to]`), each passage taken both ways: the guardrail asks whether a step comes
 * near any recorded way, not which way it was walked (a landmark the recording only ever entered
 * would otherwise reach nothing). A landmark that cannot be reached counts `K` hops, more than any
 * route.
 *
 * @example
 * ```ts
 * const hops = landmarkHops(graph)
 * hops[from * graph.count + to] // 0 on the diagonal
 * ```
 */
export const landmarkHops = (graph: LandmarkGraph): Int32Array => {
  const count = graph.count
  const neighbours = Array.from({ length: count }, () => new Set<number>())
  graph.edges.forEach((outgoing, from) => {
    for (const edge of outgoing) {
      neighbours[from]?.add(edge.to)
      neighbours[edge.to]?.add(from)
    }
  })
  const hops = new Int32Array(count * count).fill(count)
  const queue = new Int32Array(count)
  for (let source = 0; source < count; source++) {
    const row = source * count
    hops[row + source] = 0
    queue[0] = source
    let head = 0
    let tail = 1
    while (head < tail) {
      const current = queue[head++] as number
      const next = (hops[row + current] as number) + 1
      for (const neighbour of neighbours[current] ?? []) {
        if ((hops[row + neighbour] as number) > next) {
          hops[row + neighbour] = next
          queue[tail++] = neighbour
        }
      }
    }
  }
  return hops
}

/**
 * The hops that recorded stretches of `stride` steps span, at the given quantile: how far along the
 * recorded passages one step of a level of that stride goes, as the data show it. A level's
 * `maxHops` from it flags only the steps that the recorded episodes (nearly) never took. Stretches
 * between landmarks no passage joins are left out: they measure gaps in the memory, not steps.
 *
 * @example
 * ```ts
 * const maxHops = strideHops(graph, recorded, 10, 0.95) // 4 on the medium maze's memory
 * ```
 */
export const strideHops = (
  graph: LandmarkGraph,
  trajectories: LatentTrajectories,
  stride: number,
  quantile: number
): number => {
  if (!Number.isInteger(stride) || stride < 1) {
    throw new InvalidValueError({
      field: "strideHops.stride",
      expected: "a positive integer",
      received: String(stride)
    })
  }
  if (!(quantile >= 0 && quantile <= 1)) {
    throw new InvalidValueError({
      field: "strideHops.quantile",
      expected: "a number from 0 to 1",
      received: String(quantile)
    })
  }
  const size = graph.latentSize
  const hops = landmarkHops(graph)
  const spans: Array<number> = []
  let start = 0
  for (const length of trajectories.episodeLengths) {
    const nearest = Array.from({ length }, (_, step) =>
      nearestLandmark(graph, trajectories.latents.subarray((start + step) * size, (start + step + 1) * size))
    )
    for (let step = 0; step + stride < length; step++) {
      const span = hops[
        (nearest[step] as number) * graph.count + (nearest[step + stride] as number)
      ] as number
      if (span < graph.count) spans.push(span)
    }
    start += length
  }
  if (spans.length === 0) {
    throw new InvalidValueError({
      field: "strideHops.trajectories",
      expected: `an episode longer than the stride (${stride} steps) between joined landmarks`,
      received: `episodes of at most ${Math.max(0, ...trajectories.episodeLengths)} latents`
    })
  }
  spans.sort((a, b) => a - b)
  return spans[Math.max(0, Math.min(spans.length - 1, Math.ceil(quantile * spans.length) - 1))] as number
}

/** Options of {@link passageConstraint}. */
export interface PassageConstraintOptions {
  /** Hops one predicted step may span without violation (a level's stride covers several). */
  readonly maxHops: number
}

/**
 * The hops beyond `maxHops` between the landmarks nearest consecutive predicted latents, summed
 * over the plan: 0 for plans whose every step the recorded passages can take, growing with how far
 * a step jumps past them. Nearest landmarks are chosen by `argMin`, so the violation is piecewise
 * constant: it guides sampling planners (CEM, MPPI), not gradients.
 *
 * @example
 * ```ts
 * const cost = addCosts(goalCost({ goal }), penaltyCost(passageConstraint(graph, { maxHops: 4 }), 10))
 * ```
 */
export const passageConstraint = (graph: LandmarkGraph, options: PassageConstraintOptions): Constraint => {
  if (!Number.isInteger(options.maxHops) || options.maxHops < 0) {
    throw new InvalidValueError({
      field: "passageConstraint.maxHops",
      expected: "a non-negative integer",
      received: String(options.maxHops)
    })
  }
  const count = graph.count
  const size = graph.latentSize
  const hops = Float32Array.from(landmarkHops(graph))
  const locate = landmarkLocator(graph)
  return {
    name: `passages within ${options.maxHops} hops`,
    violation: (states) =>
      tf.tidy(() => {
        const [steps, candidates, latentSize] = states.shape
        if (latentSize !== size) {
          throw new InvalidValueError({
            field: "passageConstraint states",
            expected: `latents of size ${size} (the landmark graph's)`,
            received: `size ${latentSize}`
          })
        }
        if (steps < 2) return tf.zeros([candidates]) as tf.Tensor1D
        const nearest = locate(states.reshape([steps * candidates, size]) as tf.Tensor2D).reshape([
          steps,
          candidates
        ])
        const from = nearest.slice([0, 0], [steps - 1, candidates])
        const to = nearest.slice([1, 0], [steps - 1, candidates])
        const spanned = tf.gather(tf.tensor1d(hops), from.mul(tf.scalar(count, "int32")).add(to).toInt())
        return spanned.sub(options.maxHops).relu().sum(0) as tf.Tensor1D
      })
  }
}
