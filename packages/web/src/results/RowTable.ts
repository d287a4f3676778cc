/**
 * The results viewer's row table as data: its columns, each cell's text, and the rows sorted and
 * filtered as the reader asks. Pure, so that Node tests cover what the view shows.
 *
 * @module
 */
import type { ResultsRow } from "./ResultsFile.js"

/** Columns a planning row is read by, first when a row has them; the rest follow in file order. */
const leading = [
  "env",
  "agent",
  "planner",
  "levels",
  "episodes",
  "successRate",
  "meanReturn",
  "meanSteps",
  "planMsPerStep"
]

/**
 * Every field some row has, the planning fields first, the others in the order they first appear.
 *
 * @example
 * ```ts
 * tableColumns(file.rows) // ["env", "agent", "planner", "levels", ..., "predictionsPerStep", "traces"]
 * ```
 */
export const tableColumns = (rows: ReadonlyArray<ResultsRow>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row.fields)) seen.add(key)
  return [...leading.filter((key) => seen.has(key)), ...[...seen].filter((key) => !leading.includes(key))]
}

/**
 * A field's value as a table cell: numbers to four significant digits, short number lists in full,
 * longer lists and objects summarised, a sweep aggregate's `{ mean, interval }` as `mean ± half
 * width`; `null` (a number JSON could not hold) as `–`.
 *
 * @example
 * ```ts
 * cellText(79.18198) // "79.18"
 * cellText([1, 2, 3, 4, 5, 6]) // "[6 values]"
 * ```
 */
export const cellText = (value: unknown): string => {
  if (value === undefined) return ""
  if (value === null) return "–"
  if (typeof value === "number")
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)))
  if (typeof value === "string") return value
  if (typeof value === "boolean") return String(value)
  if (Array.isArray(value)) {
    return value.length <= 4 && value.every((item) => typeof item === "number" || item === null)
      ? `[${value.map(cellText).join(", ")}]`
      : `[${value.length} values]`
  }
  if (typeof value === "object") {
    // A sweep aggregate's figure over its seeds, as the bench's report writes it.
    const { mean, interval } = value as { readonly mean?: unknown; readonly interval?: unknown }
    if (typeof mean === "number") {
      const [low, high] = Array.isArray(interval) ? interval : []
      return typeof low === "number" && typeof high === "number"
        ? `${cellText(mean)} ± ${cellText((high - low) / 2)}`
        : cellText(mean)
    }
    const keys = Object.keys(value)
    return `{${keys.slice(0, 3).join(", ")}${keys.length > 3 ? ", ..." : ""}}`
  }
  return String(value)
}

/** Which way a column is sorted. */
export type SortDirection = "ascending" | "descending"

// Numbers before text, and a missing value after both, whichever the direction.
const rank = (value: unknown): number =>
  typeof value === "number" ? 0 : value === undefined || value === null ? 2 : 1

/**
 * The rows sorted by `column`: numbers (and aggregates' means) by value, anything else by its cell
 * text (numbers within text compared as numbers), rows without the field last; ties keep the
 * file's order.
 *
 * @example
 * ```ts
 * sortRows(file.rows, "successRate", "descending")[0] // the most successful row
 * ```
 */
export const sortRows = (
  rows: ReadonlyArray<ResultsRow>,
  column: string,
  direction: SortDirection
): ReadonlyArray<ResultsRow> => {
  const sign = direction === "ascending" ? 1 : -1
  const fieldOf = (row: ResultsRow): unknown => {
    const value = Object.hasOwn(row.fields, column) ? row.fields[column] : undefined
    // A sweep aggregate's `{ mean, ... }` sorts by its mean, among the trials' plain numbers.
    const mean =
      typeof value === "object" && value !== null ? (value as { readonly mean?: unknown }).mean : undefined
    return typeof mean === "number" ? mean : value
  }
  return [...rows].sort((a, b) => {
    const left = fieldOf(a)
    const right = fieldOf(b)
    const ranks = rank(left) - rank(right)
    if (ranks !== 0) return ranks
    const order =
      typeof left === "number" && typeof right === "number"
        ? left - right
        : rank(left) === 2
          ? 0
          : cellText(left).localeCompare(cellText(right), undefined, { numeric: true })
    return order === 0 ? a.index - b.index : sign * order
  })
}

/**
 * The rows whose cells (of `columns`, and the row's `#number`) hold every word of `query`, each
 * word in some cell, ignoring case; all rows for an empty query.
 *
 * @example
 * ```ts
 * filterRows(file.rows, "maze hierarchical", tableColumns(file.rows))
 * ```
 */
export const filterRows = (
  rows: ReadonlyArray<ResultsRow>,
  query: string,
  columns: ReadonlyArray<string>
): ReadonlyArray<ResultsRow> => {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== "")
  if (words.length === 0) return rows
  return rows.filter((row) => {
    const text = [
      `#${row.index + 1}`,
      ...columns.map((column) => (Object.hasOwn(row.fields, column) ? cellText(row.fields[column]) : ""))
    ]
      .join("\u0000")
      .toLowerCase()
    return words.every((word) => text.includes(word))
  })
}
