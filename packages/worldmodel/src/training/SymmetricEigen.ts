/**
 * Eigenvalues and eigenvectors of a real symmetric matrix by the cyclic Jacobi method: plane
 * rotations sweep over every off-diagonal pair in turn, each rotation zeroing one pair, until the
 * off-diagonal part is negligible. It is slower than a tridiagonal QR for large matrices, but for
 * the covariance of a latent space (a few hundred dimensions at most) it is simple, runs in
 * float64 on the host, and computes small eigenvalues to high relative accuracy, which is what an
 * effective rank needs.
 *
 * @module
 */
import { describeValue, InvalidValueError } from "@telos/core"

/**
 * The eigen-decomposition `A = V diag(values) Vᵀ` of a symmetric matrix.
 *
 * @example
 * ```ts
 * const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2)
 * values // Float64Array [3, 1]
 * vectors[0 * 2 + 0] // first component of the eigenvector of 3 (column 0): ±0.7071
 * ```
 */
export interface SymmetricEigenDecomposition {
  /** The eigenvalues, largest first. */
  readonly values: Float64Array
  /**
   * The orthonormal eigenvectors as the columns of a row-major `[size, size]` matrix: entry
   * `vectors[row * size + column]` is component `row` of the eigenvector of `values[column]`.
   */
  readonly vectors: Float64Array
  /** Full sweeps over the off-diagonal pairs that were needed. */
  readonly sweeps: number
}

/**
 * Tuning of the Jacobi iteration.
 *
 * @example
 * ```ts
 * const options: SymmetricEigenOptions = { tolerance: 1e-12, maximumSweeps: 30 }
 * ```
 */
export interface SymmetricEigenOptions {
  /**
   * Stop when the off-diagonal Frobenius norm is at most `tolerance` times the whole matrix's;
   * default 1e-14, near float64's resolution.
   */
  readonly tolerance?: number | undefined
  /** Sweeps allowed before giving up; default 60 (Jacobi usually needs fewer than 15). */
  readonly maximumSweeps?: number | undefined
}

/** The sum of squares of the entries above the diagonal (each counts for two: the matrix is symmetric). */
const upperSquares = (matrix: Float64Array, size: number): number => {
  let sum = 0
  for (let row = 0; row < size; row++) {
    for (let column = row + 1; column < size; column++) {
      const entry = matrix[row * size + column] as number
      sum += entry * entry
    }
  }
  return sum
}

const requireSymmetric = (matrix: ArrayLike<number>, size: number): void => {
  if (!Number.isInteger(size) || size < 1) {
    throw new InvalidValueError({
      field: "size",
      expected: "a positive integer",
      received: describeValue(size)
    })
  }
  if (matrix.length !== size * size) {
    throw new InvalidValueError({
      field: "matrix",
      expected: `${size * size} entries (a ${size}x${size} matrix)`,
      received: `${matrix.length}`
    })
  }
  let largest = 0
  for (let index = 0; index < matrix.length; index++) {
    const entry = matrix[index] as number
    if (!Number.isFinite(entry)) {
      throw new InvalidValueError({
        field: `matrix[${Math.floor(index / size)}][${index % size}]`,
        expected: "a finite number",
        received: describeValue(entry)
      })
    }
    largest = Math.max(largest, Math.abs(entry))
  }
  // A covariance computed in floating point may differ from its transpose in the last bits;
  // anything more than that is a caller's mistake, not rounding.
  const allowed = 1e-10 * largest
  for (let row = 0; row < size; row++) {
    for (let column = row + 1; column < size; column++) {
      const upper = matrix[row * size + column] as number
      const lower = matrix[column * size + row] as number
      if (Math.abs(upper - lower) > allowed) {
        throw new InvalidValueError({
          field: `matrix[${row}][${column}]`,
          expected: `a symmetric matrix (equal to matrix[${column}][${row}] = ${lower})`,
          received: describeValue(upper)
        })
      }
    }
  }
}

/**
 * Rotates rows and columns `p` and `q` of `matrix` (and columns `p`, `q` of `vectors`) so that
 * the entry at `(p, q)` becomes zero: `A ← Jᵀ A J`, `V ← V J`.
 */
const rotate = (matrix: Float64Array, vectors: Float64Array, size: number, p: number, q: number): void => {
  const apq = matrix[p * size + q] as number
  const app = matrix[p * size + p] as number
  const aqq = matrix[q * size + q] as number
  // The smaller of the two angles that zero the pair (|t| <= 1), which keeps the rotation close
  // to the identity and the iteration stable; written so that t never overflows.
  const theta = (aqq - app) / (2 * apq)
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
  const cosine = 1 / Math.sqrt(t * t + 1)
  const sine = t * cosine
  for (let k = 0; k < size; k++) {
    const akp = matrix[k * size + p] as number
    const akq = matrix[k * size + q] as number
    matrix[k * size + p] = cosine * akp - sine * akq
    matrix[k * size + q] = sine * akp + cosine * akq
  }
  for (let k = 0; k < size; k++) {
    const apk = matrix[p * size + k] as number
    const aqk = matrix[q * size + k] as number
    matrix[p * size + k] = cosine * apk - sine * aqk
    matrix[q * size + k] = sine * apk + cosine * aqk
  }
  // Exactly zero, not the rounding residue of the update: the pair is done until another
  // rotation disturbs it.
  matrix[p * size + q] = 0
  matrix[q * size + p] = 0
  for (let k = 0; k < size; k++) {
    const vkp = vectors[k * size + p] as number
    const vkq = vectors[k * size + q] as number
    vectors[k * size + p] = cosine * vkp - sine * vkq
    vectors[k * size + q] = sine * vkp + cosine * vkq
  }
}

/**
 * Eigenvalues (largest first) and orthonormal eigenvectors of the symmetric `[size, size]`
 * row-major matrix `matrix`, by cyclic Jacobi rotations in float64. The input is not changed.
 * A matrix that is not square, not finite or not symmetric is an `InvalidValueError`, as is one
 * that has not converged after `maximumSweeps` sweeps.
 *
 * @example
 * ```ts
 * const { values, vectors } = symmetricEigen(Float64Array.of(4, 1, 0, 1, 3, 0, 0, 0, 1), 3)
 * // values ≈ [4.618, 2.382, 1]; each column of `vectors` is a unit eigenvector
 * ```
 */
export const symmetricEigen = (
  matrix: ArrayLike<number>,
  size: number,
  options: SymmetricEigenOptions = {}
): SymmetricEigenDecomposition => {
  requireSymmetric(matrix, size)
  const tolerance = options.tolerance ?? 1e-14
  const maximumSweeps = options.maximumSweeps ?? 60
  const work = Float64Array.from(matrix)
  // Average the two triangles, so that rounding differences between them do not bias the result.
  for (let row = 0; row < size; row++) {
    for (let column = row + 1; column < size; column++) {
      const mean = ((work[row * size + column] as number) + (work[column * size + row] as number)) / 2
      work[row * size + column] = mean
      work[column * size + row] = mean
    }
  }
  const vectors = new Float64Array(size * size)
  for (let index = 0; index < size; index++) vectors[index * size + index] = 1
  let total = 0
  for (const entry of work) total += entry * entry
  const threshold = tolerance * tolerance * total
  let sweeps = 0
  while (2 * upperSquares(work, size) > threshold) {
    if (sweeps === maximumSweeps) {
      throw new InvalidValueError({
        field: "matrix",
        expected: `a symmetric matrix whose Jacobi iteration converges within ${maximumSweeps} sweeps`,
        received: `an off-diagonal norm of ${Math.sqrt(2 * upperSquares(work, size))} after them`
      })
    }
    sweeps++
    let rotations = 0
    for (let p = 0; p < size - 1; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = Math.abs(work[p * size + q] as number)
        if (apq === 0) continue
        const app = Math.abs(work[p * size + p] as number)
        const aqq = Math.abs(work[q * size + q] as number)
        // An off-diagonal entry too small to change either diagonal entry in float64 is zero for
        // every purpose; rotating it would only stir rounding noise.
        if (app + apq * 1e3 === app && aqq + apq * 1e3 === aqq && sweeps > 3) {
          work[p * size + q] = 0
          work[q * size + p] = 0
          continue
        }
        rotate(work, vectors, size, p, q)
        rotations++
      }
    }
    // A sweep that rotated nothing cannot be followed by one that does: the matrix is diagonal
    // to the last bit that matters.
    if (rotations === 0) break
  }
  const order = Array.from({ length: size }, (_, index) => index).sort(
    (a, b) => (work[b * size + b] as number) - (work[a * size + a] as number)
  )
  const values = Float64Array.from(order, (index) => work[index * size + index] as number)
  const sorted = new Float64Array(size * size)
  for (let row = 0; row < size; row++) {
    for (const [column, source] of order.entries()) {
      sorted[row * size + column] = vectors[row * size + source] as number
    }
  }
  return { values, vectors: sorted, sweeps }
}
