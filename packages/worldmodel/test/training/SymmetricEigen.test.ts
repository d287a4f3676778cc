import { InvalidValueError, Random } from "@telos/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { symmetricEigen } from "../../src/training/SymmetricEigen.js"

/** Largest absolute entry of `A − V diag(λ) Vᵀ`. */
const reconstructionError = (
  matrix: ArrayLike<number>,
  values: Float64Array,
  vectors: Float64Array,
  size: number
): number => {
  let worst = 0
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let sum = 0
      for (let k = 0; k < size; k++) {
        sum += (vectors[i * size + k] as number) * (values[k] as number) * (vectors[j * size + k] as number)
      }
      worst = Math.max(worst, Math.abs(sum - (matrix[i * size + j] as number)))
    }
  }
  return worst
}

/** Largest absolute entry of `Vᵀ V − I`. */
const orthonormalityError = (vectors: Float64Array, size: number): number => {
  let worst = 0
  for (let a = 0; a < size; a++) {
    for (let b = 0; b < size; b++) {
      let dot = 0
      for (let k = 0; k < size; k++)
        dot += (vectors[k * size + a] as number) * (vectors[k * size + b] as number)
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)))
    }
  }
  return worst
}

const randomSymmetric = (size: number, rng: Random, scale = 10): Float64Array => {
  const matrix = new Float64Array(size * size)
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      const value = rng.uniformIn(-scale, scale)
      matrix[i * size + j] = value
      matrix[j * size + i] = value
    }
  }
  return matrix
}

describe("symmetricEigen", () => {
  it("diagonalises known matrices", () => {
    const twoByTwo = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2)
    expect(twoByTwo.values[0]).toBeCloseTo(3, 14)
    expect(twoByTwo.values[1]).toBeCloseTo(1, 14)
    // The eigenvector of 3 is ±(1, 1)/√2: both components have the same sign and size.
    expect(Math.abs(twoByTwo.vectors[0] as number)).toBeCloseTo(Math.SQRT1_2, 14)
    expect((twoByTwo.vectors[0] as number) * (twoByTwo.vectors[2] as number)).toBeCloseTo(0.5, 14)

    const threeByThree = symmetricEigen(Float64Array.of(4, 1, 0, 1, 3, 0, 0, 0, 1), 3)
    expect([...threeByThree.values].map((value) => value.toFixed(12))).toEqual(
      [(7 + Math.sqrt(5)) / 2, (7 - Math.sqrt(5)) / 2, 1].map((value) => value.toFixed(12))
    )
  })

  it("returns a diagonal matrix's entries sorted, with unit vectors, in no sweep at all", () => {
    const { values, vectors, sweeps } = symmetricEigen(Float64Array.of(1, 0, 0, 0, -2, 0, 0, 0, 5), 3)
    expect([...values]).toEqual([5, 1, -2])
    expect([...vectors].map(Math.abs)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0])
    expect(sweeps).toBe(0)
    expect([...symmetricEigen([0, 0, 0, 0], 2).values]).toEqual([0, 0])
    expect([...symmetricEigen([7], 1).values]).toEqual([7])
  })

  it("finds exactly as many non-zero eigenvalues as a low-rank matrix has", () => {
    const size = 12
    const rng = Random.fromSeed(3)
    const factor = Float64Array.from({ length: size * 2 }, () => rng.normal())
    const matrix = new Float64Array(size * size)
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        matrix[i * size + j] =
          (factor[i * 2] as number) * (factor[j * 2] as number) +
          (factor[i * 2 + 1] as number) * (factor[j * 2 + 1] as number)
      }
    }
    const { values } = symmetricEigen(matrix, size)
    expect(values[1]).toBeGreaterThan(0.1)
    for (const value of values.subarray(2)) expect(Math.abs(value)).toBeLessThan(1e-12)
  })

  it("reconstructs random symmetric matrices from orthonormal eigenvectors", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 14 }),
        fc.nat(),
        fc.constantFrom(1e-3, 1, 1e4),
        (size, seed, scale) => {
          const matrix = randomSymmetric(size, Random.fromSeed(seed), scale)
          const input = Float64Array.from(matrix)
          const { values, vectors } = symmetricEigen(matrix, size)
          expect(matrix).toEqual(input)
          expect(reconstructionError(matrix, values, vectors, size)).toBeLessThan(1e-12 * scale * size)
          expect(orthonormalityError(vectors, size)).toBeLessThan(1e-12 * size)
          for (let index = 1; index < size; index++) {
            expect(values[index - 1]).toBeGreaterThanOrEqual(values[index] as number)
          }
          let trace = 0
          for (let index = 0; index < size; index++) trace += matrix[index * size + index] as number
          expect(values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(trace, 8)
        }
      ),
      { numRuns: 60 }
    )
  })

  // How fast it is belongs to a benchmark; the sweep count is what keeps it fast on any machine.
  it("decomposes a latent-sized covariance in few sweeps", () => {
    const size = 96
    const matrix = randomSymmetric(size, Random.fromSeed(11))
    const { values, vectors, sweeps } = symmetricEigen(matrix, size)
    expect(sweeps).toBeLessThan(20)
    expect(reconstructionError(matrix, values, vectors, size)).toBeLessThan(1e-10)
  })

  it("rejects matrices that are not square, finite and symmetric, naming the entry", () => {
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(InvalidValueError)
    expect(() => symmetricEigen([1, 2, 2, Number.NaN], 2)).toThrow("matrix[1][1]: expected a finite number")
    expect(() => symmetricEigen([1, 2, 3, 1], 2)).toThrow(/matrix\[0\]\[1\]: expected a symmetric matrix/)
    expect(() => symmetricEigen([], 0)).toThrow("size: expected a positive integer")
  })
})
