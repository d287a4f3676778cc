/**
 * Pictures of a walled arena for reports: the walls, the paths an agent took or a planner
 * proposed, where an episode started, its goal and the subgoals a high-level planner handed
 * down. Everything is drawn in the layout's own pixel units (x right, y down) and the SVG's
 * `viewBox` maps them to the output size, so markers and lines scale with the arena.
 *
 * @module
 */
import { describeValue, InvalidValueError } from "@telos/core"
import type { WallLayout } from "../physics/WallLayout.js"
import { escapeXml, svgDocument } from "./Svg.js"

/**
 * A point `[x, y]` in the layout's pixel units.
 *
 * @example
 * ```ts
 * const centre: LayoutPoint = [32, 32]
 * ```
 */
export type LayoutPoint = readonly [number, number]

/**
 * A path to draw over the arena: a polyline with a hollow marker at its first point and a
 * filled one at its last, and an optional label next to its end.
 *
 * @example
 * ```ts
 * const executed: LayoutTrajectory = { points: [[8, 8], [20, 30], [50, 50]], color: "#1b6ac9", label: "executed" }
 * ```
 */
export interface LayoutTrajectory {
  /** The path's points, in layout pixels. */
  readonly points: ReadonlyArray<LayoutPoint>
  /** Any SVG colour; by default the trajectory's index picks one from a fixed list. */
  readonly color?: string
  /** Text drawn next to the path's end. */
  readonly label?: string
}

/**
 * What {@link layoutSvg} draws besides the walls, and how large.
 *
 * @example
 * ```ts
 * const options: LayoutSvgOptions = { scale: 4, start: [8, 8], goal: [56, 56], title: "two-rooms, seed 3" }
 * ```
 */
export interface LayoutSvgOptions {
  /** Output pixels per layout pixel (default 4: a 64 x 64 arena becomes 256 x 256). */
  readonly scale?: number
  /** Paths drawn over the arena. */
  readonly trajectories?: ReadonlyArray<LayoutTrajectory>
  /** Drawn as a green circle. */
  readonly start?: LayoutPoint
  /** Drawn as a gold star. */
  readonly goal?: LayoutPoint
  /** Each drawn as a small purple diamond. */
  readonly subgoals?: ReadonlyArray<LayoutPoint>
  /** Shown in a band above the arena. */
  readonly title?: string
}

/** Trajectory colours by index, distinct from the start, goal and subgoal markers. */
const trajectoryColors: ReadonlyArray<string> = [
  "#1b6ac9",
  "#d9480f",
  "#0b7285",
  "#c2255c",
  "#5c940d",
  "#495057",
  "#e67700",
  "#364fc7"
]

/**
 * A coordinate with at most two decimals and no `-0`: enough for sub-pixel paths, and it keeps
 * the output short and identical across runs and platforms.
 */
const formatNumber = (value: number): string => {
  const rounded = Math.round(value * 100) / 100
  return String(rounded === 0 ? 0 : rounded)
}

const requireFinite = (value: number, field: string): number => {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidValueError({ field, expected: "a finite number", received: describeValue(value) })
  }
  return value
}

const requirePositive = (value: number, field: string): number => {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidValueError({
      field,
      expected: "a positive finite number",
      received: describeValue(value)
    })
  }
  return value
}

const requireNonNegative = (value: number, field: string): number => {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InvalidValueError({ field, expected: "a finite number >= 0", received: describeValue(value) })
  }
  return value
}

const requirePoint = (point: LayoutPoint, field: string): LayoutPoint => {
  if (!Array.isArray(point) || point.length !== 2) {
    throw new InvalidValueError({ field, expected: "a point [x, y]", received: describeValue(point) })
  }
  requireFinite(point[0], `${field}[0]`)
  requireFinite(point[1], `${field}[1]`)
  return point
}

/**
 * Escapes user text and replaces the characters XML 1.0 forbids outright (control characters
 * other than tab and line breaks, lone surrogates, U+FFFE and U+FFFF) with U+FFFD: escaping
 * alone cannot make them legal, and one of them would make the whole document unreadable.
 */
const xmlText = (text: string): string =>
  escapeXml(text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD"))

/** Attributes from name-value pairs, values formatted (numbers) or escaped (text). */
const attributes = (pairs: Readonly<Record<string, number | string>>): string =>
  Object.entries(pairs)
    .map(([name, value]) => `${name}="${typeof value === "number" ? formatNumber(value) : xmlText(value)}"`)
    .join(" ")

const pointList = (points: ReadonlyArray<LayoutPoint>): string =>
  points.map(([x, y]) => `${formatNumber(x)},${formatNumber(y)}`).join(" ")

/** The ten corners of a five-pointed star centred on `centre`, its first point straight up. */
const starPoints = (centre: LayoutPoint, outer: number, inner: number): Array<LayoutPoint> =>
  Array.from({ length: 10 }, (_, corner) => {
    const angle = -Math.PI / 2 + (corner * Math.PI) / 5
    const radius = corner % 2 === 0 ? outer : inner
    return [centre[0] + radius * Math.cos(angle), centre[1] + radius * Math.sin(angle)] as const
  })

const diamondPoints = ([x, y]: LayoutPoint, half: number): Array<LayoutPoint> => [
  [x, y - half],
  [x + half, y],
  [x, y + half],
  [x - half, y]
]

/** An element with the given attributes and no content. */
const element = (name: string, pairs: Readonly<Record<string, number | string>>): string =>
  `<${name} ${attributes(pairs)}/>`

/** An element holding user text. */
const textElement = (pairs: Readonly<Record<string, number | string>>, text: string): string =>
  `<text ${attributes(pairs)}>${xmlText(text)}</text>`

const wallsMarkup = (layout: WallLayout): string => {
  const rectangles = layout.walls.map((wall, index) => {
    const field = `layout.walls[${index}]`
    return element("rect", {
      x: requireFinite(wall.x, `${field}.x`),
      y: requireFinite(wall.y, `${field}.y`),
      width: requireNonNegative(wall.width, `${field}.width`),
      height: requireNonNegative(wall.height, `${field}.height`)
    })
  })
  return `<g class="walls" fill="#343a40">${rectangles.join("")}</g>`
}

const trajectoryMarkup = (
  trajectory: LayoutTrajectory,
  index: number,
  arenaWidth: number,
  unit: number
): string => {
  const field = `options.trajectories[${index}]`
  const points = trajectory.points.map((point, pointIndex) =>
    requirePoint(point, `${field}.points[${pointIndex}]`)
  )
  const color = trajectory.color ?? (trajectoryColors[index % trajectoryColors.length] as string)
  const drawing = [
    element("polyline", {
      points: pointList(points),
      fill: "none",
      stroke: color,
      "stroke-width": 0.6 * unit,
      "stroke-linejoin": "round",
      "stroke-linecap": "round"
    })
  ]
  const first = points[0]
  const last = points.at(-1)
  if (first !== undefined && last !== undefined) {
    const marker = { r: 1.1 * unit, stroke: color, "stroke-width": 0.4 * unit }
    drawing.push(
      element("circle", { class: "first", cx: first[0], cy: first[1], ...marker, fill: "#ffffff" })
    )
    drawing.push(element("circle", { class: "last", cx: last[0], cy: last[1], ...marker, fill: color }))
    if (trajectory.label !== undefined) {
      // In the right half the label goes to the left of the end, so it stays inside the arena.
      const leftward = last[0] > arenaWidth / 2
      const label = {
        x: last[0] + (leftward ? -1.6 : 1.6) * unit,
        y: last[1] - 1.6 * unit,
        "text-anchor": leftward ? "end" : "start",
        fill: color,
        "font-size": 3 * unit,
        "font-family": "sans-serif"
      }
      drawing.push(textElement(label, trajectory.label))
    }
  }
  // The label also becomes the group's tooltip, readable where the text itself is cut off.
  const tooltip = trajectory.label === undefined ? "" : `<title>${xmlText(trajectory.label)}</title>`
  return `<g class="trajectory">${tooltip}${drawing.join("")}</g>`
}

const subgoalMarkup = (subgoal: LayoutPoint, index: number, unit: number): string =>
  element("polygon", {
    class: "subgoal",
    points: pointList(diamondPoints(requirePoint(subgoal, `options.subgoals[${index}]`), 1.6 * unit)),
    fill: "#9c36b5",
    stroke: "#ffffff",
    "stroke-width": 0.3 * unit
  })

const startMarkup = (start: LayoutPoint, unit: number): string => {
  const [x, y] = requirePoint(start, "options.start")
  return element("circle", {
    class: "start",
    cx: x,
    cy: y,
    r: 2 * unit,
    fill: "#2f9e44",
    stroke: "#ffffff",
    "stroke-width": 0.4 * unit
  })
}

const goalMarkup = (goal: LayoutPoint, unit: number): string =>
  element("polygon", {
    class: "goal",
    points: pointList(starPoints(requirePoint(goal, "options.goal"), 2.8 * unit, 1.2 * unit)),
    fill: "#fab005",
    stroke: "#7a5a00",
    "stroke-width": 0.3 * unit
  })

/**
 * Draws a walled arena as a standalone SVG document: a white floor, one filled `<rect>` per wall
 * (in a `<g class="walls">`), one `<polyline>` per trajectory with markers at both ends, the
 * start as a circle, the goal as a star, subgoals as diamonds, and the title in a band above.
 * The same input always gives the same string; coordinates keep at most two decimals, and all
 * user text (title, labels, colours) is escaped.
 *
 * Throws `InvalidValueError` naming the field at fault when a size is not positive or a
 * coordinate is not finite.
 *
 * @example
 * ```ts
 * const svg = layoutSvg(
 *   { width: 64, height: 64, walls: [{ x: 30, y: 0, width: 4, height: 26 }, { x: 30, y: 38, width: 4, height: 26 }] },
 *   { start: [10, 10], goal: [54, 54], trajectories: [{ points: [[10, 10], [32, 32], [54, 54]], label: "plan" }] }
 * )
 * await Effect.runPromise(writeFileAtomic("runs/demo/episode.svg", svg))
 * ```
 */
export const layoutSvg = (layout: WallLayout, options: LayoutSvgOptions = {}): string => {
  const width = requirePositive(layout.width, "layout.width")
  const height = requirePositive(layout.height, "layout.height")
  const scale = requirePositive(options.scale ?? 4, "options.scale")
  // Marker sizes follow the arena's size, so a 64-pixel and a 640-pixel arena look alike.
  const unit = Math.max(width, height) / 64
  const title = options.title
  const titleBand = title === undefined ? 0 : 7 * unit

  const parts = [
    title === undefined ? "" : `<title>${xmlText(title)}</title>`,
    element("rect", {
      class: "arena",
      x: 0,
      y: 0,
      width,
      height,
      fill: "#ffffff",
      stroke: "#adb5bd",
      "stroke-width": 0.3 * unit
    }),
    wallsMarkup(layout),
    ...(options.trajectories ?? []).map((trajectory, index) =>
      trajectoryMarkup(trajectory, index, width, unit)
    ),
    ...(options.subgoals ?? []).map((subgoal, index) => subgoalMarkup(subgoal, index, unit)),
    options.start === undefined ? "" : startMarkup(options.start, unit),
    options.goal === undefined ? "" : goalMarkup(options.goal, unit),
    title === undefined
      ? ""
      : textElement(
          {
            class: "title",
            x: width / 2,
            y: -titleBand / 2,
            "text-anchor": "middle",
            "dominant-baseline": "middle",
            "font-size": 4 * unit,
            "font-family": "sans-serif",
            fill: "#212529"
          },
          title
        )
  ]

  const viewBox = [0, -titleBand, width, height + titleBand].map(formatNumber).join(" ")
  return svgDocument(
    {
      width: Number(formatNumber(width * scale)),
      height: Number(formatNumber((height + titleBand) * scale)),
      viewBox
    },
    parts.join("")
  )
}
