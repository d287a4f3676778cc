/**
 * Row-major arrays of equal-width rows, as plans and latents are kept on the host: picking rows and
 * measuring between them. Internal to the planner package.
 *
 * @module
 */

/** The rows `rows` of `values` (rows of `width` numbers), in the order given. */
export const pickRows = (values: Float32Array, rows: ReadonlyArray<number>, width: number): Float32Array => {
  const picked = new Float32Array(rows.length * width)
  rows.forEach((row, index) => {
    picked.set(values.subarray(row * width, row * width + width), index * width)
  })
  return picked
}

/** The squared distance between `size` numbers of `a` from `aOffset` and of `b` from `bOffset`. */
export const squaredDistance = (
  a: ArrayLike<number>,
  aOffset: number,
  b: ArrayLike<number>,
  bOffset: number,
  size: number
): number => {
  let sum = 0
  for (let index = 0; index < size; index++) {
    const difference = (a[aOffset + index] as number) - (b[bOffset + index] as number)
    sum += difference * difference
  }
  return sum
}
