/**
 * Disjoint sets over the indices `0 .. n - 1` as a parent array: which items chains of links
 * join. Internal to the planner package.
 *
 * @module
 */

/** A forest in which every index is its own set. */
export const disjointSets = (count: number): Int32Array =>
  Int32Array.from({ length: count }, (_, index) => index)

/** The root of `index`'s set, compressing the path on the way. */
export const rootOf = (parents: Int32Array, index: number): number => {
  let root = index
  while (parents[root] !== root) root = parents[root] as number
  let current = index
  while (parents[current] !== root) {
    const next = parents[current] as number
    parents[current] = root
    current = next
  }
  return root
}

/** Joins the sets of `a` and `b`. */
export const join = (parents: Int32Array, a: number, b: number): void => {
  parents[rootOf(parents, a)] = rootOf(parents, b)
}
