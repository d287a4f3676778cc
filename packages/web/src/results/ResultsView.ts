/**
 * The results viewer in the page: a drop zone for a run's `results.json` (or a file picker), then
 * the run's summary, its plots and its rows. Text from the file reaches the page as text nodes or
 * through the plots' escaping, never as markup; a file that cannot be opened is a message in an
 * alert, never an exception. Styles: `results.css`, beside this file.
 *
 * @module
 */
import { Result } from "effect"
import { envPicture } from "./EnvPicture.js"
import { successChart, timingChart, timingFieldOf, trajectoryPlot } from "./Plots.js"
import {
  maxResultsBytes,
  parseResultsFile,
  type ResultsFile,
  type ResultsRow,
  ResultsTooLargeError,
  rowLabel
} from "./ResultsFile.js"
import { cellText, filterRows, type SortDirection, sortRows, tableColumns } from "./RowTable.js"

/** A mounted results viewer. */
export interface ResultsView {
  /**
   * Opens a results file: a dropped or picked `File`, or a file's text (fetched by the caller, say).
   * Resolves once it is shown, or its error is; never rejects.
   */
  open(file: File | string): Promise<void>
  /** Removes the viewer and its listeners from the page. */
  dispose(): void
}

/** Drawn episodes per row, and in all: each is a map, and a long sweep's are many. */
const tracesPerRow = 6
const tracesInAll = 48

/** `tag` with `className` and, when given, its text. */
const element = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string
): HTMLElementTagNameMap[K] => {
  const made = document.createElement(tag)
  if (className !== undefined) made.className = className
  if (text !== undefined) made.textContent = text
  return made
}

const statusNotes: Readonly<Record<ResultsFile["status"], string>> = {
  complete: "complete",
  running: "still running: the rows finished when the file was saved",
  interrupted: "interrupted: a stop was requested; it can be resumed",
  failed: "failed: it stopped with an error; it can be resumed"
}

/** The run in a few lines: suite, status, rows, backend, seed, times, checks, stages, protocol. */
const summaryOf = (file: ResultsFile): HTMLElement => {
  const header = element("header", "results-summary")
  header.append(element("h2", undefined, `Results: ${file.suite}`))
  const facts = element("dl", "results-facts")
  const fact = (name: string, value: string | undefined, className?: string) => {
    if (value === undefined || value === "") return
    facts.append(element("dt", undefined, name), element("dd", className, value))
  }
  fact("file", file.source)
  fact("status", statusNotes[file.status], `results-status results-status-${file.status}`)
  fact("rows", String(file.rows.length))
  fact("backend", file.backend)
  fact("seed", file.seed === undefined ? undefined : String(file.seed))
  fact("episodes per row", file.episodes === undefined ? undefined : String(file.episodes))
  fact("started", file.startedAt)
  fact("resumed", file.resumedAt?.join(", "))
  fact("finished", file.finishedAt)
  fact("duration", file.durationSeconds === undefined ? undefined : `${file.durationSeconds.toFixed(1)} s`)
  // The protocol's plain settings; nested ones are in the full protocol below.
  for (const [key, value] of Object.entries(file.protocol)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      fact(`protocol: ${key}`, cellText(value))
    }
  }
  header.append(facts)
  if (file.error !== undefined) header.append(element("p", "results-error", `Stopped early: ${file.error}`))
  if (file.checksum === "differs") {
    header.append(
      element(
        "p",
        "results-warning",
        "The rows do not match the checksum written with them: this file was edited or damaged since the run wrote it."
      )
    )
  }
  if (file.checks.length > 0) {
    const list = element("ul", "results-checks")
    for (const check of file.checks) {
      list.append(
        element(
          "li",
          check.passed ? "results-pass" : "results-fail",
          `${check.passed ? "PASS" : "FAIL"}: ${check.description}`
        )
      )
    }
    header.append(element("h3", undefined, "Checks"), list)
  }
  if (file.stages.length > 0) {
    const table = element("table", "results-stages")
    const head = element("tr")
    for (const title of ["stage", "time", "key", "figures"]) head.append(element("th", undefined, title))
    table.append(head)
    for (const stage of file.stages) {
      const line = element("tr")
      line.append(
        element("td", undefined, stage.stage),
        element("td", undefined, stage.cached ? "cached" : `${stage.seconds.toFixed(1)} s`),
        element("td", undefined, stage.key),
        element(
          "td",
          undefined,
          stage.figures.map(([name, value]) => `${name} ${cellText(value)}`).join(", ")
        )
      )
      table.append(line)
    }
    header.append(element("h3", undefined, "Stages"), table)
  }
  const protocol = element("details", "results-protocol")
  const text = JSON.stringify(file.protocol, null, 2)
  protocol.append(
    element("summary", undefined, "Protocol"),
    element("pre", undefined, text.length > 20_000 ? `${text.slice(0, 20_000)}\n...` : text)
  )
  header.append(protocol)
  return header
}

/** A figure holding SVG from the plots (escaped there), with a caption as text. */
const figureOf = (svg: string, caption?: string): HTMLElement => {
  const figure = element("figure", "results-figure")
  const holder = element("div")
  holder.innerHTML = svg
  figure.append(holder)
  if (caption !== undefined) figure.append(element("figcaption", undefined, caption))
  return figure
}

/** The rows' drawn episodes, a few per row, each on its environment's map. */
const trajectoriesOf = (rows: ReadonlyArray<ResultsRow>): HTMLElement | undefined => {
  const traced = rows.filter((row) => (row.traces?.length ?? 0) > 0)
  if (traced.length === 0) return undefined
  const section = element("section", "results-trajectories")
  section.append(element("h3", undefined, "Trajectories"))
  let drawn = 0
  let left = 0
  for (const row of traced) {
    const traces = row.traces ?? []
    const shown = traces.slice(0, Math.max(0, Math.min(tracesPerRow, tracesInAll - drawn)))
    left += traces.length - shown.length
    if (shown.length === 0) continue
    const group = element("div", "results-trajectory-row")
    group.dataset.row = String(row.index)
    group.append(element("h4", undefined, rowLabel(row)))
    for (const trace of shown) {
      const title = `${rowLabel(row)}, seed ${trace.seed}${trace.layout === undefined ? "" : `, layout ${trace.layout}`}`
      const outcome = trace.success === undefined ? "" : trace.success ? ": success" : ": failure"
      group.append(
        figureOf(
          trajectoryPlot(trace, {
            background: envPicture(row.env, trace),
            title,
            row: row.index,
            width: 240
          }),
          `seed ${trace.seed}${outcome}`
        )
      )
    }
    drawn += shown.length
    section.append(group)
  }
  if (left > 0) section.append(element("p", "results-note", `${left} more recorded episodes are not drawn.`))
  section.append(
    element(
      "p",
      "results-note",
      "Green: start; blue line: path; red cross: goal; discs: level 1 subgoals; squares: higher levels' subgoals."
    )
  )
  return section
}

/**
 * Mounts the results viewer in `container`: a drop zone and file picker for a run's
 * `results.json`, then its summary, its plots (success per row grouped by agent and level count,
 * planning time, trajectories on the map) and a table of its rows that sorts by a clicked heading
 * and filters by the text typed. Clicking a bar marks its row in the table. A file that cannot be
 * opened is shown as an alert (`role="alert"`).
 *
 * @example
 * ```ts
 * const view = mountResultsView(document.querySelector("#results")!)
 * const response = await fetch("runs/quickstart/results.json")
 * await view.open(await response.text())
 * view.dispose()
 * ```
 */
export const mountResultsView = (container: HTMLElement): ResultsView => {
  const listening = new AbortController()
  const on = <K extends keyof HTMLElementEventMap>(
    target: HTMLElement,
    type: K,
    listener: (event: HTMLElementEventMap[K]) => void
  ) => target.addEventListener(type, listener, { signal: listening.signal })

  const root = element("section", "results-view")
  const drop = element("div", "results-drop")
  const input = element("input")
  input.type = "file"
  input.accept = ".json,application/json"
  const pick = element("label", "results-pick", "choose a file")
  pick.append(input)
  drop.append(element("span", undefined, "Drop a run's results.json here, or "), pick)
  const alert = element("div", "results-alert")
  alert.setAttribute("role", "alert")
  alert.hidden = true
  const content = element("div", "results-content")
  root.append(drop, alert, content)
  container.append(root)

  let opened: ResultsFile | undefined
  let columns: ReadonlyArray<string> = []
  let sort: { readonly column: string; readonly direction: SortDirection } | undefined
  let filter = ""
  let highlighted: number | undefined
  // A slow read must not replace a file opened after it.
  let generation = 0

  const filterInput = element("input", "results-filter")
  filterInput.type = "search"
  filterInput.placeholder = "Filter rows (words in any cell)"
  filterInput.setAttribute("aria-label", "Filter rows")
  const count = element("span", "results-count")
  const table = element("table", "results-table")
  const tableHead = element("thead")
  const tableBody = element("tbody")
  table.append(tableHead, tableBody)

  const showError = (message: string) => {
    alert.textContent = message
    alert.hidden = false
  }

  const markRow = () => {
    for (const marked of root.querySelectorAll(".results-highlight"))
      marked.classList.remove("results-highlight")
    if (highlighted === undefined) return
    for (const match of root.querySelectorAll(`[data-row="${highlighted}"]`))
      match.classList.add("results-highlight")
  }

  const renderHead = () => {
    const line = element("tr")
    line.append(element("th", undefined, "#"))
    for (const column of columns) {
      const cell = element("th")
      const button = element("button", "results-sort", column)
      button.type = "button"
      button.dataset.column = column
      if (sort?.column === column) cell.setAttribute("aria-sort", sort.direction)
      cell.append(button)
      line.append(cell)
    }
    tableHead.replaceChildren(line)
  }

  const renderBody = () => {
    if (opened === undefined) return
    const sorted = sort === undefined ? opened.rows : sortRows(opened.rows, sort.column, sort.direction)
    const shown = filterRows(sorted, filter, columns)
    tableBody.replaceChildren(
      ...shown.map((row) => {
        const line = element("tr")
        line.dataset.row = String(row.index)
        line.append(element("td", undefined, String(row.index + 1)))
        for (const column of columns) {
          const value = Object.hasOwn(row.fields, column) ? row.fields[column] : undefined
          const cell = element(
            "td",
            typeof value === "number" ? "results-number" : undefined,
            cellText(value)
          )
          line.append(cell)
        }
        return line
      })
    )
    count.textContent = `${shown.length} of ${opened.rows.length} rows`
    markRow()
  }

  const highlight = (index: number) => {
    highlighted = index
    if (tableBody.querySelector(`tr[data-row="${index}"]`) === null && filter !== "") {
      filter = ""
      filterInput.value = ""
      renderBody()
    }
    markRow()
    tableBody
      .querySelector(`tr[data-row="${index}"]`)
      ?.scrollIntoView({ block: "nearest", behavior: "smooth" })
  }

  const show = (file: ResultsFile) => {
    opened = file
    columns = tableColumns(file.rows)
    sort = undefined
    filter = ""
    filterInput.value = ""
    highlighted = undefined
    const plots = element("div", "results-plots")
    const success = successChart(file.rows)
    const timingField = timingFieldOf(file.rows)
    const timing = timingField === undefined ? "" : timingChart(file.rows, timingField)
    if (success !== "") plots.append(figureOf(success))
    if (timing !== "") plots.append(figureOf(timing))
    if (success === "" && timing === "") {
      plots.append(
        element("p", "results-note", "No row has a success rate or a time to plot; the rows are below.")
      )
    }
    const tools = element("div", "results-table-tools")
    tools.append(filterInput, count)
    const wrap = element("div", "results-table-wrap")
    wrap.append(table)
    const trajectories = trajectoriesOf(file.rows)
    content.replaceChildren(
      summaryOf(file),
      plots,
      ...(trajectories === undefined ? [] : [trajectories]),
      element("h3", undefined, "Rows"),
      tools,
      wrap
    )
    renderHead()
    renderBody()
  }

  const open = async (file: File | string): Promise<void> => {
    const mine = ++generation
    alert.hidden = true
    alert.textContent = ""
    const source = typeof file === "string" ? "results.json" : file.name
    let text: string
    try {
      if (typeof file !== "string" && file.size > maxResultsBytes) {
        throw new ResultsTooLargeError({ source, bytes: file.size, limit: maxResultsBytes })
      }
      text = typeof file === "string" ? file : await file.text()
    } catch (error) {
      if (mine !== generation) return
      showError(
        error instanceof Error ? `Could not read ${source}: ${error.message}` : `Could not read ${source}`
      )
      return
    }
    if (mine !== generation) return
    const parsed = parseResultsFile(text, source)
    if (Result.isFailure(parsed)) {
      opened = undefined
      content.replaceChildren()
      showError(parsed.failure.message)
      return
    }
    try {
      show(parsed.success)
    } catch (error) {
      // A file the checks let through but the drawing trips on: said, not thrown at the page.
      opened = undefined
      content.replaceChildren()
      showError(`Could not show ${source}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  on(input, "change", () => {
    const file = input.files?.[0]
    if (file !== undefined) void open(file)
    input.value = ""
  })
  on(root, "dragover", (event) => {
    event.preventDefault()
    if (event.dataTransfer !== null) event.dataTransfer.dropEffect = "copy"
    root.classList.add("results-dragging")
  })
  on(root, "dragleave", (event) => {
    if (!(event.relatedTarget instanceof Node && root.contains(event.relatedTarget))) {
      root.classList.remove("results-dragging")
    }
  })
  on(root, "drop", (event) => {
    event.preventDefault()
    root.classList.remove("results-dragging")
    const file = event.dataTransfer?.files[0]
    if (file === undefined) showError("Drop a file: a run's results.json.")
    else void open(file)
  })
  on(filterInput, "input", () => {
    filter = filterInput.value
    renderBody()
  })
  on(tableHead, "click", (event) => {
    const column = (event.target as Element | null)?.closest<HTMLElement>("button[data-column]")?.dataset
      .column
    if (column === undefined) return
    sort = {
      column,
      direction: sort?.column === column && sort.direction === "ascending" ? "descending" : "ascending"
    }
    renderHead()
    renderBody()
  })
  // Bars and maps name their row: a click marks it in the table, and a row clicked marks its bars.
  const rowOf = (event: Event): number | undefined => {
    const row = (event.target as Element | null)?.closest<Element>("[data-row]")?.getAttribute("data-row")
    const index = row === null || row === undefined ? Number.NaN : Number(row)
    return Number.isInteger(index) ? index : undefined
  }
  on(content, "click", (event) => {
    const index = rowOf(event)
    if (index === undefined) return
    if ((event.target as Element).closest("tbody") !== null) {
      highlighted = index
      markRow()
    } else highlight(index)
  })
  on(content, "keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return
    if (!(event.target instanceof Element) || !event.target.classList.contains("results-bar")) return
    const index = rowOf(event)
    if (index === undefined) return
    event.preventDefault()
    highlight(index)
  })

  return {
    open,
    dispose: () => {
      generation++
      listening.abort()
      root.remove()
    }
  }
}
