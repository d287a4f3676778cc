/**
 * The planning page: pick a model, watch its agent plan episode after episode (the map, the
 * frames, the figures), click the map to give it a goal of your own.
 *
 * @module
 */
import { type AgentKind, fetchAgentBundle, type LoadedAgentBundle } from "@telos/bench/bundle"
import { envRegistry } from "@telos/envs"
import type { CatalogEntry } from "./Catalog.js"
import { createFramesView } from "./FramesView.js"
import { createMapView, levelColours } from "./MapView.js"
import { type MapPoint, type PlannedEpisode, type StepView, startEpisode } from "./PlanRun.js"

/** What a batch of episodes came to (what `window.telosRun` reports). */
export interface RunSummary {
  /** The environment the episodes were played in (a held-out one for a model evaluated there). */
  readonly env: string
  /** The TensorFlow.js backend. */
  readonly backend: string
  /** The agent. */
  readonly agent: string
  /** Episodes finished. */
  readonly episodes: number
  /** Of which reached the goal. */
  readonly successes: number
  /** Mean milliseconds to choose an action. */
  readonly planMsPerStep: number
  /** Node's figure for the same bundle and agent, when the bundle records it. */
  readonly nodePlanMsPerStep: number | undefined
}

/** The elements the view fills. */
export interface PlanElements {
  readonly map: HTMLElement
  readonly frames: HTMLElement
  readonly figures: HTMLElement
  readonly agent: HTMLSelectElement
  readonly notice: HTMLElement
}

/** The planning view. */
export interface PlanView {
  /** Loads a bundle (freeing the one before). */
  load(entry: CatalogEntry): Promise<LoadedAgentBundle>
  /** Plays `episodes` episodes from `seed` on, drawing each step; resolves with their summary. */
  play(episodes: number, seed: number, onEpisode?: (summary: RunSummary) => void): Promise<RunSummary>
  /** Stops after the current step. */
  stop(): void
}

const nextFrame = (): Promise<void> =>
  new Promise((resolve) => {
    // A hidden tab gets no animation frames: a timer keeps it going (and headless tests fast).
    if (document.hidden) setTimeout(resolve, 0)
    else requestAnimationFrame(() => resolve())
  })

const figureRow = (name: string, value: string): string =>
  `<tr><th>${name}</th><td>${value.replace(/[<>&]/g, "")}</td></tr>`

/**
 * The view over `elements`, planning on `backend`.
 *
 * @example
 * ```ts
 * const view = createPlanView(elements, "webgl")
 * await view.load(entry)
 * const summary = await view.play(3, 0)
 * ```
 */
export const createPlanView = (elements: PlanElements, backend: string): PlanView => {
  const map = createMapView(elements.map)
  const frames = createFramesView(elements.frames)
  let bundle: LoadedAgentBundle | undefined
  let entry: CatalogEntry | undefined
  let episode: PlannedEpisode | undefined
  let last: StepView | undefined
  let stopping = false
  let userGoal: { readonly goal: MapPoint; readonly start: MapPoint | undefined } | undefined
  let stats = { steps: 0, planMs: 0 }

  map.onClick((point) => {
    userGoal = { goal: point, start: last?.position }
    elements.notice.textContent = `new goal (${point[0].toFixed(2)}, ${point[1].toFixed(2)}): replanning from here`
  })

  const showFigures = (view: StepView, summary: RunSummary, seed: number): void => {
    const levels = view.subgoals
      .map((subgoal, level) =>
        subgoal === undefined
          ? ""
          : `<span style="color:${levelColours[level % levelColours.length]}">level ${level + 1} (${subgoal[0].toFixed(1)}, ${subgoal[1].toFixed(1)})</span>`
      )
      .filter((text) => text.length > 0)
      .join(" ")
    elements.figures.innerHTML = [
      `<table>`,
      figureRow("episode", `${summary.episodes + 1} (seed ${seed})`),
      figureRow("step", String(view.step)),
      figureRow("planned cost", Number.isFinite(view.plannedCost) ? view.plannedCost.toFixed(3) : "-"),
      figureRow("ms / step", `${view.planMs.toFixed(1)} (mean ${summary.planMsPerStep.toFixed(1)})`),
      figureRow(
        "Node ms / step",
        summary.nodePlanMsPerStep === undefined
          ? "-"
          : `${summary.nodePlanMsPerStep.toFixed(1)} (${entry?.nodeBackend ?? "?"})`
      ),
      figureRow("backend", backend),
      figureRow("successes", `${summary.successes} / ${summary.episodes}`),
      `</table>`,
      levels.length > 0 ? `<p class="subgoals">subgoals: ${levels}</p>` : ""
    ].join("")
  }

  return {
    load: async (next) => {
      episode?.dispose()
      episode = undefined
      bundle?.dispose()
      bundle = undefined
      entry = next
      const loaded = await fetchAgentBundle(`models/${next.folder}`)
      const envId = loaded.manifest.config.evaluation.env ?? loaded.manifest.envId
      if (!envRegistry.has(envId)) {
        loaded.dispose()
        throw new Error(
          `the model ${next.folder} plans in "${envId}", which is not a built-in environment: load its module first (your environment module, under the development server)`
        )
      }
      bundle = loaded
      elements.agent.replaceChildren(
        ...loaded.manifest.agents.map((kind) => {
          const option = document.createElement("option")
          option.value = kind
          option.textContent = kind
          return option
        })
      )
      return loaded
    },
    stop: () => {
      stopping = true
    },
    play: async (episodes, seed, onEpisode) => {
      const loaded = bundle
      if (loaded === undefined || entry === undefined) throw new Error("no model loaded")
      stopping = false
      stats = { steps: 0, planMs: 0 }
      const kind = elements.agent.value as AgentKind
      const nodeFigure = loaded.manifest.figures[`node.${kind}.planMsPerStep`]
      let summary: RunSummary = {
        env: loaded.manifest.config.evaluation.env ?? loaded.manifest.envId,
        backend,
        agent: kind,
        episodes: 0,
        successes: 0,
        planMsPerStep: 0,
        nodePlanMsPerStep: nodeFigure
      }
      for (let index = 0; index < episodes && !stopping; index++) {
        const episodeSeed = seed + index
        map.clear()
        episode = startEpisode(loaded, { kind, seed: episodeSeed })
        let view = episode.start
        map.draw(view)
        frames.draw(view)
        while (!view.done && !stopping) {
          if (userGoal !== undefined) {
            const placement = userGoal
            userGoal = undefined
            episode.dispose()
            try {
              episode = startEpisode(loaded, {
                kind,
                seed: episodeSeed,
                goal: placement.goal,
                start: placement.start
              })
            } catch (error) {
              elements.notice.textContent = `that goal cannot be set: ${error instanceof Error ? error.message : String(error)}`
              episode = startEpisode(loaded, { kind, seed: episodeSeed })
            }
            map.clear()
            view = episode.start
          }
          view = episode.step()
          last = view
          stats = { steps: stats.steps + 1, planMs: stats.planMs + view.planMs }
          summary = { ...summary, planMsPerStep: stats.planMs / stats.steps }
          map.draw(view)
          frames.draw(view)
          showFigures(view, summary, episodeSeed)
          await nextFrame()
        }
        episode.dispose()
        episode = undefined
        if (view.done) {
          summary = {
            ...summary,
            episodes: summary.episodes + 1,
            successes: summary.successes + (view.success ? 1 : 0)
          }
          onEpisode?.(summary)
        }
      }
      return summary
    }
  }
}
