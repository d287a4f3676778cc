import { InvalidValueError, Random } from "@telos/core"
import {
  collapseReport,
  effectiveRank,
  latentCovariance,
  linearProbe,
  perDimensionStd
} from "@telos/worldmodel"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { choleskyFactor, choleskySolve } from "../../src/training/Cholesky.js"

const gaussianLatents = (count: number, size: number, seed: number): Float32Array => {
  const rng = Random.fromSeed(seed)
  return Float32Array.from({ length: count * size }, () => rng.normal())
}

/** Latents `a·u + b·v` on the plane of two orthonormal directions `u`, `v` of a `size`-dimensional space. */
const planarLatents = (count: number, size: number, seed: number): Float32Array => {
  const rng = Random.fromSeed(seed)
  const u = Float64Array.from({ length: size }, () => rng.normal())
  const v = Float64Array.from({ length: size }, () => rng.normal())
  const norm = (w: Float64Array) => Math.sqrt(w.reduce((sum, x) => sum + x * x, 0))
  const uNorm = norm(u)
  for (let i = 0; i < size; i++) u[i] = (u[i] as number) / uNorm
  const projection = u.reduce((sum, x, i) => sum + x * (v[i] as number), 0)
  for (let i = 0; i < size; i++) v[i] = (v[i] as number) - projection * (u[i] as number)
  const vNorm = norm(v)
  for (let i = 0; i < size; i++) v[i] = (v[i] as number) / vNorm
  const latents = new Float32Array(count * size)
  for (let row = 0; row < count; row++) {
    const a = rng.normal()
    const b = rng.normal()
    // An offset far from the origin: the metrics must centre the latents.
    for (let i = 0; i < size; i++) latents[row * size + i] = 3 + a * (u[i] as number) + b * (v[i] as number)
  }
  return latents
}

describe("perDimensionStd", () => {
  it("is the population standard deviation of each column", () => {
    const std = perDimensionStd(Float32Array.of(0, 5, 2, 5, 4, 5), 3, 2)
    expect(std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12)
    expect(std[1]).toBe(0)
  })

  it("is about 1 for standard normal latents and scales with them", () => {
    const latents = gaussianLatents(4000, 8, 1)
    for (const value of perDimensionStd(latents, 4000, 8)) expect(value).toBeGreaterThan(0.95)
    const scaled = latents.map((x) => 3 * x + 100)
    const ratio = perDimensionStd(scaled, 4000, 8).map(
      (value, i) => value / (perDimensionStd(latents, 4000, 8)[i] as number)
    )
    for (const value of ratio) expect(value).toBeCloseTo(3, 3)
  })

  it("rejects a wrong length or a NaN, naming the entry", () => {
    expect(() => perDimensionStd(new Float32Array(5), 2, 3)).toThrow(
      "latents: expected 6 numbers (2 rows of 3), received 5"
    )
    expect(() => perDimensionStd(Float32Array.of(0, 1, Number.NaN, 1), 2, 2)).toThrow(
      "latents[1][0]: expected a finite number"
    )
    expect(() => perDimensionStd(new Float32Array(0), 0, 2)).toThrow(InvalidValueError)
  })
})

describe("effectiveRank", () => {
  it("is near the dimension for isotropic Gaussian latents", () => {
    const rank = effectiveRank(gaussianLatents(4000, 16, 2), 4000, 16)
    expect(rank).toBeGreaterThan(0.97 * 16)
    expect(rank).toBeLessThanOrEqual(16)
  })

  it("is near 2 for latents on a plane, whatever the dimension", () => {
    for (const size of [4, 16, 48]) {
      const rank = effectiveRank(planarLatents(3000, size, size), 3000, size)
      expect(rank).toBeGreaterThan(1.9)
      expect(rank).toBeLessThan(2.001)
    }
  })

  it("is 1 for latents on a line and 0 for constant latents", () => {
    const rng = Random.fromSeed(4)
    const line = new Float32Array(200 * 5)
    for (let row = 0; row < 200; row++) {
      const t = rng.normal()
      for (let i = 0; i < 5; i++) line[row * 5 + i] = t * (i + 1)
    }
    expect(effectiveRank(line, 200, 5)).toBeCloseTo(1, 6)
    expect(effectiveRank(new Float32Array(50 * 5).fill(2.5), 50, 5)).toBe(0)
  })

  it("lies in [1, size] and ignores translation and scale", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 3, max: 40 }),
        fc.nat(),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (size, count, seed, scale, shift) => {
          const latents = Float64Array.from(gaussianLatents(count, size, seed))
          const rank = effectiveRank(latents, count, size)
          expect(rank).toBeGreaterThanOrEqual(1 - 1e-9)
          expect(rank).toBeLessThanOrEqual(size + 1e-9)
          expect(
            effectiveRank(
              latents.map((x) => scale * x + shift),
              count,
              size
            )
          ).toBeCloseTo(rank, 6)
        }
      ),
      { numRuns: 40 }
    )
  })

  it("reads its eigenvalues from the covariance", () => {
    const covariance = latentCovariance(Float32Array.of(0, 0, 2, 2), 2, 2)
    expect([...covariance]).toEqual([1, 1, 1, 1])
  })
})

describe("collapseReport", () => {
  it("says so when every dimension collapsed", () => {
    const report = collapseReport(new Float32Array(100 * 8).fill(0.5), 100, 8)
    expect(report).toEqual({
      dimensions: 8,
      collapsedDimensions: 8,
      minimumStd: 0,
      meanStd: 0,
      threshold: 0.01
    })
  })

  it("counts the dimensions below the threshold", () => {
    const latents = gaussianLatents(500, 6, 5)
    for (let row = 0; row < 500; row++) {
      latents[row * 6 + 1] = 1 // dead
      latents[row * 6 + 4] = (latents[row * 6 + 4] as number) * 1e-3 // nearly dead
    }
    const report = collapseReport(latents, 500, 6)
    expect(report.collapsedDimensions).toBe(2)
    expect(report.minimumStd).toBe(0)
    expect(report.meanStd).toBeGreaterThan(0.6)
    expect(collapseReport(latents, 500, 6, 1e-4).collapsedDimensions).toBe(1)
    expect(collapseReport(gaussianLatents(500, 6, 6), 500, 6).collapsedDimensions).toBe(0)
  })

  it("rejects a negative threshold", () => {
    expect(() => collapseReport(new Float32Array(4), 2, 2, -1)).toThrow(
      "threshold: expected a finite number >= 0"
    )
  })
})

describe("linearProbe", () => {
  /** Targets `latents · map + offset + noise`. */
  const affineTargets = (
    latents: Float32Array,
    count: number,
    inputSize: number,
    targetSize: number,
    noise: number,
    seed: number
  ) => {
    const rng = Random.fromSeed(seed)
    const map = Float64Array.from({ length: inputSize * targetSize }, () => rng.normal())
    const offset = Float64Array.from({ length: targetSize }, () => rng.uniformIn(-5, 5))
    const targets = new Float64Array(count * targetSize)
    for (let row = 0; row < count; row++) {
      for (let t = 0; t < targetSize; t++) {
        let value = (offset[t] as number) + noise * rng.normal()
        for (let i = 0; i < inputSize; i++) {
          value += (latents[row * inputSize + i] as number) * (map[i * targetSize + t] as number)
        }
        targets[row * targetSize + t] = value
      }
    }
    return { targets, map, offset }
  }

  it("scores about 1 and recovers the map for targets affine in the latents", () => {
    const latents = gaussianLatents(1000, 12, 7)
    const { targets, map, offset } = affineTargets(latents, 1000, 12, 3, 1e-4, 8)
    const probe = linearProbe({ inputs: latents, inputSize: 12, targets, targetSize: 3, count: 1000 })
    expect(probe.r2).toBeGreaterThan(0.9999)
    for (const value of probe.r2PerDimension) expect(value).toBeGreaterThan(0.9999)
    expect(probe.trainCount).toBe(800)
    expect(probe.testCount).toBe(200)
    probe.weights.forEach((weight, index) => {
      expect(weight).toBeCloseTo(map[index] as number, 3)
    })
    probe.bias.forEach((bias, index) => {
      expect(bias).toBeCloseTo(offset[index] as number, 3)
    })
  })

  it("still reads a position out of latents that span only a plane", () => {
    const latents = planarLatents(600, 10, 9)
    const { targets } = affineTargets(latents, 600, 10, 2, 1e-5, 10)
    expect(
      linearProbe({ inputs: latents, inputSize: 10, targets, targetSize: 2, count: 600 }).r2
    ).toBeGreaterThan(0.999)
  })

  it("scores about 0 for targets independent of the latents", () => {
    const latents = gaussianLatents(2000, 8, 11)
    const targets = gaussianLatents(2000, 2, 12)
    const probe = linearProbe({ inputs: latents, inputSize: 8, targets, targetSize: 2, count: 2000 })
    expect(Math.abs(probe.r2)).toBeLessThan(0.05)
  })

  it("scores about 0 on collapsed latents, and cannot solve them without a ridge", () => {
    const latents = new Float32Array(300 * 4).fill(1)
    const targets = gaussianLatents(300, 2, 13)
    const probe = linearProbe({ inputs: latents, inputSize: 4, targets, targetSize: 2, count: 300 })
    expect(probe.r2).toBeLessThanOrEqual(0)
    expect(probe.r2).toBeGreaterThan(-0.1)
    expect(() =>
      linearProbe({ inputs: latents, inputSize: 4, targets, targetSize: 2, count: 300, ridge: 0 })
    ).toThrow(/inputs: expected inputs whose train rows span their space, or a ridge > 0/)
  })

  it("splits the same way for the same seed", () => {
    const latents = gaussianLatents(200, 4, 14)
    const targets = gaussianLatents(200, 1, 15)
    const probe = (seed: number) =>
      linearProbe({
        inputs: latents,
        inputSize: 4,
        targets,
        targetSize: 1,
        count: 200,
        rng: Random.fromSeed(seed)
      })
    expect(probe(1).r2).toBe(probe(1).r2)
    expect(probe(1).r2).not.toBe(probe(2).r2)
  })

  it("rejects mismatched sizes, bad fractions and too few rows", () => {
    const inputs = new Float32Array(20)
    const targets = new Float32Array(10)
    expect(() => linearProbe({ inputs, inputSize: 2, targets, targetSize: 2, count: 10 })).toThrow(
      "targets: expected 20 numbers (10 rows of 2), received 10"
    )
    expect(() =>
      linearProbe({ inputs, inputSize: 2, targets, targetSize: 1, count: 10, trainFraction: 1 })
    ).toThrow("trainFraction: expected a number in (0, 1), received 1")
    expect(() =>
      linearProbe({ inputs, inputSize: 2, targets, targetSize: 1, count: 10, trainFraction: 0.95 })
    ).toThrow(/count: expected enough rows/)
    expect(() => linearProbe({ inputs, inputSize: 2, targets, targetSize: 1, count: 10, ridge: -1 })).toThrow(
      "ridge: expected a finite number >= 0, received -1"
    )
  })
})

describe("Cholesky", () => {
  it("factors and solves a known system", () => {
    const factor = choleskyFactor(Float64Array.of(4, 2, 2, 3), 2)
    expect([...factor]).toEqual([2, 0, 1, Math.SQRT2])
    expect([...choleskySolve(factor, 2, Float64Array.of(6, 5), 1)].map((x) => x.toFixed(12))).toEqual([
      "1.000000000000",
      "1.000000000000"
    ])
  })

  it("solves random positive-definite systems to a small residual", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        (size, columns, seed) => {
          const rng = Random.fromSeed(seed)
          const root = Float64Array.from({ length: size * size }, () => rng.normal())
          // RᵀR + I: symmetric positive definite with a moderate condition number.
          const matrix = new Float64Array(size * size)
          for (let i = 0; i < size; i++) {
            for (let j = 0; j < size; j++) {
              let sum = i === j ? 1 : 0
              for (let k = 0; k < size; k++)
                sum += (root[k * size + i] as number) * (root[k * size + j] as number)
              matrix[i * size + j] = sum
            }
          }
          const rightHandSide = Float64Array.from({ length: size * columns }, () => rng.normal())
          const solution = choleskySolve(choleskyFactor(matrix, size), size, rightHandSide, columns)
          for (let i = 0; i < size; i++) {
            for (let c = 0; c < columns; c++) {
              let product = 0
              for (let k = 0; k < size; k++)
                product += (matrix[i * size + k] as number) * (solution[k * columns + c] as number)
              expect(product).toBeCloseTo(rightHandSide[i * columns + c] as number, 8)
            }
          }
        }
      ),
      { numRuns: 50 }
    )
  })

  it("refuses a matrix that is not positive definite", () => {
    expect(() => choleskyFactor(Float64Array.of(1, 2, 2, 1), 2)).toThrow(
      /matrix \(pivot 1\): expected a symmetric positive-definite matrix/
    )
    expect(() => choleskyFactor(Float64Array.of(1, 2, 3), 2)).toThrow(InvalidValueError)
  })
})
