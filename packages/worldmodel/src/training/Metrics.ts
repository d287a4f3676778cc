/**
 * Representation metrics of a learned latent space, computed on the host in float64 from a batch
 * of latents `[count, size]` (row-major, one latent per row): how much each dimension varies, how
 * many dimensions the latents really use, whether they collapsed, and how much of a known
 * quantity (the agent's true position, say) a linear read-out recovers from them. A JEPA's loss
 * alone cannot tell a good representation from a collapsed one; these can.
 *
 * @module
 */
import { describeValue, InvalidValueError, Random } from "@telos/core"
import { choleskyFactor, choleskySolve } from "./Cholesky.js"
import { symmetricEigen } from "./SymmetricEigen.js"

const requirePositiveInteger = (value: number, field: string): void => {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidValueError({ field, expected: "a positive integer", received: describeValue(value) })
  }
}

/** Checks that `values` is a finite `[count, size]` matrix, naming the first entry at fault. */
const requireMatrix = (values: ArrayLike<number>, count: number, size: number, field: string): void => {
  requirePositiveInteger(count, "count")
  requirePositiveInteger(size, `${field} size`)
  if (values.length !== count * size) {
    throw new InvalidValueError({
      field,
      expected: `${count * size} numbers (${count} rows of ${size})`,
      received: `${values.length}`
    })
  }
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number
    if (!Number.isFinite(value)) {
      throw new InvalidValueError({
        field: `${field}[${Math.floor(index / size)}][${index % size}]`,
        expected: "a finite number",
        received: describeValue(value)
      })
    }
  }
}

const columnMeans = (values: ArrayLike<number>, rows: ArrayLike<number>, size: number): Float64Array => {
  const means = new Float64Array(size)
  for (let index = 0; index < rows.length; index++) {
    const offset = (rows[index] as number) * size
    for (let column = 0; column < size; column++)
      means[column] = (means[column] as number) + (values[offset + column] as number)
  }
  for (let column = 0; column < size; column++) means[column] = (means[column] as number) / rows.length
  return means
}

const allRows = (count: number): Uint32Array => Uint32Array.from({ length: count }, (_, index) => index)

/**
 * The standard deviation of each latent dimension over the batch: the population standard
 * deviation (dividing by `count`, not `count - 1`), since it describes this batch rather than
 * estimating a wider population; for the batches metrics use, the two differ by well under 1%.
 * Computed in two passes (mean, then squared deviations), which stays accurate when the latents
 * sit far from the origin.
 *
 * @example
 * ```ts
 * perDimensionStd(Float32Array.of(0, 5, 2, 5), 2, 2) // Float64Array [1, 0]
 * ```
 */
export const perDimensionStd = (latents: ArrayLike<number>, count: number, size: number): Float64Array => {
  requireMatrix(latents, count, size, "latents")
  const means = columnMeans(latents, allRows(count), size)
  const squares = new Float64Array(size)
  for (let row = 0; row < count; row++) {
    for (let column = 0; column < size; column++) {
      const deviation = (latents[row * size + column] as number) - (means[column] as number)
      squares[column] = (squares[column] as number) + deviation * deviation
    }
  }
  return squares.map((sum) => Math.sqrt(sum / count))
}

/**
 * The population covariance `[size, size]` (row-major) of the latents, in float64. Exactly
 * symmetric: each entry below the diagonal is a copy of the one above.
 *
 * @example
 * ```ts
 * latentCovariance(Float32Array.of(0, 0, 2, 2), 2, 2) // Float64Array [1, 1, 1, 1]
 * ```
 */
export const latentCovariance = (latents: ArrayLike<number>, count: number, size: number): Float64Array => {
  requireMatrix(latents, count, size, "latents")
  const means = columnMeans(latents, allRows(count), size)
  const covariance = new Float64Array(size * size)
  const centred = new Float64Array(size)
  for (let row = 0; row < count; row++) {
    for (let column = 0; column < size; column++) {
      centred[column] = (latents[row * size + column] as number) - (means[column] as number)
    }
    for (let i = 0; i < size; i++) {
      const ci = centred[i] as number
      for (let j = i; j < size; j++)
        covariance[i * size + j] = (covariance[i * size + j] as number) + ci * (centred[j] as number)
    }
  }
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      const value = (covariance[i * size + j] as number) / count
      covariance[i * size + j] = value
      covariance[j * size + i] = value
    }
  }
  return covariance
}

/**
 * The effective rank of the latents (Roy & Vetterli, "The effective rank: a measure of effective
 * dimensionality", EUSIPCO 2007) taken of their covariance: with `λᵢ` the covariance's
 * eigenvalues and `pᵢ = λᵢ / Σλ`, it is `exp(−Σ pᵢ log pᵢ)`. It lies between 1 (all the
 * variance along one direction) and `size` (equal variance in every direction), and unlike a
 * thresholded rank it moves smoothly as directions fade. Eigenvalues come from
 * `symmetricEigen`; the tiny negative ones that rounding can give a singular covariance count as
 * zero. Latents that do not vary at all (a zero covariance) have an effective rank of 0.
 *
 * @example
 * ```ts
 * effectiveRank(Float32Array.of(1, 0, -1, 0, 0, 1, 0, -1), 4, 2) // 2: equal variance in both dimensions
 * effectiveRank(Float32Array.of(1, 1, -1, -1), 2, 2) // 1: all on one line
 * ```
 */
export const effectiveRank = (latents: ArrayLike<number>, count: number, size: number): number => {
  const { values } = symmetricEigen(latentCovariance(latents, count, size), size)
  let total = 0
  for (const value of values) total += Math.max(0, value)
  if (!(total > 0)) return 0
  let entropy = 0
  for (const value of values) {
    const share = Math.max(0, value) / total
    // 0 · log 0 = 0: a direction without variance adds nothing.
    if (share > 0) entropy -= share * Math.log(share)
  }
  return Math.exp(entropy)
}

/**
 * Whether the latents collapsed, dimension by dimension.
 *
 * @example
 * ```ts
 * const report: CollapseReport = { dimensions: 32, collapsedDimensions: 32, minimumStd: 0, meanStd: 0, threshold: 0.01 }
 * ```
 */
export interface CollapseReport {
  /** The latent size. */
  readonly dimensions: number
  /** Dimensions whose standard deviation is below the threshold; `dimensions` when all collapsed. */
  readonly collapsedDimensions: number
  /** The smallest per-dimension standard deviation. */
  readonly minimumStd: number
  /** The mean per-dimension standard deviation. */
  readonly meanStd: number
  /** The threshold a dimension's standard deviation was compared with. */
  readonly threshold: number
}

/**
 * Counts the latent dimensions whose (population) standard deviation is below `threshold`. The
 * default, 0.01, suits latents kept near unit variance (a VICReg variance term aims at a standard
 * deviation of 1); for latents on another scale, pass a threshold on that scale.
 *
 * @example
 * ```ts
 * const report = collapseReport(new Float32Array(100 * 8).fill(0.5), 100, 8)
 * report.collapsedDimensions // 8: constant latents carry no information
 * ```
 */
export const collapseReport = (
  latents: ArrayLike<number>,
  count: number,
  size: number,
  threshold = 1e-2
): CollapseReport => {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) {
    throw new InvalidValueError({
      field: "threshold",
      expected: "a finite number >= 0",
      received: describeValue(threshold)
    })
  }
  const deviations = perDimensionStd(latents, count, size)
  let collapsedDimensions = 0
  let minimumStd = Number.POSITIVE_INFINITY
  let sum = 0
  for (const deviation of deviations) {
    if (deviation < threshold) collapsedDimensions++
    minimumStd = Math.min(minimumStd, deviation)
    sum += deviation
  }
  return { dimensions: size, collapsedDimensions, minimumStd, meanStd: sum / size, threshold }
}

/**
 * What a linear probe is fitted to: `count` paired rows of inputs `[count, inputSize]` (the
 * latents) and targets `[count, targetSize]` (e.g. the agent's true position).
 *
 * @example
 * ```ts
 * const options: LinearProbeOptions = {
 *   inputs: latents, inputSize: 32, targets: positions, targetSize: 2, count: 1000,
 *   trainFraction: 0.8, ridge: 1e-6, rng: Random.fromSeed(0)
 * }
 * ```
 */
export interface LinearProbeOptions {
  /** The inputs, row-major `[count, inputSize]`. */
  readonly inputs: ArrayLike<number>
  /** Numbers per input row. */
  readonly inputSize: number
  /** The targets, row-major `[count, targetSize]`. */
  readonly targets: ArrayLike<number>
  /** Numbers per target row. */
  readonly targetSize: number
  /** Rows. */
  readonly count: number
  /** The share of rows (shuffled) the probe is fitted on; the rest measure it. Default 0.8. */
  readonly trainFraction?: number | undefined
  /**
   * The ridge penalty, relative to the inputs' scale: the penalty added to the Gram matrix's
   * diagonal is `ridge` times the mean of that diagonal (the mean input variance, times the train
   * rows), so the same value regularises latents of any scale alike. The intercept is never
   * penalised. Default 1e-6: just enough to keep rank-deficient latents solvable.
   */
  readonly ridge?: number | undefined
  /** Shuffles the rows before the split; default `Random.fromSeed(0)`. */
  readonly rng?: Random | undefined
}

/**
 * A fitted linear probe, `target ≈ input · weights + bias`, and how well it predicts the rows it
 * was not fitted on.
 *
 * @example
 * ```ts
 * const probe = linearProbe({ inputs, inputSize: 32, targets, targetSize: 2, count: 1000 })
 * probe.r2 // 0.97: position is almost linearly decodable from the latent
 * ```
 */
export interface LinearProbeResult {
  /** The mean over target dimensions of the held-out coefficient of determination. */
  readonly r2: number
  /**
   * Held-out `R² = 1 − SS_res / SS_tot` of each target dimension, with `SS_tot` about the
   * held-out mean; 1 is perfect, 0 no better than predicting the mean, and it can be negative.
   * A target dimension that is constant on the held-out rows scores 1 when predicted exactly and
   * 0 otherwise (the convention of scikit-learn's `r2_score`).
   */
  readonly r2PerDimension: Float64Array
  /** The linear map, `[inputSize, targetSize]` row-major. */
  readonly weights: Float64Array
  /** The intercept, `[targetSize]`. */
  readonly bias: Float64Array
  /** Rows fitted on. */
  readonly trainCount: number
  /** Rows measured on. */
  readonly testCount: number
}

const shuffledRows = (count: number, rng: Random): Uint32Array => {
  const rows = allRows(count)
  for (let index = count - 1; index > 0; index--) {
    const other = rng.integer(index + 1)
    const swap = rows[index] as number
    rows[index] = rows[other] as number
    rows[other] = swap
  }
  return rows
}

/**
 * Fits an affine map from inputs to targets by ridge-regularised least squares on a shuffled
 * train split, and scores it by the held-out R². The inputs and targets are centred on their
 * train means (which is what leaves the intercept unpenalised), the normal equations
 * `(XᵀX + λI) W = XᵀY` are solved by Cholesky in float64, and `bias = ȳ − x̄ W`.
 *
 * A high R² means the quantity is linearly decodable from the latent; collapsed latents score
 * about 0. Mismatched sizes, non-finite values, or a split that leaves fewer than one train or
 * two held-out rows are `InvalidValueError`s.
 *
 * @example
 * ```ts
 * const probe = linearProbe({
 *   inputs: latents, inputSize: 16, targets: positions, targetSize: 2, count: 500, rng: Random.fromSeed(1)
 * })
 * if (probe.r2 < 0.5) console.log("the latent has lost the agent's position")
 * ```
 */
export const linearProbe = (options: LinearProbeOptions): LinearProbeResult => {
  const { inputs, inputSize, targets, targetSize, count } = options
  requireMatrix(inputs, count, inputSize, "inputs")
  requireMatrix(targets, count, targetSize, "targets")
  const trainFraction = options.trainFraction ?? 0.8
  const ridge = options.ridge ?? 1e-6
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new InvalidValueError({
      field: "trainFraction",
      expected: "a number in (0, 1)",
      received: describeValue(trainFraction)
    })
  }
  if (!(ridge >= 0) || !Number.isFinite(ridge)) {
    throw new InvalidValueError({
      field: "ridge",
      expected: "a finite number >= 0",
      received: describeValue(ridge)
    })
  }
  const trainCount = Math.round(count * trainFraction)
  const testCount = count - trainCount
  if (trainCount < 1 || testCount < 2) {
    throw new InvalidValueError({
      field: "count",
      expected: `enough rows for at least 1 train and 2 held-out rows at trainFraction ${trainFraction}`,
      received: `${count} (${trainCount} train, ${testCount} held out)`
    })
  }
  const rows = shuffledRows(count, options.rng ?? Random.fromSeed(0))
  const trainRows = rows.subarray(0, trainCount)
  const testRows = rows.subarray(trainCount)
  const inputMeans = columnMeans(inputs, trainRows, inputSize)
  const targetMeans = columnMeans(targets, trainRows, targetSize)

  const gram = new Float64Array(inputSize * inputSize)
  const cross = new Float64Array(inputSize * targetSize)
  const input = new Float64Array(inputSize)
  for (const row of trainRows) {
    for (let i = 0; i < inputSize; i++) {
      input[i] = (inputs[row * inputSize + i] as number) - (inputMeans[i] as number)
    }
    for (let i = 0; i < inputSize; i++) {
      const xi = input[i] as number
      for (let j = 0; j <= i; j++)
        gram[i * inputSize + j] = (gram[i * inputSize + j] as number) + xi * (input[j] as number)
      for (let t = 0; t < targetSize; t++) {
        const target = (targets[row * targetSize + t] as number) - (targetMeans[t] as number)
        cross[i * targetSize + t] = (cross[i * targetSize + t] as number) + xi * target
      }
    }
  }
  let trace = 0
  for (let i = 0; i < inputSize; i++) trace += gram[i * inputSize + i] as number
  // Inputs that do not vary at all give a zero Gram matrix; an absolute penalty then keeps it
  // solvable, and the probe falls back to predicting the train mean.
  const penalty = ridge * (trace > 0 ? trace / inputSize : 1)
  for (let i = 0; i < inputSize; i++) gram[i * inputSize + i] = (gram[i * inputSize + i] as number) + penalty

  let factor: Float64Array
  try {
    factor = choleskyFactor(gram, inputSize)
  } catch {
    throw new InvalidValueError({
      field: "inputs",
      expected: "inputs whose train rows span their space, or a ridge > 0",
      received: `a singular Gram matrix at ridge ${ridge}`
    })
  }
  const weights = choleskySolve(factor, inputSize, cross, targetSize)
  const bias = Float64Array.from(targetMeans)
  for (let i = 0; i < inputSize; i++) {
    for (let t = 0; t < targetSize; t++) {
      bias[t] = (bias[t] as number) - (inputMeans[i] as number) * (weights[i * targetSize + t] as number)
    }
  }

  const testMeans = columnMeans(targets, testRows, targetSize)
  const residualSquares = new Float64Array(targetSize)
  const totalSquares = new Float64Array(targetSize)
  for (const row of testRows) {
    for (let t = 0; t < targetSize; t++) {
      let prediction = bias[t] as number
      for (let i = 0; i < inputSize; i++) {
        prediction += (inputs[row * inputSize + i] as number) * (weights[i * targetSize + t] as number)
      }
      const target = targets[row * targetSize + t] as number
      residualSquares[t] = (residualSquares[t] as number) + (target - prediction) ** 2
      totalSquares[t] = (totalSquares[t] as number) + (target - (testMeans[t] as number)) ** 2
    }
  }
  const r2PerDimension = residualSquares.map((residual, t) => {
    const total = totalSquares[t] as number
    if (total > 0) return 1 - residual / total
    return residual === 0 ? 1 : 0
  })
  const r2 = r2PerDimension.reduce((sum, value) => sum + value, 0) / targetSize
  return { r2, r2PerDimension, weights, bias, trainCount, testCount }
}
