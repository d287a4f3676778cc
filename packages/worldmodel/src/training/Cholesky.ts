/**
 * Cholesky factorisation and solves for symmetric positive-definite systems, in float64 on the
 * host. The linear probe solves its ridge-regularised normal equations with it: the Gram matrix
 * plus a ridge is positive definite by construction, so Cholesky is the cheapest stable solver,
 * and it says so (instead of returning garbage) when the ridge was too small to make it so.
 *
 * @module
 */
import { describeValue, InvalidValueError } from "@telos/core"

/**
 * The lower-triangular factor `L` of `A = L Lᵀ`, for the symmetric positive-definite row-major
 * `[size, size]` matrix `matrix` (only its lower triangle is read). A matrix that is not positive
 * definite, to working precision, is an `InvalidValueError` naming the pivot that failed.
 *
 * @example
 * ```ts
 * choleskyFactor(Float64Array.of(4, 2, 2, 3), 2) // Float64Array [2, 0, 1, 1.4142…]
 * ```
 */
export const choleskyFactor = (matrix: ArrayLike<number>, size: number): Float64Array => {
  if (!Number.isInteger(size) || size < 1 || matrix.length !== size * size) {
    throw new InvalidValueError({
      field: "matrix",
      expected: `a ${size}x${size} matrix (${size * size} entries)`,
      received: `${matrix.length} entries`
    })
  }
  const factor = new Float64Array(size * size)
  for (let row = 0; row < size; row++) {
    for (let column = 0; column <= row; column++) {
      let sum = matrix[row * size + column] as number
      for (let k = 0; k < column; k++) {
        sum -= (factor[row * size + k] as number) * (factor[column * size + k] as number)
      }
      if (row === column) {
        // `!(sum > 0)` and not `sum <= 0`, so that a NaN pivot is refused too.
        if (!(sum > 0)) {
          throw new InvalidValueError({
            field: `matrix (pivot ${row})`,
            expected: "a symmetric positive-definite matrix",
            received: `a pivot of ${describeValue(sum)}`
          })
        }
        factor[row * size + row] = Math.sqrt(sum)
      } else {
        factor[row * size + column] = sum / (factor[column * size + column] as number)
      }
    }
  }
  return factor
}

/**
 * Solves `A X = B` given the Cholesky factor `L` of `A` (from `choleskyFactor`), for a row-major
 * right-hand side `B` of `[size, columns]`: forward substitution with `L`, then back
 * substitution with `Lᵀ`. Returns `X`, `[size, columns]`; `B` is not changed.
 *
 * @example
 * ```ts
 * const factor = choleskyFactor(Float64Array.of(4, 2, 2, 3), 2)
 * choleskySolve(factor, 2, Float64Array.of(6, 5), 1) // Float64Array [1, 1]
 * ```
 */
export const choleskySolve = (
  factor: Float64Array,
  size: number,
  rightHandSide: ArrayLike<number>,
  columns: number
): Float64Array => {
  if (rightHandSide.length !== size * columns) {
    throw new InvalidValueError({
      field: "rightHandSide",
      expected: `${size * columns} entries (${size}x${columns})`,
      received: `${rightHandSide.length}`
    })
  }
  const solution = Float64Array.from(rightHandSide)
  for (let column = 0; column < columns; column++) {
    // L y = b
    for (let row = 0; row < size; row++) {
      let sum = solution[row * columns + column] as number
      for (let k = 0; k < row; k++) {
        sum -= (factor[row * size + k] as number) * (solution[k * columns + column] as number)
      }
      solution[row * columns + column] = sum / (factor[row * size + row] as number)
    }
    // Lᵀ x = y
    for (let row = size - 1; row >= 0; row--) {
      let sum = solution[row * columns + column] as number
      for (let k = row + 1; k < size; k++) {
        sum -= (factor[k * size + row] as number) * (solution[k * columns + column] as number)
      }
      solution[row * columns + column] = sum / (factor[row * size + row] as number)
    }
  }
  return solution
}
