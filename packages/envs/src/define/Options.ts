/**
 * Readers for environment reset options. Each checks one option and throws an
 * `InvalidValueError` naming it (`options.start`, `options.theta`, ...), so a typo or a bad value
 * is reported instead of silently ignored.
 *
 * @module
 */
import { type Box, describeValue, InvalidValueError } from "@telos/core"
import { Result } from "effect"

/** Reset options as environments receive them. */
export type ResetOptionValues = Readonly<Record<string, unknown>> | undefined

/**
 * Rejects option names outside `allowed`: a misspelt option would otherwise do nothing.
 *
 * @example
 * ```ts
 * checkOptionNames({ strat: [0, 0] }, ["start", "goal"]) // throws: options.strat
 * ```
 */
export const checkOptionNames = (options: ResetOptionValues, allowed: ReadonlyArray<string>): void => {
  if (options === undefined) return
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) {
      throw new InvalidValueError({
        field: `options.${name}`,
        expected: `one of the options ${allowed.join(", ")}`,
        received: "an unknown option"
      })
    }
  }
}

/**
 * Reads an optional vector option, checked against `space`.
 *
 * @example
 * ```ts
 * readVectorOption({ start: [0.2, 0.3] }, "start", new Box({ low: -1, high: 1, shape: [2] }))
 * // Float64Array [0.2, 0.3]
 * ```
 */
export const readVectorOption = (
  options: ResetOptionValues,
  name: string,
  space: Box
): Float64Array | undefined => {
  const value = options?.[name]
  if (value === undefined) return undefined
  const checked = space.validate(value, `options.${name}`)
  if (Result.isFailure(checked)) throw checked.failure
  return checked.success
}

/**
 * Reads an optional finite number option inside `[low, high]`.
 *
 * @example
 * ```ts
 * readNumberOption({ theta: 0.5 }, "theta", -Infinity, Infinity) // 0.5
 * ```
 */
export const readNumberOption = (
  options: ResetOptionValues,
  name: string,
  low: number,
  high: number
): number | undefined => {
  const value = options?.[name]
  if (value === undefined) return undefined
  if (typeof value !== "number" || !Number.isFinite(value) || value < low || value > high) {
    throw new InvalidValueError({
      field: `options.${name}`,
      expected: `a finite number in [${low}, ${high}]`,
      received: describeValue(value)
    })
  }
  return value
}
