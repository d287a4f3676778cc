/**
 * The von Mises distribution, the circular analogue of the normal: angles concentrated around a
 * mean direction, with `concentration` (kappa) playing the part of an inverse variance. Exploration
 * policies use it to turn a heading by a small random angle each step.
 *
 * Sampling follows Best and Fisher (1979), a rejection method built on a wrapped Cauchy envelope
 * that accepts about two draws in three or better for every kappa.
 *
 * @module
 */
import { describeValue, InvalidValueError, type Random } from "@telos/core"

// Below this kappa the density is flat to double precision; above the other one, the wrapped
// normal with variance 1 / kappa is closer to the truth than the rejection step's arithmetic.
const flatConcentration = 1e-8
const normalConcentration = 1e6

/**
 * An angle brought into `[-pi, pi)`.
 *
 * @example
 * ```ts
 * wrapAngle(3 * Math.PI / 2) // -Math.PI / 2
 * ```
 */
export const wrapAngle = (angle: number): number => {
  const turns = Math.floor((angle + Math.PI) / (2 * Math.PI))
  return angle - turns * 2 * Math.PI
}

/**
 * Checks a von Mises concentration: a finite number `>= 0`.
 *
 * @example
 * ```ts
 * checkConcentration(4, "concentration") // 4
 * ```
 */
export const checkConcentration = (concentration: number, field: string): number => {
  if (typeof concentration !== "number" || !Number.isFinite(concentration) || concentration < 0) {
    throw new InvalidValueError({
      field,
      expected: "a finite number >= 0",
      received: describeValue(concentration)
    })
  }
  return concentration
}

/**
 * Draws an angle in `[-pi, pi)` from the von Mises distribution with the given mean direction and
 * concentration. Kappa 0 is the uniform distribution on the circle; a large kappa is close to a
 * normal with standard deviation `1 / sqrt(kappa)`.
 *
 * @example
 * ```ts
 * const rng = Random.fromSeed(3)
 * const turn = sampleVonMises(rng, 8) // usually within +-0.5 rad of 0
 * ```
 */
export const sampleVonMises = (rng: Random, concentration: number, mean = 0): number => {
  const kappa = checkConcentration(concentration, "concentration")
  if (kappa < flatConcentration) return wrapAngle(mean + rng.uniformIn(-Math.PI, Math.PI))
  if (kappa > normalConcentration) return wrapAngle(mean + rng.normal() / Math.sqrt(kappa))
  // Best and Fisher's constants: tau, then rho, then r = (1 + rho^2) / (2 rho). rho is computed in a
  // rearranged form, because the textbook (tau - sqrt(2 tau)) / (2 kappa) loses every digit to
  // cancellation when kappa is small.
  const root = Math.sqrt(1 + 4 * kappa * kappa)
  const tau = 1 + root
  const rho = (2 * kappa * tau) / ((root + 1) * (tau + Math.sqrt(2 * tau)))
  const r = (1 + rho * rho) / (2 * rho)
  for (;;) {
    const z = Math.cos(Math.PI * rng.uniform())
    const f = (1 + r * z) / (r + z)
    const c = kappa * (r - f)
    const u = rng.uniform()
    if (c * (2 - c) > u || Math.log(c / u) + 1 - c >= 0) {
      const angle = Math.acos(Math.max(-1, Math.min(1, f)))
      return wrapAngle(mean + (rng.uniform() < 0.5 ? -angle : angle))
    }
  }
}
