/**
 * Row-major arrays of equal-width rows, as plans and latents are kept on the host: picking rows,
 * measuring between them and finding the nearest. Internal to the planner package.
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

/**
 * The row of `table` (rows of `size` numbers) nearest `rows[row]`, among `candidates` when given,
 * and its squared distance; index -1 when there is none.
 */
export const nearestRow = (
  table: Float32Array,
  size: number,
  rows: ArrayLike<number>,
  row: number,
  candidates?: Iterable<number>
): { readonly index: number; readonly squared: number } => {
  let best = -1
  let bestSquared = Number.POSITIVE_INFINITY
  const consider = (index: number) => {
    const squared = squaredDistance(table, index * size, rows, row * size, size)
    if (squared < bestSquared) {
      bestSquared = squared
      best = index
    }
  }
  if (candidates === undefined) for (let index = 0; index * size < table.length; index++) consider(index)
  else for (const index of candidates) consider(index)
  return { index: best, squared: bestSquared }
}
