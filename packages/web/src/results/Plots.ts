/**
 * The results viewer's plots, as SVG text: success per row grouped by agent and level count, the
 * planning time per row, and an episode's trajectory on its map. Pure functions of the checked
 * rows (no DOM), so that Node tests can read what the browser will draw. Every string that comes
 * from the file is escaped; every coordinate is a finite number.
 *
 * Bars carry `data-row="<index>"` (the row's place in the file) and a `<title>` (the browser's
 * tooltip), so that the view can tie a bar to its table row.
 *
 * @module
 */
import { type EpisodeTrace, type ResultsRow, rowGroup, rowLabel, type TracePoint } from "./ResultsFile.js"

/**
 * Escapes text for SVG and HTML, in element content and in quoted attributes alike.
 *
 * @example
 * ```ts
 * escapeXml('<script>alert("x")</script>') // "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
 * ```
 */
export const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (character) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] as string
  )

/** A coordinate as SVG text: two decimals, and never `NaN` (one would void the whole shape). */
const coordinate = (value: number): string => {
  const rounded = Math.round(value * 100) / 100
  return Number.isFinite(rounded) ? String(rounded) : Number.isFinite(value) ? String(value) : "0"
}

/**
 * A number as a reader wants it on an axis or in a tooltip: three significant digits, no trailing
 * zeros.
 *
 * @example
 * ```ts
 * formatNumber(79.18198) // "79.2"
 * formatNumber(0.0012) // "0.0012"
 * ```
 */
export const formatNumber = (value: number): string => {
  const shown = Number(value.toPrecision(3))
  // Rounding the largest doubles up overflows: those are written in full.
  return Number.isFinite(shown) ? String(shown) : String(value)
}

// Long labels are cut before escaping, so that an entity is never cut in half.
const shorten = (text: string, length: number): string =>
  text.length <= length ? text : `${text.slice(0, length - 1)}…`

/** One bar of a chart: a row and its value. */
interface Bar {
  readonly row: ResultsRow
  readonly value: number
  /** A 95% interval around the value, drawn as a whisker (a sweep's aggregate over seeds). */
  readonly interval?: readonly [number, number] | undefined
  readonly tooltip: string
}

/** Where values go along a chart's axis. */
interface Scale {
  /** A value's distance from the axis' start, in [0, 1]. */
  readonly at: (value: number) => number
  readonly ticks: ReadonlyArray<number>
  readonly log: boolean
}

const linearScale = (top: number): Scale => {
  const step = 10 ** Math.floor(Math.log10(top / 4))
  const rounded = Math.ceil(top / step / 4) * step * 4
  // Rounding up fails at the ends of the doubles (a subnormal top, one near the largest double).
  const niceTop = !(top > 0) ? 1 : step > 0 && Number.isFinite(rounded) ? rounded : top
  return {
    at: (value) => Math.min(1, Math.max(0, value / niceTop)),
    ticks: Array.from({ length: 5 }, (_, index) => (niceTop / 4) * index),
    log: false
  }
}

// Success rates: [0, 1] exactly, whatever the rows' largest.
const unitScale: Scale = {
  at: (value) => Math.min(1, Math.max(0, value)),
  ticks: [0, 0.25, 0.5, 0.75, 1],
  log: false
}

/**
 * Whether values spread so widely that a linear axis would hide the small ones: positive values a
 * factor of 30 or more apart.
 */
const wantsLog = (values: ReadonlyArray<number>): boolean => {
  const positive = values.filter((value) => value > 0)
  return positive.length >= 2 && Math.max(...positive) / Math.min(...positive) >= 30
}

const logScale = (values: ReadonlyArray<number>): Scale => {
  const positive = values.filter((value) => value > 0)
  // Decades past the doubles' range would put a tick at 10^309 = Infinity: the axis stops at 10^308.
  const low = Math.min(307, Math.floor(Math.log10(Math.min(...positive))))
  const high = Math.min(308, Math.max(low + 1, Math.ceil(Math.log10(Math.max(...positive)))))
  // At most about ten ticks, however many decades the values span.
  const every = Math.ceil((high - low) / 10)
  return {
    // Zero has no place on a log axis: its bar is empty, its value still written beside it.
    at: (value) => (value <= 0 ? 0 : Math.min(1, Math.max(0, (Math.log10(value) - low) / (high - low)))),
    ticks: Array.from(
      { length: Math.floor((high - low) / every) + 1 },
      (_, index) => 10 ** (low + index * every)
    ),
    log: true
  }
}

const layout = { label: 340, plot: 320, value: 80, bar: 20, group: 22, top: 44, bottom: 10 } as const
const labelLength = 52

/** A horizontal bar chart: a bar per row under its group's heading, an axis along the top. */
const barChart = (
  title: string,
  bars: ReadonlyArray<Bar>,
  scale: Scale,
  valueText: (value: number) => string,
  className: string
): string => {
  const groups = new Map<string, Array<Bar>>()
  for (const bar of bars) {
    const group = rowGroup(bar.row)
    groups.set(group, [...(groups.get(group) ?? []), bar])
  }
  const headed = [...groups.keys()].some((group) => group !== "")
  const width = layout.label + layout.plot + layout.value
  const x0 = layout.label + 8
  let y = layout.top
  const body: Array<string> = []
  for (const [group, members] of groups) {
    if (headed) {
      y += layout.group
      body.push(
        `<text class="results-group" x="4" y="${y - 6}" font-weight="bold">${escapeXml(shorten(group === "" ? "other rows" : group, 80))}</text>`
      )
    }
    for (const bar of members) {
      const length = scale.at(bar.value) * layout.plot
      // Under a heading, the label leaves out what the heading says: what tells rows apart stays in view.
      const label = rowLabel(bar.row, headed)
      const whisker =
        bar.interval === undefined
          ? ""
          : `<line class="results-interval" x1="${coordinate(x0 + scale.at(bar.interval[0]) * layout.plot)}" x2="${coordinate(x0 + scale.at(bar.interval[1]) * layout.plot)}" y1="${y + 10}" y2="${y + 10}" stroke="#222" stroke-width="1.5"/>`
      body.push(
        `<g class="results-bar" data-row="${bar.row.index}" tabindex="0">` +
          `<title>${escapeXml(bar.tooltip)}</title>` +
          `<rect class="results-bar-hit" x="0" y="${y}" width="${width}" height="${layout.bar}" fill="transparent"/>` +
          `<text x="${layout.label}" y="${y + 14}" text-anchor="end">${escapeXml(shorten(label, labelLength))}</text>` +
          `<rect class="results-bar-fill" x="${x0}" y="${y + 3}" width="${coordinate(length)}" height="${layout.bar - 6}"/>` +
          whisker +
          `<text x="${coordinate(x0 + Math.max(length, bar.interval === undefined ? 0 : scale.at(bar.interval[1]) * layout.plot) + 4)}" y="${y + 14}">${escapeXml(valueText(bar.value))}</text>` +
          `</g>`
      )
      y += layout.bar
    }
  }
  const height = y + layout.bottom
  const axis = scale.ticks
    .map((tick) => {
      const x = coordinate(x0 + scale.at(tick) * layout.plot)
      return (
        `<line x1="${x}" y1="${layout.top - 4}" x2="${x}" y2="${height - layout.bottom}" class="results-grid"/>` +
        `<text x="${x}" y="${layout.top - 8}" text-anchor="middle" class="results-tick">${escapeXml(formatNumber(tick))}</text>`
      )
    })
    .join("")
  const heading = `${title}${scale.log ? " (log scale)" : ""}`
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="results-chart ${className}" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(heading)}">` +
    `<title>${escapeXml(heading)}</title>` +
    `<text x="4" y="14" font-weight="bold" font-size="13">${escapeXml(heading)}</text>` +
    axis +
    `<line x1="${x0}" y1="${layout.top - 4}" x2="${x0}" y2="${height - layout.bottom}" class="results-axis"/>` +
    body.join("") +
    `</svg>`
  )
}

/**
 * The success rate of each row that has one, as a horizontal bar chart grouped by agent (or
 * planner) and level count under a heading each; each bar labelled with its row (number,
 * environment, a sweep's setting), its tooltip naming the row in full with the episodes behind it; a sweep aggregate's 95% interval over its seeds as a
 * whisker. `""` when no row has a success rate.
 *
 * @example
 * ```ts
 * container.innerHTML = successChart(file.rows)
 * ```
 */
export const successChart = (rows: ReadonlyArray<ResultsRow>): string => {
  const bars = rows.flatMap((row): ReadonlyArray<Bar> => {
    if (row.successRate === undefined) return []
    const episodes =
      row.episodes === undefined
        ? ""
        : ` (${Math.round(row.successRate * row.episodes)} of ${row.episodes} episodes)`
    const planner = row.planner !== undefined && row.planner !== row.agent ? `, planner ${row.planner}` : ""
    const interval =
      row.successInterval === undefined
        ? ""
        : `, 95% interval [${formatNumber(row.successInterval[0])}, ${formatNumber(row.successInterval[1])}]`
    return [
      {
        row,
        value: row.successRate,
        interval: row.successInterval,
        tooltip: `${rowLabel(row)}${planner}: success ${formatNumber(row.successRate)}${episodes}${interval}`
      }
    ]
  })
  if (bars.length === 0) return ""
  return barChart("Success rate per row", bars, unitScale, formatNumber, "results-success")
}

/** Row fields that measure time, in the order the viewer prefers them for its timing chart. */
export const timingFields: ReadonlyArray<string> = [
  "planMsPerStep",
  "msMedian",
  "msPerIteration",
  "seconds",
  "trainSeconds"
]

const timingValue = (row: ResultsRow, field: string): number | undefined => {
  const value = field === "planMsPerStep" ? row.planMsPerStep : row.fields[field]
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined
}

/**
 * The timing field the rows have: `planMsPerStep` for planning rows, else the first of
 * {@link timingFields} that some row has as a number; `undefined` when none.
 *
 * @example
 * ```ts
 * timingFieldOf(file.rows) // "planMsPerStep"
 * ```
 */
export const timingFieldOf = (rows: ReadonlyArray<ResultsRow>): string | undefined =>
  timingFields.find((field) =>
    rows.some((row) => Object.hasOwn(row.fields, field) && timingValue(row, field) !== undefined)
  )

/**
 * The time each row took, as a horizontal bar chart grouped like {@link successChart}: the
 * planning milliseconds per step by default, on a log axis when the rows' times are a factor of 30
 * or more apart. `""` when no row has the field as a number.
 *
 * @example
 * ```ts
 * container.innerHTML = timingChart(file.rows) // planMsPerStep
 * timingChart(file.rows, "seconds")
 * ```
 */
export const timingChart = (rows: ReadonlyArray<ResultsRow>, field = "planMsPerStep"): string => {
  const unit =
    field === "planMsPerStep" ? " ms" : /seconds$/i.test(field) ? " s" : /^ms/.test(field) ? " ms" : ""
  const bars = rows.flatMap((row): ReadonlyArray<Bar> => {
    if (!Object.hasOwn(row.fields, field)) return []
    const value = timingValue(row, field)
    return value === undefined
      ? []
      : [{ row, value, tooltip: `${rowLabel(row)}: ${field} ${formatNumber(value)}${unit}` }]
  })
  if (bars.length === 0) return ""
  const values = bars.map((bar) => bar.value)
  const scale = wantsLog(values) ? logScale(values) : linearScale(Math.max(...values))
  const title = field === "planMsPerStep" ? "Planning milliseconds per step" : `${field} per row`
  return barChart(title, bars, scale, (value) => `${formatNumber(value)}${unit}`, "results-timing")
}

/** Marker colours of the levels' subgoals: level 1, 2, 3, ... (as the bench's figures draw them). */
const levelColours = ["#9c36b5", "#e8590c", "#1971c2", "#2f9e44"]

/** A trusted SVG picture split into its view box and its inside, when positions are in its units. */
const pictureOf = (
  picture: string | undefined
): { readonly box: readonly [number, number, number, number]; readonly inside: string } | undefined => {
  if (picture === undefined) return undefined
  const match = /^\s*<svg\b[^>]*\bviewBox="0 0 ([\d.]+) ([\d.]+)"[^>]*>([\s\S]*)<\/svg>\s*$/.exec(picture)
  if (match === null) return undefined
  const width = Number(match[1])
  const height = Number(match[2])
  return width > 0 && height > 0 ? { box: [0, 0, width, height], inside: match[3] as string } : undefined
}

/** The box around `points`, with a margin; a unit box around a single point or none. */
const boundsOf = (points: ReadonlyArray<TracePoint>): readonly [number, number, number, number] => {
  if (points.length === 0) return [0, 0, 1, 1]
  const xs = points.map(([x]) => x)
  const ys = points.map(([, y]) => y)
  const left = Math.min(...xs)
  const top = Math.min(...ys)
  const width = Math.max(...xs) - left
  const height = Math.max(...ys) - top
  const span = Math.max(width, height)
  // Far-apart points can overflow the span: the picture is then of no use, but still valid SVG.
  const margin = Number.isFinite(span) && span > 0 ? span * 0.08 : 0.5
  return [
    left - margin,
    top - margin,
    Math.max(width, 1e-9) + 2 * margin,
    Math.max(height, 1e-9) + 2 * margin
  ]
}

/** What to draw a trajectory over, and what to call it. */
export interface TrajectoryOptions {
  /**
   * The environment's own SVG picture of the episode's start (see `envPicture`), whose view box is
   * `0 0 width height` in the units of the positions. Trusted markup: never pass text from a file.
   * Absent, or of another form: the path is drawn in its own bounds on a plain background.
   */
  readonly background?: string | undefined
  /** The figure's title (its tooltip), e.g. the row's label and the seed. Escaped here. */
  readonly title: string
  /** The row it belongs to, written as `data-row` so that the view can tie it to the table. */
  readonly row?: number
  /** Width on screen, in pixels (default 320). */
  readonly width?: number
}

/**
 * An episode's trajectory as SVG: its path, start, end and goal, and each subgoal the levels above
 * 0 handed down (level 1 as discs, higher levels as squares, one colour per level, with a tooltip
 * giving the level and step), over the environment's map when `background` is one. Positions are
 * drawn as the environment's picture draws them: y grows downwards.
 *
 * @example
 * ```ts
 * trajectoryPlot(trace, { background: envPicture("two-rooms", trace), title: "#2 two-rooms · flat, seed 0" })
 * ```
 */
export const trajectoryPlot = (trace: EpisodeTrace, options: TrajectoryOptions): string => {
  const picture = pictureOf(options.background)
  const points = [
    ...trace.positions,
    ...(trace.goal === undefined ? [] : [trace.goal]),
    ...trace.subgoals.map((subgoal) => subgoal.at)
  ]
  const [left, top, boxWidth, boxHeight] = picture?.box ?? boundsOf(points)
  const unit = Math.max(boxWidth, boxHeight) / 64
  const size = (factor: number) => coordinate(factor * unit)
  const width = options.width ?? 320
  const height = Math.max(40, Math.min(4 * width, (width * boxHeight) / boxWidth))
  const path = trace.positions.map(([x, y]) => `${coordinate(x)},${coordinate(y)}`).join(" ")
  const first = trace.positions[0]
  const last = trace.positions[trace.positions.length - 1]
  const at = ([x, y]: TracePoint) => `(${formatNumber(x)}, ${formatNumber(y)})`
  const marks = trace.subgoals.map(({ level, step, at: [x, y] }) => {
    const colour = levelColours[(level - 1) % levelColours.length] as string
    const side = (1.2 + 0.4 * Math.min(level, 8)) * unit
    const tip = `<title>level ${level} subgoal, step ${step}: ${at([x, y])}</title>`
    return level === 1
      ? `<circle class="results-subgoal" cx="${coordinate(x)}" cy="${coordinate(y)}" r="${coordinate(side / 2)}" fill="${colour}" opacity="0.55">${tip}</circle>`
      : `<rect class="results-subgoal" x="${coordinate(x - side / 2)}" y="${coordinate(y - side / 2)}" width="${coordinate(side)}" height="${coordinate(side)}" fill="none" stroke="${colour}" stroke-width="${size(0.4)}">${tip}</rect>`
  })
  const goal =
    trace.goal === undefined
      ? ""
      : (() => {
          const [x, y] = trace.goal
          const r = 1.4 * unit
          return (
            `<g class="results-goal" stroke="#c92a2a" stroke-width="${size(0.5)}"><title>goal ${at(trace.goal)}</title>` +
            `<line x1="${coordinate(x - r)}" y1="${coordinate(y - r)}" x2="${coordinate(x + r)}" y2="${coordinate(y + r)}"/>` +
            `<line x1="${coordinate(x - r)}" y1="${coordinate(y + r)}" x2="${coordinate(x + r)}" y2="${coordinate(y - r)}"/></g>`
          )
        })()
  const outcome = trace.success === undefined ? "" : trace.success ? ", success" : ", failure"
  const title = `${options.title}${outcome}, ${trace.positions.length} positions, ${trace.subgoals.length} subgoals`
  const background =
    picture?.inside ??
    `<rect class="results-map-plain" x="${coordinate(left)}" y="${coordinate(top)}" width="${coordinate(boxWidth)}" height="${coordinate(boxHeight)}" fill="#fafafa" stroke="#ccc" stroke-width="${size(0.2)}"/>`
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="results-trajectory" width="${coordinate(width)}" height="${coordinate(height)}" ` +
    `viewBox="${coordinate(left)} ${coordinate(top)} ${coordinate(boxWidth)} ${coordinate(boxHeight)}" role="img" aria-label="${escapeXml(title)}"` +
    `${options.row === undefined ? "" : ` data-row="${Math.trunc(options.row)}"`}>` +
    `<title>${escapeXml(title)}</title>` +
    background +
    `<g class="results-path">` +
    (trace.positions.length < 2
      ? ""
      : `<polyline points="${path}" fill="none" stroke="#1f5fbf" stroke-width="${size(0.5)}" stroke-linejoin="round" opacity="0.85"/>`) +
    marks.join("") +
    goal +
    (first === undefined
      ? ""
      : `<circle class="results-start" cx="${coordinate(first[0])}" cy="${coordinate(first[1])}" r="${size(1)}" fill="#2f9e44"><title>start ${at(first)}</title></circle>`) +
    (last === undefined || trace.positions.length < 2
      ? ""
      : `<circle class="results-end" cx="${coordinate(last[0])}" cy="${coordinate(last[1])}" r="${size(0.7)}" fill="#1f5fbf"><title>end ${at(last)}, step ${trace.positions.length - 1}</title></circle>`) +
    `</g></svg>`
  )
}
