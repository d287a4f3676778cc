import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { cellText, filterRows, sortRows, tableColumns } from "../../src/results/RowTable.js"
import { faultsText, opened, planningRow, resultsText, runText, sweepText } from "./Fixtures.js"

const indices = (rows: ReadonlyArray<{ readonly index: number }>) => rows.map((row) => row.index)

describe("tableColumns", () => {
  it("puts the planning fields first, then the others as they first appear", () => {
    const columns = tableColumns(opened(runText).rows)
    expect(columns.slice(0, 9)).toEqual([
      "env",
      "agent",
      "planner",
      "levels",
      "episodes",
      "successRate",
      "meanReturn",
      "meanSteps",
      "planMsPerStep"
    ])
    expect(columns).toContain("predictionsPerStep")
    expect(tableColumns(opened(faultsText).rows)).toEqual([
      "group",
      "target",
      "cases",
      "clear",
      "harmless",
      "defects",
      "bytesLost",
      "examples",
      "seconds"
    ])
  })
})

describe("cellText", () => {
  it("writes numbers, lists, objects, null and aggregates short", () => {
    expect(cellText(79.18198180645162)).toBe("79.18")
    expect(cellText(1240)).toBe("1240")
    expect(cellText(null)).toBe("–")
    expect(cellText(undefined)).toBe("")
    expect(cellText([1.23456, 2])).toBe("[1.235, 2]")
    expect(cellText(Array.from({ length: 31 }, () => 0))).toBe("[31 values]")
    expect(cellText({ "actor.horizon": 20 })).toBe("{actor.horizon}")
    expect(cellText({ a: 1, b: 2, c: 3, d: 4 })).toBe("{a, b, c, ...}")
    expect(cellText({ mean: 0.75, std: 0.1, interval: [0.5, 1] })).toBe("0.75 ± 0.25")
    expect(cellText({ mean: 0.75, std: null, interval: null })).toBe("0.75")
    expect(cellText(1.7976931348623157e308)).toBe("1.7976931348623157e+308")
  })
})

describe("sortRows", () => {
  const rows = opened(
    resultsText([
      planningRow({ successRate: 0.5, env: "maze-10" }),
      planningRow({ successRate: 0.25, env: "maze-9" }),
      { env: "maze-2", note: "no success rate" },
      planningRow({ successRate: 0.5, env: "maze-1" })
    ])
  ).rows

  it("sorts numbers by value either way, rows without the field last, ties in file order", () => {
    expect(indices(sortRows(rows, "successRate", "ascending"))).toEqual([1, 0, 3, 2])
    expect(indices(sortRows(rows, "successRate", "descending"))).toEqual([0, 3, 1, 2])
  })

  it("sorts text with the numbers inside it compared as numbers", () => {
    expect(indices(sortRows(rows, "env", "ascending"))).toEqual([3, 2, 1, 0])
  })

  it("sorts a sweep's aggregates by their mean among the trials' numbers", () => {
    const sorted = sortRows(opened(sweepText).rows, "meanSteps", "ascending")
    const steps = sorted.map((row) => row.meanSteps)
    expect(steps).toEqual([...steps].sort((a, b) => (a ?? 0) - (b ?? 0)))
  })

  it("is a permutation of the rows, for any column and direction", () => {
    const file = opened(sweepText)
    const columns = tableColumns(file.rows)
    fc.assert(
      fc.property(
        fc.constantFrom(...columns, "absent"),
        fc.constantFrom("ascending", "descending"),
        (column, direction) => {
          const sorted = indices(sortRows(file.rows, column, direction as "ascending" | "descending"))
          expect([...sorted].sort((a, b) => a - b)).toEqual(indices(file.rows))
        }
      )
    )
  })
})

describe("filterRows", () => {
  const file = opened(faultsText)
  const columns = tableColumns(file.rows)

  it("keeps the rows holding every word, in any cell, ignoring case", () => {
    expect(indices(filterRows(file.rows, "CORRUPT", columns))).toEqual([3, 4, 5, 6])
    expect(indices(filterRows(file.rows, "corrupt results", columns))).toEqual([5])
    expect(indices(filterRows(file.rows, "#2", columns))).toEqual([1])
    expect(indices(filterRows(file.rows, "  ", columns))).toEqual(indices(file.rows))
    expect(filterRows(file.rows, "nothing-like-this", columns)).toEqual([])
  })
})
