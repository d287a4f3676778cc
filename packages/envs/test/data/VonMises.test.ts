import { InvalidValueError, Random } from "@telos/core"
import { sampleVonMises, wrapAngle } from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { thrownBy } from "../support.js"

/** The modified Bessel function I_n(kappa), by the trapezoid rule on its integral form. */
const bessel = (order: number, kappa: number): number => {
  const steps = 4000
  let sum = 0
  for (let i = 0; i <= steps; i++) {
    const t = (Math.PI * i) / steps
    const weight = i === 0 || i === steps ? 0.5 : 1
    sum += weight * Math.exp(kappa * Math.cos(t)) * Math.cos(order * t)
  }
  return sum / steps
}

/** Circular mean and the first two trigonometric moments about it. */
const circularMoments = (angles: ReadonlyArray<number>) => {
  let sine = 0
  let cosine = 0
  for (const angle of angles) {
    sine += Math.sin(angle)
    cosine += Math.cos(angle)
  }
  const mean = Math.atan2(sine, cosine)
  const first = angles.reduce((total, angle) => total + Math.cos(angle - mean), 0) / angles.length
  const second = angles.reduce((total, angle) => total + Math.cos(2 * (angle - mean)), 0) / angles.length
  return { mean, first, second }
}

const draw = (seed: number, count: number, kappa: number, mean: number): Array<number> => {
  const rng = Random.fromSeed(seed)
  return Array.from({ length: count }, () => sampleVonMises(rng, kappa, mean))
}

describe("wrapAngle", () => {
  it("brings any angle into [-pi, pi) without changing its direction", () => {
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), (angle) => {
        const wrapped = wrapAngle(angle)
        expect(wrapped).toBeGreaterThanOrEqual(-Math.PI)
        expect(wrapped).toBeLessThan(Math.PI)
        expect(Math.cos(wrapped)).toBeCloseTo(Math.cos(angle), 9)
        expect(Math.sin(wrapped)).toBeCloseTo(Math.sin(angle), 9)
      })
    )
  })
})

describe("sampleVonMises", () => {
  it.each([0.5, 2, 5, 20, 200])(
    "has the right circular mean and concentration for kappa %d (E cos = I1/I0, E cos 2 = I2/I0)",
    (kappa) => {
      const mean = 1.2
      const moments = circularMoments(draw(kappa * 17, 20_000, kappa, mean))
      const first = bessel(1, kappa) / bessel(0, kappa)
      const second = bessel(2, kappa) / bessel(0, kappa)
      // 20k draws: the moments' standard errors are below 0.005.
      expect(Math.abs(wrapAngle(moments.mean - mean))).toBeLessThan(0.1 / Math.sqrt(Math.min(kappa, 20)))
      expect(Math.abs(moments.first - first)).toBeLessThan(0.015)
      expect(Math.abs(moments.second - second)).toBeLessThan(0.02)
    }
  )

  it("is uniform on the circle for kappa 0", () => {
    const angles = draw(1, 20_000, 0, 0.3)
    const resultant = Math.hypot(
      angles.reduce((total, angle) => total + Math.cos(angle), 0) / angles.length,
      angles.reduce((total, angle) => total + Math.sin(angle), 0) / angles.length
    )
    expect(resultant).toBeLessThan(0.025)
    const quarters = [0, 0, 0, 0]
    for (const angle of angles) quarters[Math.floor(((angle + Math.PI) / (2 * Math.PI)) * 4)]! += 1
    for (const count of quarters) expect(Math.abs(count - 5000)).toBeLessThan(300)
  })

  it("stays accurate for a tiny kappa, where the textbook constants cancel", () => {
    const moments = circularMoments(draw(2, 20_000, 1e-6, 0))
    expect(Math.abs(moments.first)).toBeLessThan(0.03)
  })

  it("approaches a normal of std 1/sqrt(kappa) for a huge kappa", () => {
    for (const kappa of [1e5, 1e7]) {
      const angles = draw(3, 5000, kappa, -2)
      const deviations = angles.map((angle) => wrapAngle(angle + 2))
      const std = Math.sqrt(deviations.reduce((total, value) => total + value * value, 0) / deviations.length)
      expect(std * Math.sqrt(kappa)).toBeGreaterThan(0.95)
      expect(std * Math.sqrt(kappa)).toBeLessThan(1.05)
    }
  })

  it("returns angles in [-pi, pi) and is deterministic for a seed", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e8, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.nat(),
        (kappa, mean, seed) => {
          const first = draw(seed, 20, kappa, mean)
          expect(draw(seed, 20, kappa, mean)).toEqual(first)
          for (const angle of first) {
            expect(angle).toBeGreaterThanOrEqual(-Math.PI)
            expect(angle).toBeLessThan(Math.PI)
          }
        }
      ),
      { numRuns: 200 }
    )
  })

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("rejects concentration %d, naming it", (kappa) => {
    const error = thrownBy(() => sampleVonMises(Random.fromSeed(0), kappa))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field: "concentration" })
  })
})
