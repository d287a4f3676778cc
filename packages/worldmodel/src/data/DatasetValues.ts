/**
 * The values of a dataset must be usable before a model trains on them: an observation or action
 * that is NaN, infinite, or of an absurd magnitude would otherwise surface epochs later as a
 * diverging loss, with nothing pointing at the data. This module finds the first such value and
 * names it: the field, the row, the episode, the element and the value.
 *
 * @module
 */
import { DatasetError } from "@telos/core"
import type { DatasetHeader } from "./DatasetFormat.js"
import { firstUnusableValue, formatFloat32 } from "./FloatScan.js"

/**
 * The largest magnitude an observation or action may have. No environment produces values near
 * it (positions, velocities and actions are of order 1 to 1000), while a flipped exponent bit
 * easily does; it also keeps squares and sums of squares far from float32's overflow at 3.4e38.
 *
 * @example
 * ```ts
 * Math.abs(observation) <= datasetValueLimit
 * ```
 */
export const datasetValueLimit = 1e9

/** Which episode a row belongs to, and its row within that episode. */
const locateRow = (
  lengths: ReadonlyArray<number>,
  row: number,
  rowsPer: "step" | "transition"
): { readonly episode: number; readonly within: number } => {
  let start = 0
  for (let episode = 0; episode < lengths.length; episode++) {
    const rows = (lengths[episode] as number) + (rowsPer === "step" ? 1 : 0)
    if (row < start + rows) return { episode, within: row - start }
    start += rows
  }
  return { episode: lengths.length, within: row - start }
}

const requireUsable = (
  header: DatasetHeader,
  name: string,
  values: Float32Array,
  rowsPer: "step" | "transition",
  path: string
): void => {
  const index = firstUnusableValue(values, datasetValueLimit)
  if (index < 0) return
  const width = header.fields.find((field) => field.name === name)?.shape[0] ?? 1
  const row = Math.floor(index / width)
  const { episode, within } = locateRow(header.episodes.lengths, row, rowsPer)
  const value = values[index] as number
  const finite = Number.isFinite(value)
  throw new DatasetError({
    path,
    problem: finite ? "implausible-value" : "non-finite-value",
    detail:
      `${name}: ${rowsPer} ${row} (episode ${episode}, its ${rowsPer} ${within}), element ${index % width} ` +
      `is ${formatFloat32(value)}${finite ? `, beyond the plausible ±${datasetValueLimit.toExponential()} (a corrupt value)` : ""}`
  })
}

/**
 * Throws a `DatasetError` naming `path`, the field, the row (with its episode), the element and
 * the value at the first observation or action that is NaN or infinite (`"non-finite-value"`) or
 * larger in magnitude than {@link datasetValueLimit} (`"implausible-value"`).
 *
 * @example
 * ```ts
 * requireUsableValues(header, observations, actions, "runs/data/dataset.bin")
 * // DatasetError: "runs/data/dataset.bin: observations: step 17 (episode 2, its step 5), element 1 is NaN"
 * ```
 */
export const requireUsableValues = (
  header: DatasetHeader,
  observations: Float32Array,
  actions: Float32Array,
  path: string
): void => {
  requireUsable(header, "observations", observations, "step", path)
  requireUsable(header, "actions", actions, "transition", path)
}
