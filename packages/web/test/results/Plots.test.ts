import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { envPicture } from "../../src/results/EnvPicture.js"
import {
  escapeXml,
  formatNumber,
  successChart,
  timingChart,
  timingFieldOf,
  trajectoryPlot
} from "../../src/results/Plots.js"
import type { EpisodeTrace } from "../../src/results/ResultsFile.js"
import {
  faultsText,
  hierarchicalTrace,
  opened,
  planningRow,
  resultsText,
  runText,
  sweepText,
  wellFormed
} from "./Fixtures.js"

const count = (text: string, part: string): number => text.split(part).length - 1

/** The `data-row` of each bar, in drawing order. */
const barRows = (svg: string): ReadonlyArray<number> =>
  [...svg.matchAll(/<g class="results-bar" data-row="(\d+)"/g)].map((match) => Number(match[1]))

/** The widths of the bars' fills, in drawing order. */
const barWidths = (svg: string): ReadonlyArray<number> =>
  [...svg.matchAll(/class="results-bar-fill" x="[\d.]+" y="[\d.]+" width="([^"]+)"/g)].map((match) =>
    Number(match[1])
  )

const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'

describe("escapeXml", () => {
  it("escapes the five characters markup gives meaning to", () => {
    expect(escapeXml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
    )
  })
})

describe("successChart", () => {
  it("draws one bar per row of a real run, each labelled with its row", () => {
    const file = opened(runText)
    const svg = successChart(file.rows)
    expect(barRows(svg)).toEqual([0, 1])
    // Each bar under its group's heading (agent and levels), labelled with what is left.
    expect(svg).toMatch(
      />ground-truth · 1 level<\/text><g class="results-bar" data-row="0"[\s\S]*?>#1 two-rooms<\/text>/
    )
    expect(svg).toMatch(
      />random · 1 level<\/text><g class="results-bar" data-row="1"[\s\S]*?>#2 two-rooms<\/text>/
    )
    // Success 0.5 and 0: half the plot's width, and none.
    expect(barWidths(svg)).toEqual([160, 0])
    expect(svg).toContain(
      "<title>#1 two-rooms · ground-truth · 1 level, planner ground-truth: gradient: success 0.5 (1 of 2 episodes)</title>"
    )
    expect(wellFormed(svg)).toBe(true)
  })

  it("groups bars by agent and level count, each group under its heading", () => {
    const rows = opened(
      resultsText([
        planningRow({ agent: "flat", levels: 1, successRate: 0.2 }),
        planningRow({ agent: "hierarchical", levels: 2, successRate: 0.9 }),
        planningRow({ agent: "flat", levels: 1, successRate: 0.4, env: "maze-medium" }),
        planningRow({ agent: "hierarchical", levels: 3, successRate: 1 })
      ])
    ).rows
    const svg = successChart(rows)
    expect(barRows(svg)).toEqual([0, 2, 1, 3])
    const headings = [...svg.matchAll(/<text class="results-group"[^>]*>([^<]*)<\/text>/g)].map(
      (match) => match[1]
    )
    expect(headings).toEqual(["flat · 1 level", "hierarchical · 2 levels", "hierarchical · 3 levels"])
  })

  it("draws a sweep aggregate's interval over seeds as a whisker", () => {
    const svg = successChart(opened(sweepText).rows)
    expect(barRows(svg)).toEqual([0, 1, 2, 3, 4, 5])
    expect(count(svg, 'class="results-interval"')).toBe(2)
    expect(svg).toContain("mean of 2 seeds: success 1, 95% interval [1, 1]")
    expect(svg).toContain(">#5 point-mass · actor.horizon=20 · mean of 2 seeds</text>")
  })

  it("escapes every string from the file: labels, groups, tooltips", () => {
    const rows = opened(
      resultsText([planningRow({ env: hostile, agent: `<script>${hostile}`, planner: hostile })])
    ).rows
    const svg = successChart(rows)
    expect(svg).not.toContain("<script")
    expect(svg).not.toContain("<img")
    expect(svg).toContain("&lt;script&gt;")
    expect(wellFormed(svg)).toBe(true)
  })

  it("is empty for rows without a success rate", () => {
    expect(successChart(opened(faultsText).rows)).toBe("")
    expect(successChart([])).toBe("")
  })
})

describe("timingChart", () => {
  it("draws the planning milliseconds per step, on a log axis when they are far apart", () => {
    const rows = opened(runText).rows
    expect(timingFieldOf(rows)).toBe("planMsPerStep")
    const svg = timingChart(rows)
    // 1062 ms and 1.9 ms: a log axis from 1 to 10000.
    expect(svg).toContain("Planning milliseconds per step (log scale)")
    expect(barRows(svg)).toEqual([0, 1])
    expect(svg).toContain(`>${formatNumber(rows[0]?.planMsPerStep ?? 0)} ms</text>`)
    const [slow, fast] = barWidths(svg)
    expect(slow).toBeCloseTo((320 * Math.log10(rows[0]?.planMsPerStep ?? 0)) / 4, 1)
    expect(fast).toBeCloseTo((320 * Math.log10(rows[1]?.planMsPerStep ?? 0)) / 4, 1)
    expect(wellFormed(svg)).toBe(true)
  })

  it("uses a linear axis from 0 when the times are close", () => {
    const svg = timingChart(opened(sweepText).rows)
    expect(svg).not.toContain("log scale")
    expect(svg).toContain('text-anchor="middle" class="results-tick">0</text>')
  })

  it("plots another suite's timing field when the rows have no planning time", () => {
    const rows = opened(faultsText).rows
    expect(timingFieldOf(rows)).toBe("seconds")
    const svg = timingChart(rows, "seconds")
    expect(barRows(svg)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(svg).toContain(">#1 kill · collect</text>")
    expect(timingChart(rows)).toBe("")
  })

  it("leaves out rows whose time JSON wrote as null", () => {
    const rows = opened(resultsText([planningRow(), planningRow({ planMsPerStep: null })])).rows
    expect(barRows(timingChart(rows))).toEqual([0])
  })
})

describe("bar charts, for any rows", () => {
  it("keep a log axis finite for times at both ends of the doubles' range", () => {
    // Found by the property below: the top tick was 10^309, which is Infinity.
    const extremes = [9.999999999999673e-192, 1.0000000000000655e308].map((planMsPerStep) => ({
      env: "",
      agent: "",
      levels: 1,
      episodes: 0,
      successRate: 0,
      planMsPerStep
    }))
    expect(timingChart(opened(resultsText(extremes)).rows)).not.toMatch(/NaN|Infinity/)
  })

  const row = fc.record({
    env: fc.string(),
    agent: fc.string(),
    levels: fc.integer({ min: 1, max: 6 }),
    episodes: fc.integer({ min: 0, max: 1000 }),
    successRate: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(null)),
    planMsPerStep: fc.oneof(
      fc.double({ min: 0, max: 1e12, noNaN: true }),
      fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
      fc.constant(null)
    )
  })

  it("draw one bar per row that has the figure, well-formed, with no NaN or Infinity", () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (fields) => {
        const rows = opened(resultsText(fields)).rows
        const success = successChart(rows)
        const timing = timingChart(rows)
        const measured = (key: "successRate" | "planMsPerStep") =>
          fields.flatMap((item, index) => (item[key] === null ? [] : [index]))
        expect([...barRows(success)].sort((a, b) => a - b)).toEqual(measured("successRate"))
        expect([...barRows(timing)].sort((a, b) => a - b)).toEqual(measured("planMsPerStep"))
        for (const svg of [success, timing]) {
          expect(svg).not.toMatch(/NaN|Infinity/)
          expect(svg === "" || wellFormed(svg)).toBe(true)
          for (const width of barWidths(svg)) expect(width).toBeGreaterThanOrEqual(0)
        }
      })
    )
  })
})

describe("trajectoryPlot", () => {
  it("draws a real episode over its environment's map, with start, goal and path", () => {
    const row = opened(runText).rows[0]
    const trace = row?.traces?.[0] as EpisodeTrace
    const map = envPicture(row?.env, trace)
    expect(map).toBeDefined()
    const svg = trajectoryPlot(trace, { background: map, title: "#1 two-rooms, seed 0", row: 0 })
    expect(svg).toContain('viewBox="0 0 64 64"')
    // The map's walls, drawn by the environment itself.
    expect(svg).toContain('<g fill="#333">')
    expect(count(svg, "<polyline")).toBe(1)
    expect(count(svg, 'class="results-start"')).toBe(1)
    expect(count(svg, 'class="results-goal"')).toBe(1)
    expect(svg).toContain('data-row="0"')
    expect(svg).toContain(`${trace.positions.length} positions`)
    expect(svg).toContain(", success,")
    expect(wellFormed(svg)).toBe(true)
  })

  it("marks each subgoal in its level's shape, with the level and step in its tooltip", () => {
    const svg = trajectoryPlot(hierarchicalTrace, { title: "hierarchical" })
    expect(count(svg, '<circle class="results-subgoal"')).toBe(2)
    expect(count(svg, '<rect class="results-subgoal"')).toBe(1)
    expect(svg).toContain("<title>level 2 subgoal, step 0: (30, 30)</title>")
    expect(svg).toContain("<title>level 1 subgoal, step 8: (22, 22)</title>")
  })

  it("draws on a plain background in the trace's bounds when there is no map", () => {
    const svg = trajectoryPlot(hierarchicalTrace, { title: "seed 3" })
    expect(svg).toContain('class="results-map-plain"')
    // x from 10 to 40, y from 12 to 40, with a margin of 8% of the larger span.
    expect(svg).toContain('viewBox="7.6 9.6 34.8 32.8"')
    expect(trajectoryPlot(hierarchicalTrace, { background: "<p>not svg</p>", title: "x" })).toContain(
      "results-map-plain"
    )
  })

  it("escapes its title", () => {
    const svg = trajectoryPlot(hierarchicalTrace, { title: hostile })
    expect(svg).not.toContain("<script")
    expect(wellFormed(svg)).toBe(true)
  })

  it("draws any trace without NaN, well-formed", () => {
    const coordinate = fc.double({ min: -1e6, max: 1e6, noNaN: true })
    const point = fc.tuple(coordinate, coordinate)
    const trace = fc.record(
      {
        seed: fc.integer(),
        positions: fc.array(point, { maxLength: 40 }),
        goal: point,
        subgoals: fc.array(fc.record({ level: fc.integer({ min: 1, max: 9 }), step: fc.nat(), at: point }), {
          maxLength: 10
        }),
        success: fc.boolean()
      },
      { requiredKeys: ["seed", "positions", "subgoals"] }
    )
    fc.assert(
      fc.property(trace, fc.string(), (drawn, title) => {
        const svg = trajectoryPlot(drawn, { title })
        expect(svg).not.toMatch(/NaN|Infinity/)
        expect(wellFormed(svg)).toBe(true)
        expect(count(svg, "<polyline")).toBe(drawn.positions.length >= 2 ? 1 : 0)
      })
    )
  })
})
