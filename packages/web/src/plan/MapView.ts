/**
 * The map: the environment's own SVG picture, and over it the path taken, the best plan's predicted
 * path, each level's subgoal and the goal, in the picture's coordinates (its `viewBox`). A click
 * is turned back into those coordinates, for setting a goal.
 *
 * @module
 */
import type { MapPoint, StepView } from "./PlanRun.js"

/** The colour of each level's subgoal, level 1 first. */
export const levelColours: ReadonlyArray<string> = ["#e67e22", "#8e44ad", "#16a085", "#c0392b"]

interface ViewBox {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

const viewBoxOf = (svg: SVGSVGElement): ViewBox => {
  const box = svg.viewBox.baseVal
  return box === null || box.width === 0
    ? { x: 0, y: 0, width: svg.width.baseVal.value, height: svg.height.baseVal.value }
    : { x: box.x, y: box.y, width: box.width, height: box.height }
}

const svgNamespace = "http://www.w3.org/2000/svg"

const element = <K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Readonly<Record<string, string | number>>
): SVGElementTagNameMap[K] => {
  const made = document.createElementNS(svgNamespace, name)
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value))
  return made
}

/** The map of one episode, redrawn at every step. */
export interface MapView {
  /** Draws `view` and appends its position to the path. */
  draw(view: StepView): void
  /** Forgets the path (a new episode). */
  clear(): void
  /** Told the map point the user clicked. */
  onClick(listener: (point: MapPoint) => void): void
}

/**
 * A map inside `container`. Positions are drawn in the picture's own coordinates; a picture that
 * flips its y axis (a `scale(1, -1)` group, as point-mass's does) gets the overlay flipped too.
 *
 * @example
 * ```ts
 * const map = createMapView(document.querySelector("#map")!)
 * map.draw(episode.start)
 * ```
 */
export const createMapView = (container: HTMLElement): MapView => {
  const path: Array<MapPoint> = []
  let flipped = false
  let box: ViewBox = { x: 0, y: 0, width: 1, height: 1 }
  const listeners: Array<(point: MapPoint) => void> = []
  container.addEventListener("click", (event) => {
    const svg = container.querySelector("svg")
    if (svg === null) return
    const rect = svg.getBoundingClientRect()
    const x = box.x + ((event.clientX - rect.left) / rect.width) * box.width
    const yScreen = box.y + ((event.clientY - rect.top) / rect.height) * box.height
    const y = flipped ? -yScreen : yScreen
    for (const listener of listeners) listener([x, y])
  })
  const toScreen = ([x, y]: MapPoint): MapPoint => [x, flipped ? -y : y]
  return {
    clear: () => {
      path.length = 0
    },
    onClick: (listener) => {
      listeners.push(listener)
    },
    draw: (view) => {
      if (view.position !== undefined) path.push(view.position)
      container.innerHTML = view.picture
      const svg = container.querySelector("svg")
      if (svg === null) return
      svg.removeAttribute("width")
      svg.removeAttribute("height")
      svg.setAttribute("class", "map-picture")
      box = viewBoxOf(svg)
      flipped = /scale\(\s*1\s*,\s*-1\s*\)/.test(view.picture)
      const unit = Math.max(box.width, box.height) / 100
      const overlay = element("g", {
        class: "map-overlay",
        "stroke-linecap": "round",
        "stroke-linejoin": "round"
      })
      const line = (points: ReadonlyArray<MapPoint>, attributes: Readonly<Record<string, string | number>>) =>
        overlay.appendChild(
          element("polyline", {
            points: points.map((point) => toScreen(point).join(",")).join(" "),
            fill: "none",
            ...attributes
          })
        )
      if (path.length > 1) line(path, { stroke: "#1f6feb", "stroke-width": unit * 0.8, class: "path-taken" })
      if (view.predicted.length > 1) {
        line(view.predicted, {
          stroke: "#d63384",
          "stroke-width": unit * 0.6,
          "stroke-dasharray": `${unit * 1.5} ${unit}`,
          class: "path-predicted"
        })
      }
      view.subgoals.forEach((subgoal, level) => {
        if (subgoal === undefined) return
        const [cx, cy] = toScreen(subgoal)
        overlay.appendChild(
          element("circle", {
            cx,
            cy,
            r: unit * (2.2 + level * 0.8),
            fill: "none",
            stroke: levelColours[level % levelColours.length] as string,
            "stroke-width": unit * 0.6,
            class: `subgoal level-${level + 1}`
          })
        )
      })
      if (view.goal !== undefined) {
        const [gx, gy] = toScreen(view.goal)
        const size = unit * 2.5
        overlay.appendChild(
          element("path", {
            d: `M ${gx - size} ${gy - size} L ${gx + size} ${gy + size} M ${gx - size} ${gy + size} L ${gx + size} ${gy - size}`,
            stroke: "#2a9d4a",
            "stroke-width": unit * 0.8,
            class: "goal"
          })
        )
      }
      svg.appendChild(overlay)
    }
  }
}
