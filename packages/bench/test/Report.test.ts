import {
  defaultRunDirectory,
  plannedCostChart,
  renderHtml,
  renderMarkdown,
  rowFigures,
  rowLabel,
  rowsChecksum,
  type SuiteResults,
  serializeResults,
  summaryColumns,
  summaryText
} from "@telos/bench"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeResults, makeRow } from "./fixtures.js"

/** Where each column starts in the header line. */
const headerStarts = (header: string): ReadonlyArray<number> => {
  const starts: Array<number> = []
  let from = 0
  for (const column of summaryColumns) {
    const start = header.indexOf(column.title, from)
    starts.push(start)
    from = start + column.title.length
  }
  return starts
}

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
const rowArbitrary = fc.record({
  env: name,
  planner: name,
  levels: fc.integer({ min: 1, max: 12 }),
  episodes: fc.integer({ min: 1, max: 1000 }),
  successRate: fc.double({ min: 0, max: 1, noNaN: true }),
  meanReturn: fc.double({ min: -1e5, max: 1e5, noNaN: true }),
  meanSteps: fc.double({ min: 0, max: 1000, noNaN: true }),
  planMsPerStep: fc.double({ min: 0, max: 1e4, noNaN: true })
})

describe("summaryText", () => {
  it("starts every column at the same offset on every line", () => {
    fc.assert(
      fc.property(fc.array(rowArbitrary, { minLength: 1, maxLength: 6 }), (fields) => {
        const rows = fields.map((row) => makeRow(row))
        const lines = summaryText(rows).split("\n")
        expect(lines).toHaveLength(rows.length + 1)
        const starts = headerStarts(lines[0] as string)
        expect(starts.every((start, index) => index === 0 || start > (starts[index - 1] as number))).toBe(
          true
        )
        rows.forEach((row, rowIndex) => {
          const line = lines[rowIndex + 1] as string
          summaryColumns.forEach((column, index) => {
            const start = starts[index] as number
            expect(line.startsWith(column.cell(row), start)).toBe(true)
            if (index > 0) expect(line.slice(start - 2, start)).toBe("  ")
          })
          expect(line).toBe(line.trimEnd())
        })
      })
    )
  })

  it("formats the numbers as the report does", () => {
    const text = summaryText([
      makeRow({ env: "e", successRate: 0.956, meanReturn: -3.16, meanSteps: 12.25, planMsPerStep: 0.04 })
    ])
    const cells = (text.split("\n")[1] as string).split(/\s{2,}/)
    expect(cells).toEqual(["e", "gradient", "1", "4", "0.96", "-3.2", "12.3", "0.0"])
  })

  it("prints only the header for no rows", () => {
    expect(summaryText([])).toBe(summaryColumns.map((column) => column.title).join("  "))
  })
})

describe("renderMarkdown", () => {
  const results = makeResults({
    rows: [makeRow({ env: "alpha", successRate: 1 }), makeRow({ env: "beta", successRate: 0.25 })],
    checks: [
      { description: "alpha solved", passed: true },
      { description: "beta solved", passed: false }
    ],
    protocol: { episodes: 20, settings: { horizon: 30, learningRate: 0.123456789 } }
  })
  const markdown = renderMarkdown(results)

  it("has one table row per result row, with the summary columns", () => {
    const tableLines = markdown.split("\n").filter((line) => line.startsWith("| "))
    expect(tableLines).toHaveLength(2 + results.rows.length)
    expect(tableLines[0]).toBe(`| ${summaryColumns.map((column) => column.title).join(" | ")} |`)
    expect(tableLines[2]).toBe("| alpha | gradient | 1 | 4 | 1.00 | -12.5 | 23.3 | 3.5 |")
    expect(tableLines[3]).toMatch(/^\| beta \| .* \| 0\.25 \|/)
  })

  it("lists the checks as PASS and FAIL", () => {
    expect(markdown).toContain("- PASS: alpha solved")
    expect(markdown).toContain("- FAIL: beta solved")
  })

  it("records the suite, backend, status and protocol", () => {
    expect(markdown).toMatch(/^# telos bench: fake\n/)
    expect(markdown).toContain("Backend `cpu`")
    expect(markdown).toContain("status complete")
    expect(markdown).toContain("## Protocol")
    expect(markdown).toContain("- **episodes**: 20")
    expect(markdown).toContain('- **settings**: {"horizon":30,"learningRate":0.123457}')
  })

  it("leaves out the targets without checks, and says why a failed run stopped", () => {
    const failed = renderMarkdown(makeResults({ status: "failed", error: "out of memory", checks: [] }))
    expect(failed).not.toContain("## Targets")
    expect(failed).toContain("**Stopped early:** out of memory")
    expect(markdown).not.toContain("Stopped early")
  })
})

describe("renderHtml", () => {
  it("escapes names, so an env called <script> stays text", () => {
    const html = renderHtml(
      makeResults({
        suite: "x<y",
        rows: [makeRow({ env: "<script>alert('hi')</script>", meanPlannedCost: [3, 2, 1] })],
        checks: [{ description: "a & b", passed: true }],
        protocol: { "<b>": "<i>" }
      })
    )
    expect(html).not.toContain("<script")
    expect(html).not.toContain("<b>")
    expect(html).not.toContain("<i>")
    expect(html).toContain("&#60;script&#62;alert(&#39;hi&#39;)&#60;/script&#62;")
    expect(html).toContain("x&#60;y")
    expect(html).toContain("a &#38; b")
  })

  it("draws a chart for a row with at least two finite planned costs", () => {
    const html = renderHtml(
      makeResults({
        rows: [makeRow({ env: "charted", meanPlannedCost: [4, Number.NaN, 2, 1] }), makeRow({ env: "plain" })]
      })
    )
    expect(html.match(/<svg/g)).toHaveLength(1)
    // The chart names its row (number, environment, planner) and links to it in the table.
    const caption = html.match(/<figcaption>(.*?)<\/figcaption>/s)?.[1] ?? ""
    expect(caption).toContain('<a href="#row-1">row 1: charted')
    expect(caption).toContain("mean planned cost per step")
    expect(html).toContain('<tr id="row-1">')
    expect(html).not.toContain("row 2: plain")
    expect(html).toContain("<h2>Planned cost</h2>")
  })

  it("labels every chart with its own row, and keeps a wide table inside the page", () => {
    const rows = ["a", "b", "c"].map((env, index) =>
      makeRow({ env, planner: `planner-${index}`, meanPlannedCost: [3, 2, 1] })
    )
    const html = renderHtml(makeResults({ rows }))
    const captions = [...html.matchAll(/<figcaption>(.*?)<\/figcaption>/gs)].map((match) => match[1] ?? "")
    expect(captions).toHaveLength(3)
    for (const [index, caption] of captions.entries()) {
      expect(caption).toContain(`row ${index + 1}: ${rows[index]?.env}`)
      expect(caption).toContain(String(rows[index]?.planner))
    }
    expect(html).toMatch(/<div class="wide"><table>/)
    expect(html).toContain(".wide { overflow-x: auto")
  })

  it("groups a row's drawn episodes under the row's name", () => {
    const figures = [
      { path: "figures/a-seed0.svg", caption: "seed 0: success" },
      { path: "figures/a-seed1.svg", caption: "seed 1: failure" }
    ]
    const html = renderHtml(
      makeResults({ rows: [makeRow({ env: "plain" }), makeRow({ env: "drawn", figures })] })
    )
    const section = html.match(/<section><h3>(.*?)<\/h3>(.*?)<\/section>/s)
    expect(section?.[1]).toContain("row 2: drawn")
    expect(section?.[2]).toContain("figures/a-seed0.svg")
    expect(section?.[2]).toContain("figures/a-seed1.svg")
    expect(html.match(/<section>/g)).toHaveLength(1)
  })

  it("names a row by its words, not its figures", () => {
    const row = makeRow({ env: "two-rooms", planner: "cem", successRate: 0.5, meanReturn: -3.25 })
    expect(rowLabel(row, 0, summaryColumns)).toBe("row 1: two-rooms · cem")
  })

  it.each([
    { case: "no planned costs", costs: undefined },
    { case: "an empty list", costs: [] },
    { case: "one value", costs: [5] },
    { case: "one finite value", costs: [5, Number.NaN, Number.POSITIVE_INFINITY] },
    { case: "not an array", costs: "1,2,3" }
  ])("draws no chart for $case", ({ costs }) => {
    const row = costs === undefined ? makeRow() : makeRow({ meanPlannedCost: costs })
    expect(plannedCostChart(row)).toBe("")
    const html = renderHtml(makeResults({ rows: [row] }))
    expect(html).not.toContain("<svg")
    expect(html).not.toContain("Planned cost")
  })

  it("plots only finite points, inside the picture", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(Number.NaN)), {
          minLength: 2,
          maxLength: 50
        }),
        (costs) => {
          const chart = plannedCostChart(makeRow({ meanPlannedCost: costs }))
          const finite = costs.filter((value) => Number.isFinite(value))
          if (finite.length < 2) {
            expect(chart).toBe("")
            return
          }
          const points = /points="([^"]*)"/.exec(chart)?.[1]?.split(" ") ?? []
          expect(points).toHaveLength(finite.length)
          for (const point of points) {
            const [x, y] = point.split(",").map(Number) as [number, number]
            expect(x).toBeGreaterThanOrEqual(0)
            expect(x).toBeLessThanOrEqual(360)
            expect(y).toBeGreaterThanOrEqual(0)
            expect(y).toBeLessThanOrEqual(120)
          }
        }
      )
    )
  })

  it("is a whole document with the table, the checks and the protocol", () => {
    const html = renderHtml(
      makeResults({
        rows: [makeRow({ env: "alpha" })],
        checks: [{ description: "alpha solved", passed: false }],
        status: "failed",
        error: "stopped"
      })
    )
    expect(html.startsWith("<!doctype html>")).toBe(true)
    expect(html.trimEnd().endsWith("</html>")).toBe(true)
    expect(html).toContain("<th>env</th>")
    expect(html).toContain("<td>alpha</td>")
    expect(html).toContain('<li class="fail">FAIL: alpha solved</li>')
    expect(html).toContain("Stopped early: stopped")
    expect(html).toContain("<dt>note</dt><dd>a fake protocol</dd>")
  })
})

describe("serializeResults", () => {
  it("writes JSON that parses back to the results", () => {
    fc.assert(
      fc.property(
        fc.array(rowArbitrary, { maxLength: 4 }),
        fc.constantFrom("running", "complete", "failed"),
        (rows, status) => {
          const results: SuiteResults = makeResults({ rows: rows.map((row) => makeRow(row)), status })
          const text = serializeResults(results)
          expect(text.endsWith("\n")).toBe(true)
          const { rowsCrc32, ...parsed } = JSON.parse(text)
          expect(parsed).toEqual(JSON.parse(JSON.stringify(results)))
          expect(parsed.rows).toHaveLength(rows.length)
          // The checksum is of the rows as they read back.
          expect(rowsCrc32).toBe(rowsChecksum(parsed.rows))
        }
      )
    )
  })

  it("writes non-finite numbers as null", () => {
    const text = serializeResults(
      makeResults({
        rows: [makeRow({ meanReturn: Number.NaN, meanPlannedCost: [1, Number.POSITIVE_INFINITY] })]
      })
    )
    const parsed = JSON.parse(text) as { rows: Array<Record<string, unknown>> }
    expect(parsed.rows[0]?.meanReturn).toBeNull()
    expect(parsed.rows[0]?.meanPlannedCost).toEqual([1, null])
  })
})

describe("defaultRunDirectory", () => {
  it("is runs/<suite>/<timestamp>, without ':' characters", () => {
    expect(defaultRunDirectory("quickstart", new Date("2025-01-02T03:04:05.678Z"))).toBe(
      "runs/quickstart/2025-01-02T03-04-05-678Z"
    )
  })

  it("holds for any date, and sorts as the dates do", () => {
    const date = fc.date({
      min: new Date("2000-01-01T00:00:00Z"),
      max: new Date("2999-12-31T23:59:59Z"),
      noInvalidDate: true
    })
    fc.assert(
      fc.property(name, date, date, (suite, first, second) => {
        const a = defaultRunDirectory(suite, first)
        const b = defaultRunDirectory(suite, second)
        expect(a.startsWith(`runs/${suite}/`)).toBe(true)
        expect(a).not.toContain(":")
        expect(a.split("/")).toHaveLength(3)
        expect(a < b ? -1 : a > b ? 1 : 0).toBe(Math.sign(first.getTime() - second.getTime()))
      })
    )
  })
})

describe("renderMarkdown cells", () => {
  it("escapes a pipe so a cell stays one column", () => {
    const markdown = renderMarkdown(makeResults({ rows: [makeRow({ env: "left|right" })] }))
    const row = markdown.split("\n").find((line) => line.includes("left"))
    expect(row).toContain("left\\|right")
    expect(row?.split(/(?<!\\)\|/).length).toBe(10)
  })
})

describe("row figures", () => {
  const results = makeResults({
    rows: [
      makeRow({
        env: "maze-medium",
        figures: [{ path: "figures/medium.svg", caption: "maze-medium <2 levels>" }]
      }),
      makeRow({ env: "plain", figures: [{ path: 3 }, "nothing"] })
    ]
  })

  it("are listed as images in the Markdown report and as figures in the HTML one, malformed ones skipped", () => {
    const markdown = renderMarkdown(results)
    expect(markdown).toContain("## Figures")
    expect(markdown).toContain("![maze-medium <2 levels>](figures/medium.svg)")
    expect(markdown.match(/!\[/g)).toHaveLength(1)
    const html = renderHtml(results)
    expect(html).toContain('<img src="figures/medium.svg" alt="maze-medium &#60;2 levels&#62;">')
    expect(rowFigures(results.rows[1] ?? {})).toEqual([])
  })

  it("leave the reports without a figures section when no row has any", () => {
    const plain = makeResults({ rows: [makeRow({ env: "alpha" })] })
    expect(renderMarkdown(plain)).not.toContain("## Figures")
    expect(renderHtml(plain)).not.toContain("<h2>Figures</h2>")
  })
})
