/**
 * The cost module: differentiable energies over predicted trajectories, and combinators that add
 * and weight them. Every cost maps states `[T + 1, B, D]` and actions `[T, B, A]` to `[B]`.
 *
 * @module
 */
import type { Cost } from "@telos/core"
import { describeValue, InvalidValueError } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { quadraticFeatureSize, quadraticReadout } from "./Guardrail.js"

/** Which predicted states a goal cost looks at. */
export type GoalCostMode = "terminal" | "running"

/** Options of {@link goalCost}. */
export interface GoalCostOptions {
  /**
   * Goal latents, one row per planning problem (`[N, D]`), as a tensor the caller owns or as
   * host rows. Candidates are matched to goals problem-major: with `B = N * R` candidates,
   * candidates `n * R ... n * R + R - 1` are scored against goal `n`.
   */
  readonly goal: tf.Tensor2D | ReadonlyArray<ArrayLike<number>>
  /** `"terminal"` scores the last predicted state; `"running"` the mean over states 1..T. */
  readonly mode?: GoalCostMode
  /** Per-dimension weights of the squared distance (all 1 by default; not with `"cosine"`). */
  readonly weights?: ArrayLike<number>
  /**
   * `"squared"` (default): the squared Euclidean distance. `"distance"`: the Euclidean distance
   * itself, which weighs a far predicted step less against a near one: a running cost over a long
   * horizon then prices a detour that arrives by the distance it covers, not by its square.
   * `"cosine"`: one minus the cosine similarity, for latents whose direction carries the meaning
   * (normalised embeddings).
   */
  readonly metric?: GoalMetric
}

/**
 * A goal distance in one of two units: `"squared"`, the squared Euclidean distance, or
 * `"distance"`, the distance itself. The online memory measures its points in the unit of the
 * level's goal cost.
 */
export type DistanceMetric = "squared" | "distance"

/** How a goal cost measures the distance between a predicted latent and the goal. */
export type GoalMetric = DistanceMetric | "cosine"

/**
 * `value` as a {@link DistanceMetric}, or an `InvalidValueError` naming `field`.
 *
 * @example
 * ```ts
 * checkDistanceMetric("distance", "probedGoalCost.metric") // "distance"
 * ```
 */
export const checkDistanceMetric = (value: unknown, field: string): DistanceMetric => {
  if (value !== "squared" && value !== "distance") {
    throw new InvalidValueError({
      field,
      expected: '"squared" or "distance"',
      received: describeValue(value)
    })
  }
  return value
}

const goalMetrics: ReadonlyArray<GoalMetric> = ["squared", "distance", "cosine"]

const goalTensor = (goal: GoalCostOptions["goal"]): tf.Tensor2D => {
  if (goal instanceof tf.Tensor) return goal
  const rows = goal.map((row) => Array.from(row))
  return tf.tensor2d(rows)
}

const goalModes: ReadonlyArray<GoalCostMode> = ["terminal", "running"]

const checkMode = (mode: unknown, field: string): GoalCostMode => {
  if (!goalModes.includes(mode as GoalCostMode)) {
    throw new InvalidValueError({ field, expected: '"terminal" or "running"', received: describeValue(mode) })
  }
  return mode as GoalCostMode
}

/**
 * The goal's latent size, after checking that the goal is at least one row of at least one
 * number, every row the same size (and, for host rows, finite): a goal of no latents would make
 * every candidate's cost empty or NaN, and ragged rows would fail deep inside TensorFlow.js.
 */
const checkGoal = (goal: unknown, field: string): number => {
  if (goal instanceof tf.Tensor) {
    if (goal.rank !== 2 || goal.shape[0] === 0 || goal.shape[1] === 0) {
      throw new InvalidValueError({
        field,
        expected: "a [N, D] tensor with N >= 1 goals of D >= 1 numbers",
        received: `a tensor of shape [${goal.shape.join(", ")}]`
      })
    }
    return goal.shape[1] as number
  }
  if (!Array.isArray(goal) || goal.length === 0) {
    throw new InvalidValueError({ field, expected: "at least one goal row", received: describeValue(goal) })
  }
  const size = (goal[0] as ArrayLike<number> | undefined)?.length
  goal.forEach((row: unknown, index) => {
    const values = typeof row === "object" && row !== null ? Array.from(row as ArrayLike<unknown>) : undefined
    if (values === undefined || values.length === 0 || values.length !== size) {
      throw new InvalidValueError({
        field: `${field}[${index}]`,
        expected: `a row of ${size === undefined || size === 0 ? "at least one" : size} numbers, as every goal row`,
        received: describeValue(row)
      })
    }
    const bad = values.findIndex((value) => typeof value !== "number" || !Number.isFinite(value))
    if (bad >= 0) {
      throw new InvalidValueError({
        field: `${field}[${index}][${bad}]`,
        expected: "a finite number",
        received: describeValue(values[bad])
      })
    }
  })
  return size as number
}

/**
 * Squared, optionally weighted, Euclidean distance between predicted latents and the goal latent.
 * Checked here, each an `InvalidValueError` naming the option: the mode and the metric are known
 * ones, the goal is at least one non-empty row (host rows of equal length and finite), and weights
 * are one finite non-negative number per goal dimension.
 *
 * @example
 * ```ts
 * const reach = goalCost({ goal: [[0.5, 0.5, 0, 0]], weights: [1, 1, 0.1, 0.1], mode: "running" })
 * ```
 */
export const goalCost = (options: GoalCostOptions): Cost => {
  const mode = checkMode(options.mode ?? "terminal", "goalCost.mode")
  const goalSize = checkGoal(options.goal, "goalCost.goal")
  const metric = options.metric ?? "squared"
  if (!goalMetrics.includes(metric)) {
    throw new InvalidValueError({
      field: "goalCost.metric",
      expected: '"squared", "distance" or "cosine"',
      received: describeValue(metric)
    })
  }
  if (metric === "cosine" && options.weights !== undefined) {
    throw new InvalidValueError({
      field: "goalCost.weights",
      expected: "no weights with the cosine metric",
      received: "weights"
    })
  }
  const weights = options.weights === undefined ? undefined : Array.from(options.weights)
  if (weights?.some((weight) => !Number.isFinite(weight) || weight < 0)) {
    throw new InvalidValueError({
      field: "goalCost.weights",
      expected: "finite, non-negative numbers",
      received: weights.join(", ")
    })
  }
  if (weights !== undefined && weights.length !== goalSize) {
    throw new InvalidValueError({
      field: "goalCost.weights",
      expected: `${goalSize} weights, one per dimension of the goal`,
      received: `${weights.length} weights`
    })
  }
  return {
    name: metric === "squared" ? `goal (${mode})` : `goal (${mode}, ${metric})`,
    evaluate: (states) =>
      tf.tidy(() => {
        const goal = goalTensor(options.goal)
        const [steps, candidates, size] = states.shape
        const problems = goal.shape[0]
        if (goal.shape[1] !== size || candidates % problems !== 0) {
          throw new InvalidValueError({
            field: "goalCost.goal",
            expected: `[N, ${size}] with N dividing the ${candidates} candidates`,
            received: `[${goal.shape.join(", ")}]`
          })
        }
        const scored =
          mode === "terminal"
            ? states.slice([steps - 1, 0, 0], [1, -1, -1])
            : states.slice([1, 0, 0], [-1, -1, -1])
        const grouped = scored.reshape([scored.shape[0], problems, candidates / problems, size])
        const target = goal.reshape([1, problems, 1, size])
        if (metric === "cosine") {
          // A small floor keeps the gradient finite at the zero latent.
          const norms = grouped
            .square()
            .sum(3)
            .add(1e-12)
            .sqrt()
            .mul(target.square().sum(3).add(1e-12).sqrt())
          const similarity = grouped.mul(target).sum(3).div(norms)
          return tf.scalar(1).sub(similarity).mean(0).reshape([candidates]) as tf.Tensor1D
        }
        let squared = grouped.sub(target).square()
        if (weights !== undefined) squared = squared.mul(tf.tensor1d(weights))
        // The floor keeps the distance's gradient finite where a prediction meets its goal.
        const summed = metric === "distance" ? squared.sum(3).add(1e-12).sqrt() : squared.sum(3)
        return summed.mean(0).reshape([candidates]) as tf.Tensor1D
      })
  }
}

/**
 * Sum over the horizon of the squared action norm, `sum_t ||a_t||^2`: discourages large forces.
 *
 * @example
 * ```ts
 * const cost = addCosts(goalCost({ goal }), scaleCost(0.01, actionMagnitudeCost()))
 * ```
 */
export const actionMagnitudeCost = (): Cost => ({
  name: "action-magnitude",
  evaluate: (_states, actions) => tf.tidy(() => actions.square().sum([0, 2]) as tf.Tensor1D)
})

/** `weight * cost`. */
export const scaleCost = (weight: number, cost: Cost): Cost => {
  if (!Number.isFinite(weight)) {
    throw new InvalidValueError({
      field: "scaleCost.weight",
      expected: "a finite number",
      received: String(weight)
    })
  }
  return {
    name: `${weight} * ${cost.name}`,
    evaluate: (states, actions) => tf.tidy(() => cost.evaluate(states, actions).mul(weight) as tf.Tensor1D)
  }
}

/** The sum of several costs. */
export const addCosts = (...costs: ReadonlyArray<Cost>): Cost => {
  if (costs.length === 0) {
    throw new InvalidValueError({ field: "addCosts", expected: "at least one cost", received: "none" })
  }
  return {
    name: costs.map((cost) => cost.name).join(" + "),
    evaluate: (states, actions) =>
      tf.tidy(() => tf.addN(costs.map((cost) => cost.evaluate(states, actions))) as tf.Tensor1D)
  }
}

/**
 * A linear read-out from latents to a few quantities of the observation (`latent W + b`, `weights`
 * `[latentSize, outputSize]` row-major), e.g. a probe fitted from recorded latents to the
 * coordinates a goal constrains.
 */
export interface LatentProbe {
  /** Size `D` of a latent. */
  readonly latentSize: number
  /** Number of quantities read out. */
  readonly outputSize: number
  /**
   * `W`, row-major: `[latentSize, outputSize]` for a linear probe, `[F, outputSize]` over the
   * features of `quadraticFeatures` (`F = D + D (D + 1) / 2`) for a quadratic one.
   */
  readonly weights: ArrayLike<number>
  /** `b`, `[outputSize]`. */
  readonly bias: ArrayLike<number>
  /**
   * What `W` reads: the latent itself (`linear`, the default) or the latent and its pairwise
   * products (`quadratic`: a learned latent often holds a quantity curved, where a linear read-out
   * is off).
   */
  readonly features?: "linear" | "quadratic" | undefined
}

const probeWidth = (probe: LatentProbe): number =>
  probe.features === "quadratic" ? quadraticFeatureSize(probe.latentSize) : probe.latentSize

/**
 * The probe's read-out on the backend, differentiable: latents `[M, D]` to quantities `[M, K]`.
 *
 * @example
 * ```ts
 * const read = probeReadout(probe)
 * const quantities = tf.tidy(() => read(latents))
 * ```
 */
export const probeReadout = (probe: LatentProbe): ((latents: tf.Tensor2D) => tf.Tensor2D) => {
  checkProbe(probe)
  if (probe.features === "quadratic") {
    return quadraticReadout(probe.weights, probe.bias, probe.latentSize, probe.outputSize)
  }
  const kernel = Float32Array.from(probe.weights)
  const offset = Float32Array.from(probe.bias)
  return (latents) =>
    tf.tidy(
      () =>
        latents
          .matMul(tf.tensor2d(kernel, [probe.latentSize, probe.outputSize]))
          .add(tf.tensor1d(offset)) as tf.Tensor2D
    )
}

const checkProbe = (probe: LatentProbe): void => {
  const { latentSize, outputSize } = probe
  if (
    !Number.isInteger(latentSize) ||
    !Number.isInteger(outputSize) ||
    latentSize < 1 ||
    outputSize < 1 ||
    probe.weights.length !== probeWidth(probe) * outputSize ||
    probe.bias.length !== outputSize
  ) {
    throw new InvalidValueError({
      field: "probe",
      expected: `weights of ${probeWidth(probe)} x ${outputSize} numbers and a bias of ${outputSize}`,
      received: `weights ${probe.weights.length}, bias ${probe.bias.length}`
    })
  }
  if (!Array.from(probe.weights).every(Number.isFinite) || !Array.from(probe.bias).every(Number.isFinite)) {
    throw new InvalidValueError({
      field: "probe",
      expected: "finite weights and bias",
      received: "NaN or Infinity"
    })
  }
}

/**
 * The goal cost judged through a probe: predicted latents and target latents are both read out by
 * `probe` and compared there (squared distance or distance, `running` or `terminal`). A goal that is only a
 * place is then judged on the place, whatever the latent says about the rest of the state (an
 * orientation, a velocity).
 *
 * @example
 * ```ts
 * const cost = probedGoalCost({ goal: targets, probe: { latentSize: 16, outputSize: 2, weights, bias }, mode: "running" })
 * ```
 */
export const probedGoalCost = (options: {
  /** Target latents `[N, D]`, read out by the probe like the predicted ones. */
  readonly goal: tf.Tensor2D
  /** The read-out from latents to the quantities the goal constrains. */
  readonly probe: LatentProbe
  /** `"terminal"` or `"running"`, as in {@link goalCost}. */
  readonly mode?: GoalCostMode
  /** Weights of the read-out quantities' squared differences (all 1 by default). */
  readonly weights?: ArrayLike<number>
  /** `"squared"` (default) or `"distance"`, as in {@link goalCost}, on the read-out quantities. */
  readonly metric?: DistanceMetric
}): Cost => {
  const { probe } = options
  checkProbe(probe)
  checkGoal(options.goal, "probedGoalCost.goal")
  if (options.mode !== undefined) checkMode(options.mode, "probedGoalCost.mode")
  if (options.weights !== undefined && options.weights.length !== probe.outputSize) {
    throw new InvalidValueError({
      field: "probedGoalCost.weights",
      expected: `${probe.outputSize} weights, one per probe output`,
      received: `${options.weights.length}`
    })
  }
  const metric = checkDistanceMetric(options.metric ?? "squared", "probedGoalCost.metric")
  const read = probeReadout(probe)
  const mode = options.mode ?? "terminal"
  return {
    name:
      metric === "squared" ? `goal through a probe (${mode})` : `goal through a probe (${mode}, ${metric})`,
    evaluate: (states, actions) =>
      tf.tidy(() => {
        const [steps, candidates, size] = states.shape
        if (size !== probe.latentSize || options.goal.shape[1] !== probe.latentSize) {
          throw new InvalidValueError({
            field: "probedGoalCost.goal",
            expected: `latents of the probe's size ${probe.latentSize}`,
            received: `states of ${size}, goals of ${options.goal.shape[1]}`
          })
        }
        const readStates = read(states.reshape([steps * candidates, size]) as tf.Tensor2D).reshape([
          steps,
          candidates,
          probe.outputSize
        ]) as tf.Tensor3D
        return goalCost({
          goal: read(options.goal),
          mode,
          metric,
          ...(options.weights === undefined ? {} : { weights: options.weights })
        }).evaluate(readStates, actions)
      })
  }
}

/** Solves `A x = b` for a small symmetric positive definite `A` (`[K, K]` row-major), in float64. */
const solveSmall = (matrix: Float64Array, size: number, rhs: Float64Array): Float64Array => {
  const a = Float64Array.from(matrix)
  const x = Float64Array.from(rhs)
  for (let pivot = 0; pivot < size; pivot++) {
    const diagonal = a[pivot * size + pivot] as number
    if (!(Math.abs(diagonal) > 1e-12)) {
      throw new InvalidValueError({
        field: "probe.weights",
        expected: "a probe whose outputs are independent (full column rank)",
        received: "dependent columns"
      })
    }
    for (let row = pivot + 1; row < size; row++) {
      const factor = (a[row * size + pivot] as number) / diagonal
      for (let column = pivot; column < size; column++) {
        a[row * size + column] =
          (a[row * size + column] as number) - factor * (a[pivot * size + column] as number)
      }
      x[row] = (x[row] as number) - factor * (x[pivot] as number)
    }
  }
  for (let row = size - 1; row >= 0; row--) {
    let sum = x[row] as number
    for (let column = row + 1; column < size; column++)
      sum -= (a[row * size + column] as number) * (x[column] as number)
    x[row] = sum / (a[row * size + row] as number)
  }
  return x
}

/** Correction steps that align a goal for a quadratic probe. */
const quadraticAlignmentSteps = 8

/**
 * Perception of goal observations for a goal judged through a probe: each goal is encoded, then
 * moved by the smallest step that makes the probe read exactly the goal's own coordinates
 * `dimensions` (`z + (g - probe(z)) (WᵀW)⁻¹ Wᵀ`; for a quadratic probe, a few such steps with the
 * reading's Jacobian at the current latent in place of `W`). A goal observation whose other numbers mean
 * nothing (a fingertip target written beside arbitrary joint angles) encodes to a latent the probe
 * may misread; after the step it reads the target, and the rest of the latent stays as encoded.
 *
 * @example
 * ```ts
 * const agent = flatAgent({ model, planner, horizon, cost, encodeGoals: probeAlignedGoals(model, probe, [4, 5]) })
 * ```
 */
export const probeAlignedGoals = (
  model: { encode(observations: tf.Tensor): tf.Tensor2D },
  probe: LatentProbe,
  dimensions: ReadonlyArray<number>
): ((goals: tf.Tensor2D) => tf.Tensor2D) => {
  checkProbe(probe)
  const { latentSize, outputSize } = probe
  if (dimensions.length !== outputSize) {
    throw new InvalidValueError({
      field: "dimensions",
      expected: `${outputSize} observation coordinates, one per probe output`,
      received: `${dimensions.length}`
    })
  }
  // (WᵀW)⁻¹ Wᵀ, [K, D], once on the host.
  const gram = new Float64Array(outputSize * outputSize)
  for (let i = 0; i < outputSize; i++) {
    for (let j = 0; j < outputSize; j++) {
      let sum = 0
      for (let d = 0; d < latentSize; d++) {
        sum += (probe.weights[d * outputSize + i] as number) * (probe.weights[d * outputSize + j] as number)
      }
      gram[i * outputSize + j] = sum
    }
  }
  const correction = new Float32Array(outputSize * latentSize)
  for (let d = 0; d < latentSize; d++) {
    const column = new Float64Array(outputSize)
    for (let k = 0; k < outputSize; k++) column[k] = probe.weights[d * outputSize + k] as number
    const solved = solveSmall(gram, outputSize, column)
    for (let k = 0; k < outputSize; k++) correction[k * latentSize + d] = solved[k] as number
  }
  if (probe.features === "quadratic") return quadraticAlignment(model, probe, dimensions)
  const read = probeReadout(probe)
  return (goals) =>
    tf.tidy(() => {
      const wanted = tf.concat(
        dimensions.map((dimension) => goals.slice([0, dimension], [-1, 1])),
        1
      ) as tf.Tensor2D
      const latents = model.encode(goals)
      return latents.add(
        wanted.sub(read(latents)).matMul(tf.tensor2d(correction, [outputSize, latentSize]))
      ) as tf.Tensor2D
    })
}

/**
 * Goal alignment for a quadratic probe: Gauss-Newton steps on the host, each the smallest move
 * that the reading's Jacobian at the current latent says would read the goal's coordinates.
 */
const quadraticAlignment = (
  model: { encode(observations: tf.Tensor): tf.Tensor2D },
  probe: LatentProbe,
  dimensions: ReadonlyArray<number>
): ((goals: tf.Tensor2D) => tf.Tensor2D) => {
  const { latentSize: size, outputSize: outputs } = probe
  const weight = (feature: number, output: number) => probe.weights[feature * outputs + output] as number
  // The feature index of z_a z_b (a <= b), in quadraticFeatures' order.
  const productFeature: Array<Array<number>> = Array.from({ length: size }, () =>
    new Array<number>(size).fill(0)
  )
  let feature = size
  for (let first = 0; first < size; first++) {
    for (let second = first; second < size; second++) {
      ;(productFeature[first] as Array<number>)[second] = feature
      ;(productFeature[second] as Array<number>)[first] = feature
      feature++
    }
  }
  const readAndJacobian = (latent: Float64Array): { reading: Float64Array; jacobian: Float64Array } => {
    const reading = new Float64Array(outputs)
    const jacobian = new Float64Array(outputs * size)
    for (let output = 0; output < outputs; output++) {
      let value = probe.bias[output] as number
      for (let a = 0; a < size; a++) {
        const za = latent[a] as number
        value += weight(a, output) * za
        let slope = weight(a, output)
        for (let b = 0; b < size; b++) {
          const w = weight((productFeature[a] as Array<number>)[b] as number, output)
          if (b >= a) value += w * za * (latent[b] as number)
          // d(z_a z_b)/dz_a = z_b, and z_a^2 gives 2 z_a: the diagonal counts twice.
          slope += w * (latent[b] as number) * (a === b ? 2 : 1)
        }
        jacobian[output * size + a] = slope
      }
      reading[output] = value
    }
    return { reading, jacobian }
  }
  return (goals) => {
    const encoded = tf.tidy(() => model.encode(goals))
    const latents = Float64Array.from(encoded.dataSync())
    encoded.dispose()
    const rows = goals.shape[0]
    const targets = goals.arraySync()
    for (let row = 0; row < rows; row++) {
      const latent = latents.subarray(row * size, (row + 1) * size)
      const wanted = dimensions.map((dimension) => (targets[row] as Array<number>)[dimension] as number)
      for (let step = 0; step < quadraticAlignmentSteps; step++) {
        const { reading, jacobian } = readAndJacobian(latent)
        const residual = Float64Array.from(wanted, (value, output) => value - (reading[output] as number))
        if (residual.every((value) => Math.abs(value) < 1e-7)) break
        const gram = new Float64Array(outputs * outputs)
        for (let i = 0; i < outputs; i++) {
          for (let j = 0; j < outputs; j++) {
            let sum = 0
            for (let d = 0; d < size; d++)
              sum += (jacobian[i * size + d] as number) * (jacobian[j * size + d] as number)
            gram[i * outputs + j] = sum
          }
        }
        const multipliers = solveSmall(gram, outputs, residual)
        for (let d = 0; d < size; d++) {
          let move = 0
          for (let output = 0; output < outputs; output++) {
            move += (jacobian[output * size + d] as number) * (multipliers[output] as number)
          }
          latent[d] = (latent[d] as number) + move
        }
      }
    }
    return tf.tensor2d(Float32Array.from(latents), [rows, size])
  }
}
