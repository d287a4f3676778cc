/**
 * Human-readable reports of a suite run: `report.md` for terminals and pull requests, and a
 * self-contained `report.html` (no scripts, no external assets) with a chart of each row's
 * planned cost over the episode.
 *
 * @module
 */
import type { SuiteResults } from "./Results.js"
import type { PlanningRow, StageTiming, SuiteRow, SummaryColumn } from "./Suite.js"

// Planning suites' rows all carry the planning fields; the cast states that contract once.
const planningColumn = (title: string, cell: (row: PlanningRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as PlanningRow)
})

/** The summary columns of planning suites, shared by the terminal, Markdown and HTML. */
export const summaryColumns: ReadonlyArray<SummaryColumn> = [
  planningColumn("env", (row) => row.env),
  planningColumn("planner", (row) => row.planner),
  planningColumn("levels", (row) => String(row.levels)),
  planningColumn("episodes", (row) => String(row.episodes)),
  planningColumn("success", (row) => row.successRate.toFixed(2)),
  planningColumn("mean return", (row) => row.meanReturn.toFixed(1)),
  planningColumn("mean steps", (row) => row.meanSteps.toFixed(1)),
  planningColumn("plan ms/step", (row) => row.planMsPerStep.toFixed(1))
]

/** The summary as aligned plain-text lines, for the terminal. */
export const summaryText = (
  rows: ReadonlyArray<SuiteRow>,
  columns: ReadonlyArray<SummaryColumn> = summaryColumns
): string => {
  const table = [
    columns.map((column) => column.title),
    ...rows.map((row) => columns.map((column) => column.cell(row)))
  ]
  const widths = columns.map((_, index) => Math.max(...table.map((line) => (line[index] as string).length)))
  return table
    .map((line) =>
      line
        .map((cell, index) => cell.padEnd(widths[index] as number))
        .join("  ")
        .trimEnd()
    )
    .join("\n")
}

const formatValue = (value: unknown): string =>
  typeof value === "string"
    ? value
    : JSON.stringify(value, (_key, item) => (typeof item === "number" ? Number(item.toPrecision(6)) : item))

/** A picture a row refers to: a file in the run directory (e.g. an SVG) and what it shows. */
export interface RowFigure {
  /** Relative to the run directory (where the reports are). */
  readonly path: string
  /** The figure's caption (its alt text in the Markdown report). */
  readonly caption: string
}

/**
 * The figures of a row (its `figures` field), or none; entries that are not `{ path, caption }`
 * strings are skipped.
 *
 * @example
 * ```ts
 * rowFigures({ figures: [{ path: "figures/medium.svg", caption: "maze-medium, seed 0" }] }).length // 1
 * ```
 */
export const rowFigures = (row: SuiteRow): ReadonlyArray<RowFigure> => figuresIn(row.figures)

/**
 * The imagined frames of a row (its `imaginedFrames` field: per drawn episode, a PNG of the real
 * frames above the frames its plans imagined), or none; entries that are not `{ path, caption }`
 * strings are skipped.
 *
 * @example
 * ```ts
 * rowImaginedFrames({ imaginedFrames: [{ path: "figures/flat-seed0-imagined.png", caption: "seed 0" }] }).length // 1
 * ```
 */
export const rowImaginedFrames = (row: SuiteRow): ReadonlyArray<RowFigure> => figuresIn(row.imaginedFrames)

const figuresIn = (value: unknown): ReadonlyArray<RowFigure> =>
  Array.isArray(value)
    ? (value as ReadonlyArray<unknown>).filter(
        (figure): figure is RowFigure =>
          typeof figure === "object" &&
          figure !== null &&
          typeof (figure as RowFigure).path === "string" &&
          typeof (figure as RowFigure).caption === "string"
      )
    : []

/**
 * The stage table of a run, one Markdown line per stage: time (or "cached"), key and figures.
 *
 * @example
 * ```ts
 * stageLines([{ stage: "collect", key: "ab12", cached: true, seconds: 0, figures: { transitions: 20000 } }])
 * ```
 */
export const stageLines = (stages: ReadonlyArray<StageTiming>): ReadonlyArray<string> =>
  stages.length === 0
    ? []
    : [
        "| stage | time | key | figures |",
        "| --- | --- | --- | --- |",
        ...stages.map(
          (stage) =>
            `| ${stage.stage} | ${stage.cached ? "cached" : `${stage.seconds.toFixed(1)} s`} | ${stage.key} | ${Object.entries(
              stage.figures
            )
              .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toPrecision(3)}`)
              .join(", ")} |`
        )
      ]

/** `, resumed at ...` for a run that was stopped and started again. */
const resumedText = (results: SuiteResults): string =>
  results.resumedAt === undefined || results.resumedAt.length === 0
    ? ""
    : `, resumed at ${results.resumedAt.join(", ")}`

/** Renders `report.md`: the results table, the targets, figures, stages and protocol. */
export const renderMarkdown = (
  results: SuiteResults,
  columns: ReadonlyArray<SummaryColumn> = summaryColumns
): string => {
  const header = `| ${columns.map((column) => column.title).join(" | ")} |`
  const rule = `| ${columns.map(() => "---").join(" | ")} |`
  // A "|" inside a cell would split it into two columns.
  const cell = (text: string): string => text.replace(/\|/g, "\\|")
  const lines = results.rows.map(
    (row) => `| ${columns.map((column) => cell(column.cell(row))).join(" | ")} |`
  )
  const checks = results.checks.map((check) => `- ${check.passed ? "PASS" : "FAIL"}: ${check.description}`)
  const protocol = Object.entries(results.protocol).map(
    ([key, value]) => `- **${key}**: ${formatValue(value)}`
  )
  const figures = results.rows.flatMap((row) =>
    [...rowFigures(row), ...rowImaginedFrames(row)].map((figure) => `![${figure.caption}](${figure.path})`)
  )
  const stages = stageLines(results.stages ?? [])
  return [
    `# telos bench: ${results.suite}`,
    "",
    `Backend \`${results.backend}\`, seed ${results.seed}, started ${results.startedAt}${resumedText(results)}, ${results.durationSeconds.toFixed(1)} s, status ${results.status}.`,
    ...(results.error === undefined ? [] : ["", `**Stopped early:** ${results.error}`]),
    "",
    "## Results",
    "",
    header,
    rule,
    ...lines,
    ...(checks.length === 0 ? [] : ["", "## Targets", "", ...checks]),
    ...(figures.length === 0 ? [] : ["", "## Figures", "", ...figures]),
    ...(stages.length === 0 ? [] : ["", "## Stages", "", ...stages]),
    "",
    "## Protocol",
    "",
    ...protocol,
    ""
  ].join("\n")
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)

/** A small line chart of the mean planned cost per step, or nothing when the row has none. */
export const plannedCostChart = (row: SuiteRow): string => {
  const costs = Array.isArray(row.meanPlannedCost) ? (row.meanPlannedCost as ReadonlyArray<number>) : []
  const finite = costs.filter((value) => Number.isFinite(value))
  if (finite.length < 2) return ""
  const width = 360
  const height = 120
  const top = Math.max(...finite)
  const bottom = Math.min(0, ...finite)
  const span = top - bottom || 1
  // Non-finite costs (a diverged plan) are left out: one "NaN" in `points` voids the whole line.
  const points = costs
    .flatMap((value, index) => {
      if (!Number.isFinite(value)) return []
      const x = (index / (costs.length - 1)) * (width - 20) + 10
      const y = height - 10 - ((value - bottom) / span) * (height - 20)
      return [`${x.toFixed(1)},${y.toFixed(1)}`]
    })
    .join(" ")
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" ` +
    `aria-label="mean planned cost per step, ${escapeHtml(String(row.env))}">` +
    `<rect width="${width}" height="${height}" fill="#fcfcfc" stroke="#ccc"/>` +
    `<polyline fill="none" stroke="#2b6cb0" stroke-width="1.5" points="${points}"/>` +
    `<text x="12" y="16" font-size="11" fill="#555">planned cost, max ${top.toPrecision(3)}</text>` +
    `<text x="12" y="${height - 2}" font-size="11" fill="#555">step 1 ... ${costs.length}</text>` +
    `</svg>`
  )
}

/**
 * What names a row in the report: its number and its columns that are words, not figures (the
 * environment, the planner, the setting...), e.g. `row 3: two-rooms · jepa · pldm-mppi`.
 *
 * @example
 * ```ts
 * rowLabel(row, 2, summaryColumns) // "row 3: point-mass · gradient"
 * ```
 */
export const rowLabel = (row: SuiteRow, index: number, columns: ReadonlyArray<SummaryColumn>): string => {
  const words = columns
    .map((column) => column.cell(row).trim())
    .filter((cell) => cell !== "" && cell !== "-" && !/^[-+±0-9.,%\s/x×e]+$/i.test(cell))
  return `row ${index + 1}${words.length === 0 ? "" : `: ${words.join(" · ")}`}`
}

/** `report.html`: the same content as the Markdown report, plus charts, each named after its row. */
export const renderHtml = (
  results: SuiteResults,
  columns: ReadonlyArray<SummaryColumn> = summaryColumns
): string => {
  const head = `<th>#</th>${columns.map((column) => `<th>${escapeHtml(column.title)}</th>`).join("")}`
  const body = results.rows
    .map(
      (row, index) =>
        `<tr id="row-${index + 1}"><td>${index + 1}</td>${columns.map((column) => `<td>${escapeHtml(column.cell(row))}</td>`).join("")}</tr>`
    )
    .join("\n")
  const labelOf = (row: SuiteRow, index: number) =>
    `<a href="#row-${index + 1}">${escapeHtml(rowLabel(row, index, columns))}</a>`
  const checks = results.checks
    .map(
      (check) =>
        `<li class="${check.passed ? "pass" : "fail"}">${check.passed ? "PASS" : "FAIL"}: ${escapeHtml(check.description)}</li>`
    )
    .join("\n")
  const charts = results.rows
    .map((row, index) => {
      const chart = plannedCostChart(row)
      return chart === ""
        ? ""
        : `<figure>${chart}<figcaption>${labelOf(row, index)}<br>mean planned cost per step</figcaption></figure>`
    })
    .join("\n")
  const figureHtml = (figure: RowFigure) =>
    `<figure><img src="${escapeHtml(figure.path)}" alt="${escapeHtml(figure.caption)}"><figcaption>${escapeHtml(figure.caption)}</figcaption></figure>`
  // A row's drawn episodes together, under the row's name; under them what its plans imagined.
  const figures = results.rows
    .map((row, index) => {
      const drawn = rowFigures(row)
      const imagined = rowImaginedFrames(row)
      if (drawn.length === 0 && imagined.length === 0) return ""
      const images = drawn.map(figureHtml).join("\n")
      const strips =
        imagined.length === 0
          ? ""
          : `\n<div class="imagined"><h4>real | imagined</h4>\n${imagined.map(figureHtml).join("\n")}</div>`
      return `<section><h3>${labelOf(row, index)}</h3>\n${images}${strips}</section>`
    })
    .filter((section) => section !== "")
    .join("\n")
  const protocol = Object.entries(results.protocol)
    .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(formatValue(value))}</dd>`)
    .join("\n")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>telos bench: ${escapeHtml(results.suite)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
.wide { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; white-space: nowrap; }
th:nth-child(2), td:nth-child(2), th:nth-child(3), td:nth-child(3) { text-align: left; }
tr:target { background: #fff7d6; } figcaption { font-size: 0.85rem; max-width: 360px; }
.pass { color: #276749; } .fail { color: #c53030; }
figure { display: inline-block; margin: 0.5rem; } .imagined figure { display: block; } .imagined figcaption { max-width: 48rem; } dt { font-weight: bold; } dd { margin: 0 0 0.5rem 1rem; }
</style>
</head>
<body>
<h1>telos bench: ${escapeHtml(results.suite)}</h1>
<p>Backend <code>${escapeHtml(results.backend)}</code>, seed ${results.seed}, started ${escapeHtml(results.startedAt)}${escapeHtml(resumedText(results))}, ${results.durationSeconds.toFixed(1)} s, status ${escapeHtml(results.status)}.</p>
${results.error === undefined ? "" : `<p class="fail">Stopped early: ${escapeHtml(results.error)}</p>`}
<h2>Results</h2>
<div class="wide"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>
${checks === "" ? "" : `<h2>Targets</h2><ul>${checks}</ul>`}
${charts === "" ? "" : `<h2>Planned cost</h2>${charts}`}
${figures === "" ? "" : `<h2>Figures</h2>${figures}`}
<h2>Protocol</h2>
<dl>${protocol}</dl>
</body>
</html>
`
}
