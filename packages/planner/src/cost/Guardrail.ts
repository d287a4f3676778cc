/**
 * Guardrails: constraints on predicted states, such as "never enter this zone". A constraint
 * measures its violation per candidate (0 when satisfied), differentiably, so it can be added to
 * the cost as a penalty or enforced by a constrained planner. Positions are read from latents by a
 * `PositionReader`: the coordinates themselves for a ground-truth model, or a linear probe fitted
 * from a learned latent to the position.
 *
 * @module
 */
import type { Cost } from "@telos/core"
import { InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"

/** A differentiable constraint on predicted trajectories: violation `[B]`, 0 when satisfied. */
export interface Constraint {
  /** A short name for reports. */
  readonly name: string
  /** How much each candidate violates the constraint `[B]` (0 when satisfied), given states `[T + 1, B, D]` and actions `[T, B, A]`. */
  violation(states: tf.Tensor3D, actions: tf.Tensor3D): tf.Tensor1D
}

/** Reads 2-D positions `[M, 2]` from latents `[M, D]`. */
export type PositionReader = (latents: tf.Tensor2D) => tf.Tensor2D

/**
 * The latent's own coordinates `[first, second]` as the position (ground-truth models).
 *
 * @example
 * ```ts
 * const position = coordinatePosition(0, 1) // two-rooms: the latent is [x, y]
 * ```
 */
export const coordinatePosition =
  (first = 0, second = 1): PositionReader =>
  (latents) =>
    // Slices, not gather: gather's gradient (UnsortedSegmentSum) has no WebAssembly kernel.
    tf.tidy(
      () =>
        tf.concat([latents.slice([0, first], [-1, 1]), latents.slice([0, second], [-1, 1])], 1) as tf.Tensor2D
    )

/**
 * A linear read-out `latent W + b` as the position, e.g. a linear probe fitted on a dataset
 * (`weights` `[D, 2]` row-major, `bias` `[2]`).
 */
export const linearPosition = (
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  latentSize: number
): PositionReader => {
  if (weights.length !== latentSize * 2 || bias.length !== 2) {
    throw new InvalidValueError({
      field: "linearPosition",
      expected: `weights of length ${latentSize * 2} and a bias of length 2`,
      received: `weights ${weights.length}, bias ${bias.length}`
    })
  }
  const kernel = Float32Array.from(weights)
  const offset = Float32Array.from(bias)
  return (latents) =>
    tf.tidy(
      () => latents.matMul(tf.tensor2d(kernel, [latentSize, 2])).add(tf.tensor1d(offset)) as tf.Tensor2D
    )
}

/**
 * A circular keep-out zone: the violation is the sum over predicted states (after the start) of
 * how far inside the circle each lies, `max(0, radius - distance)`.
 *
 * @example
 * ```ts
 * const zone = keepOutZone({ center: [45, 40], radius: 6, position: coordinatePosition() })
 * const cost = addCosts(goalCost({ goal }), penaltyCost(zone, 10))
 * ```
 */
export const keepOutZone = (options: {
  readonly center: readonly [number, number]
  readonly radius: number
  readonly position: PositionReader
}): Constraint => {
  if (!(options.radius > 0) || !options.center.every(Number.isFinite)) {
    throw new InvalidValueError({
      field: "keepOutZone",
      expected: "a finite center and a positive radius",
      received: `center [${options.center.join(", ")}], radius ${options.radius}`
    })
  }
  return {
    name: `keep out of (${options.center.join(", ")}) r ${options.radius}`,
    violation: (states) =>
      tf.tidy(() => {
        const [steps, candidates, size] = states.shape
        const predicted = states
          .slice([1, 0, 0], [steps - 1, -1, -1])
          .reshape([(steps - 1) * candidates, size]) as tf.Tensor2D
        const offsets = options.position(predicted).sub(tf.tensor1d([...options.center]))
        // A small floor under the square root keeps the gradient finite at the very centre.
        const distance = offsets.square().sum(1).add(1e-9).sqrt()
        const inside = tf.relu(tf.scalar(options.radius).sub(distance))
        return inside.reshape([steps - 1, candidates]).sum(0) as tf.Tensor1D
      })
  }
}

/** A constraint as a soft penalty in the cost: `weight * violation`. */
export const penaltyCost = (constraint: Constraint, weight: number): Cost => {
  if (!(weight >= 0) || !Number.isFinite(weight)) {
    throw new InvalidValueError({
      field: "penaltyCost.weight",
      expected: "a finite, non-negative number",
      received: String(weight)
    })
  }
  return {
    name: `${weight} * ${constraint.name}`,
    evaluate: (states, actions) =>
      tf.tidy(() => constraint.violation(states, actions).mul(weight) as tf.Tensor1D)
  }
}

/** Size of {@link quadraticFeatures}' rows for latents of size `latentSize`. */
export const quadraticFeatureSize = (latentSize: number): number =>
  latentSize + (latentSize * (latentSize + 1)) / 2

/**
 * The features of a quadratic probe, on the host: each latent `z` followed by the products
 * `z_i z_j` for `i <= j` (`[M, D + D (D + 1) / 2]`). Fit a linear probe on them (e.g.
 * `linearProbe` of `@telos/worldmodel`) and read positions with {@link quadraticPosition}: a
 * learned latent often holds the position curved, where a linear probe is off by pixels.
 *
 * @example
 * ```ts
 * const features = quadraticFeatures(latents, 16) // rows of 16 + 136
 * ```
 */
export const quadraticFeatures = (latents: ArrayLike<number>, latentSize: number): Float32Array => {
  if (latents.length % latentSize !== 0) {
    throw new InvalidValueError({
      field: "quadraticFeatures.latents",
      expected: `rows of ${latentSize}`,
      received: `${latents.length} numbers`
    })
  }
  const rows = latents.length / latentSize
  const width = quadraticFeatureSize(latentSize)
  const features = new Float32Array(rows * width)
  for (let row = 0; row < rows; row++) {
    let column = row * width
    for (let first = 0; first < latentSize; first++)
      features[column++] = latents[row * latentSize + first] as number
    for (let first = 0; first < latentSize; first++) {
      for (let second = first; second < latentSize; second++) {
        features[column++] =
          (latents[row * latentSize + first] as number) * (latents[row * latentSize + second] as number)
      }
    }
  }
  return features
}

/**
 * A quadratic read-out of `outputSize` quantities, differentiable: `features(z) W + b` with the
 * features of {@link quadraticFeatures} (`weights` `[F, outputSize]` row-major, `bias`
 * `[outputSize]`). On the backend the products come from the full outer product `z z^T`, whose
 * entries below the diagonal get zero weight (slices and products only, so every backend can
 * differentiate it).
 *
 * @example
 * ```ts
 * const probe = linearProbe({ inputs: quadraticFeatures(latents, 16), inputSize: quadraticFeatureSize(16), targets, targetSize: 3, count, rng })
 * const read = quadraticReadout(probe.weights, probe.bias, 16, 3)
 * ```
 */
export const quadraticReadout = (
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  latentSize: number,
  outputSize: number
): ((latents: tf.Tensor2D) => tf.Tensor2D) => {
  const width = quadraticFeatureSize(latentSize)
  if (weights.length !== width * outputSize || bias.length !== outputSize) {
    throw new InvalidValueError({
      field: "quadraticReadout",
      expected: `weights of length ${width * outputSize} and a bias of length ${outputSize}`,
      received: `weights ${weights.length}, bias ${bias.length}`
    })
  }
  const linear = Float32Array.from(
    { length: latentSize * outputSize },
    (_, index) => weights[index] as number
  )
  const products = new Float32Array(latentSize * latentSize * outputSize)
  let feature = latentSize
  for (let first = 0; first < latentSize; first++) {
    for (let second = first; second < latentSize; second++) {
      for (let output = 0; output < outputSize; output++) {
        products[(first * latentSize + second) * outputSize + output] = weights[
          feature * outputSize + output
        ] as number
      }
      feature++
    }
  }
  const offset = Float32Array.from(bias)
  return (latents) =>
    tf.tidy(() => {
      const count = latents.shape[0]
      const outer = latents
        .reshape([count, latentSize, 1])
        .mul(latents.reshape([count, 1, latentSize]))
        .reshape([count, latentSize * latentSize]) as tf.Tensor2D
      return latents
        .matMul(tf.tensor2d(linear, [latentSize, outputSize]))
        .add(outer.matMul(tf.tensor2d(products, [latentSize * latentSize, outputSize])))
        .add(tf.tensor1d(offset)) as tf.Tensor2D
    })
}

/**
 * A quadratic read-out of the position (two quantities), for guardrails: see
 * {@link quadraticReadout}.
 *
 * @example
 * ```ts
 * const probe = linearProbe({ inputs: quadraticFeatures(latents, 16), inputSize: quadraticFeatureSize(16), targets, targetSize: 2, count, rng })
 * const position = quadraticPosition(probe.weights, probe.bias, 16)
 * ```
 */
export const quadraticPosition = (
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  latentSize: number
): PositionReader => {
  const width = quadraticFeatureSize(latentSize)
  if (weights.length !== width * 2 || bias.length !== 2) {
    throw new InvalidValueError({
      field: "quadraticPosition",
      expected: `weights of length ${width * 2} and a bias of length 2`,
      received: `weights ${weights.length}, bias ${bias.length}`
    })
  }
  return quadraticReadout(weights, bias, latentSize, 2)
}
