/**
 * Finding the float32 values a model cannot use: NaN, the infinities, and, where a bound is given,
 * finite values too large to be anything but corrupt. Checkpoints and datasets scan their values
 * with it when they are read, so that bad data is named where it lies rather than surfacing later
 * as a diverging loss.
 *
 * @module
 */

/**
 * The index of the first value of `values` that is NaN, infinite, or larger in magnitude than
 * `limit`; `-1` when every value is usable.
 *
 * @example
 * ```ts
 * firstUnusableValue(Float32Array.of(0.5, Number.NaN)) // 1
 * firstUnusableValue(Float32Array.of(0.5, 3e38), 1e9) // 1
 * firstUnusableValue(Float32Array.of(0.5, -2)) // -1
 * ```
 */
export const firstUnusableValue = (values: Float32Array, limit = Number.POSITIVE_INFINITY): number => {
  for (let index = 0; index < values.length; index++) {
    const magnitude = Math.abs(values[index] as number)
    // NaN fails every comparison, so `!(magnitude <= limit)` catches it along with the too large.
    if (!(magnitude <= limit) || magnitude === Number.POSITIVE_INFINITY) return index
  }
  return -1
}

/**
 * A float32 value as a message shows it: seven significant digits, `NaN` and `Infinity` by name.
 *
 * @example
 * ```ts
 * formatFloat32(Math.fround(-0.13)) // "-0.13"
 * formatFloat32(Math.fround(3e38)) // "3e+38"
 * ```
 */
export const formatFloat32 = (value: number): string =>
  Number.isFinite(value) ? String(Number(value.toPrecision(7))) : String(value)

/**
 * The position of the flat element `index` in a row-major tensor of `shape`, as `[i, j, ...]`.
 *
 * @example
 * ```ts
 * elementPosition(5, [2, 3]) // "[1, 2]"
 * elementPosition(0, []) // "[]"
 * ```
 */
export const elementPosition = (index: number, shape: ReadonlyArray<number>): string => {
  const position: Array<number> = []
  let rest = index
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis] as number
    position.unshift(rest % size)
    rest = Math.floor(rest / size)
  }
  return `[${position.join(", ")}]`
}
