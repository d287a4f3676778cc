/**
 * Spaces describe what values an observation or an action may take, after Gymnasium's `Box` and
 * `Discrete`. A space samples values from a seeded stream, says whether a value belongs to it,
 * and turns a value that does not belong into a typed error naming the field and the bounds.
 *
 * @module
 */
import { Result } from "effect"
import { describeValue, InvalidValueError } from "./Errors.js"
import type { Random } from "./Random.js"

const toBounds = (bound: number | ArrayLike<number>, size: number, field: string): Float64Array => {
  if (typeof bound === "number") return new Float64Array(size).fill(bound)
  if (bound.length !== size) {
    throw new InvalidValueError({ field, expected: `${size} bounds`, received: `${bound.length}` })
  }
  return Float64Array.from(bound)
}

const formatBound = (value: number): string =>
  Number.isInteger(value) ? String(value) : value.toPrecision(4)

/**
 * A box of real vectors, `low[i] <= x[i] <= high[i]`, flattened in row-major order when `shape`
 * has several dimensions. Bounds may be infinite; values may not.
 */
export class Box {
  /** Tells a `Box` from a `Discrete`. */
  readonly _tag = "Box"
  /** Lower bound of each component, flattened. */
  readonly low: Float64Array
  /** Upper bound of each component, flattened. */
  readonly high: Float64Array
  /** The dimensions of a value. */
  readonly shape: ReadonlyArray<number>
  /** Number of components: the product of `shape`. */
  readonly size: number

  constructor(options: {
    readonly low: number | ArrayLike<number>
    readonly high: number | ArrayLike<number>
    readonly shape?: ReadonlyArray<number>
  }) {
    const inferred =
      typeof options.low !== "number"
        ? options.low.length
        : typeof options.high !== "number"
          ? options.high.length
          : 1
    this.shape = options.shape ?? [inferred]
    this.size = this.shape.reduce((product, dimension) => product * dimension, 1)
    if (!this.shape.every((dimension) => Number.isInteger(dimension) && dimension > 0)) {
      throw new InvalidValueError({
        field: "Box.shape",
        expected: "positive integer dimensions",
        received: describeValue(this.shape)
      })
    }
    this.low = toBounds(options.low, this.size, "Box.low")
    this.high = toBounds(options.high, this.size, "Box.high")
    for (let i = 0; i < this.size; i++) {
      const low = this.low[i] as number
      const high = this.high[i] as number
      // A bound of +Infinity below (or -Infinity above) leaves no finite value in the box.
      if (Number.isNaN(low) || Number.isNaN(high) || low > high || low === Infinity || high === -Infinity) {
        throw new InvalidValueError({
          field: `Box bounds[${i}]`,
          expected: "low <= high with low < Infinity and high > -Infinity",
          received: `low ${low}, high ${high}`
        })
      }
    }
  }

  /**
   * Draws a value: uniform where both bounds are finite, shifted exponential where one is, and
   * standard normal where neither is (Gymnasium's convention).
   *
   * @example
   * ```ts
   * const actions = new Box({ low: -1, high: 1, shape: [2] })
   * actions.sample(Random.fromSeed(0)) // Float64Array(2) inside [-1, 1]
   * ```
   */
  sample(rng: Random): Float64Array {
    const value = new Float64Array(this.size)
    for (let i = 0; i < this.size; i++) {
      const low = this.low[i] as number
      const high = this.high[i] as number
      const lowFinite = Number.isFinite(low)
      const highFinite = Number.isFinite(high)
      if (lowFinite && highFinite) {
        const u = rng.uniform()
        const span = high - low
        // A span wider than the largest double overflows to Infinity; interpolate instead.
        const drawn = Number.isFinite(span) ? low + span * u : low * (1 - u) + high * u
        value[i] = Math.min(high, Math.max(low, drawn))
      } else if (lowFinite) value[i] = low - Math.log(1 - rng.uniform())
      else if (highFinite) value[i] = high + Math.log(1 - rng.uniform())
      else value[i] = rng.normal()
    }
    return value
  }

  /** Whether `value` is a finite vector of the right length inside the bounds. */
  contains(value: unknown): boolean {
    return Result.isSuccess(this.validate(value))
  }

  /**
   * Checks a value and returns it as a fresh `Float64Array`, or a typed error naming the first
   * offending component.
   */
  validate(value: unknown, field = "value"): Result.Result<Float64Array, InvalidValueError> {
    if (!(Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView)))) {
      return Result.fail(
        new InvalidValueError({
          field,
          expected: `an array of ${this.size} numbers`,
          received: describeValue(value)
        })
      )
    }
    const items = value as ArrayLike<unknown>
    if (items.length !== this.size) {
      return Result.fail(
        new InvalidValueError({
          field,
          expected: `length ${this.size}`,
          received: `length ${items.length}`
        })
      )
    }
    const checked = new Float64Array(this.size)
    for (let i = 0; i < this.size; i++) {
      const item = items[i]
      const low = this.low[i] as number
      const high = this.high[i] as number
      if (typeof item !== "number" || !Number.isFinite(item) || item < low || item > high) {
        return Result.fail(
          new InvalidValueError({
            field: `${field}[${i}]`,
            expected: `a finite number in [${formatBound(low)}, ${formatBound(high)}]`,
            received: describeValue(item)
          })
        )
      }
      checked[i] = item
    }
    return Result.succeed(checked)
  }

  /**
   * Clips every component of a finite vector into the bounds; a component already inside is kept
   * exactly (-0 stays -0, which `Math.max(0, -0)` would not), and NaN is left as it is.
   */
  clip(value: ArrayLike<number>): Float64Array {
    const clipped = new Float64Array(this.size)
    for (let i = 0; i < this.size; i++) {
      const component = value[i] as number
      const low = this.low[i] as number
      const high = this.high[i] as number
      // biome-ignore lint/complexity/useMathMinMax: comparisons keep -0 and NaN as they are (see above)
      clipped[i] = component < low ? low : component > high ? high : component
    }
    return clipped
  }
}

/** The integers `start, start + 1, ..., start + n - 1`. */
export class Discrete {
  /** Tells a `Discrete` from a `Box`. */
  readonly _tag = "Discrete"
  /** How many integers the space holds. */
  readonly n: number
  /** The smallest of them. */
  readonly start: number

  constructor(n: number, start = 0) {
    if (!Number.isInteger(n) || n <= 0) {
      throw new InvalidValueError({
        field: "Discrete.n",
        expected: "a positive integer",
        received: describeValue(n)
      })
    }
    if (!Number.isInteger(start)) {
      throw new InvalidValueError({
        field: "Discrete.start",
        expected: "an integer",
        received: describeValue(start)
      })
    }
    this.n = n
    this.start = start
  }

  /** Draws one of the `n` values uniformly. */
  sample(rng: Random): number {
    return this.start + rng.integer(this.n)
  }

  /** Whether `value` is one of the `n` integers. */
  contains(value: unknown): boolean {
    return Result.isSuccess(this.validate(value))
  }

  /**
   * The choice a row of scores, one per choice, picks: `start` plus the index of the largest score
   * (the first wins a tie), as a planner's one-hot or relaxed row becomes an action. A row of the
   * wrong length, or with a NaN (which has no order), is an `InvalidValueError` naming `field`.
   *
   * @example
   * ```ts
   * new Discrete(3, 10).choose([0.2, 0.7, 0.1]) // 11
   * ```
   */
  choose(scores: ArrayLike<number>, field = "action"): number {
    if (scores.length !== this.n) {
      throw new InvalidValueError({
        field,
        expected: `${this.n} scores, one per choice`,
        received: `${scores.length} values`
      })
    }
    let best = 0
    for (let i = 0; i < this.n; i++) {
      const value = scores[i] as number
      if (typeof value !== "number" || Number.isNaN(value)) {
        throw new InvalidValueError({
          field: `${field}[${i}]`,
          expected: "a number",
          received: describeValue(value)
        })
      }
      if (value > (scores[best] as number)) best = i
    }
    return this.start + best
  }

  /** Checks a value, or returns a typed error that names the field and the admissible range. */
  validate(value: unknown, field = "value"): Result.Result<number, InvalidValueError> {
    if (
      typeof value !== "number" ||
      !Number.isInteger(value) ||
      value < this.start ||
      value >= this.start + this.n
    ) {
      return Result.fail(
        new InvalidValueError({
          field,
          expected: `an integer in [${this.start}, ${this.start + this.n - 1}]`,
          received: describeValue(value)
        })
      )
    }
    return Result.succeed(value)
  }
}

/** Any space. */
export type Space = Box | Discrete

/** The value type a space holds. */
export type ValueOf<S extends Space> = S extends Box ? Float64Array : number
