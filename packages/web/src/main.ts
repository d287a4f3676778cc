/**
 * The page: loads the model catalog, chooses a TensorFlow.js backend, and plans. For automation it
 * reports its state: `document.documentElement.dataset.status` is `loading`, `running`, `done` or
 * `error`, and once done `window.telosRun` holds the run's summary. `?env=<id>&episodes=<n>
 * &autoplay=1` (and optionally `&agent=`, `&seed=`, `&backend=`, `&model=`) starts a run without
 * clicks; `&envModule=<path>` first loads an environment module of yours (see `EnvModule`).
 *
 * @module
 */
import { backendParameter, chooseBackend } from "./plan/Backend.js"
import { type CatalogEntry, parseCatalog } from "./plan/Catalog.js"
import { loadEnvModule } from "./plan/EnvModule.js"
import { createPlanView, type RunSummary } from "./plan/PlanView.js"
import { mountResultsView } from "./results/ResultsView.js"

declare global {
  interface Window {
    /** The last finished run (set once `dataset.status` is `done`). */
    telosRun?: RunSummary
  }
}

type Status = "loading" | "running" | "done" | "error"

const setStatus = (status: Status): void => {
  document.documentElement.dataset.status = status
}

const byId = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id)
  if (found === null) throw new Error(`the page has no #${id}`)
  return found as T
}

const notice = byId<HTMLElement>("notice")

const fail = (error: unknown): void => {
  setStatus("error")
  notice.textContent = `error: ${error instanceof Error ? error.message : String(error)}`
  notice.classList.add("error")
}

window.addEventListener("unhandledrejection", (event) => fail(event.reason))

const showTab = (name: string): void => {
  for (const button of document.querySelectorAll<HTMLButtonElement>(".tabs button")) {
    const selected = button.dataset.tab === name
    button.setAttribute("aria-selected", String(selected))
    byId<HTMLElement>(button.dataset.tab as string).hidden = !selected
  }
}

const start = async (): Promise<void> => {
  const parameters = new URLSearchParams(location.search)
  for (const button of document.querySelectorAll<HTMLButtonElement>(".tabs button")) {
    button.addEventListener("click", () => showTab(button.dataset.tab as string))
  }
  const results = mountResultsView(byId("results"))
  // A results.json dropped anywhere on the page opens in the results tab.
  document.addEventListener("dragover", (event) => event.preventDefault())
  document.addEventListener("drop", (event) => {
    const file = event.dataTransfer?.files[0]
    if (file === undefined) return
    event.preventDefault()
    showTab("results")
    results.open(file).catch(fail)
  })

  const envModule = parameters.get("envModule")
  if (envModule !== null) {
    const spec = await loadEnvModule(envModule)
    notice.textContent = `environment ${spec.id} loaded from ${envModule}`
  }
  byId<HTMLFormElement>("module-form").addEventListener("submit", (event) => {
    event.preventDefault()
    const path = byId<HTMLInputElement>("module-path").value.trim()
    if (path === "") return
    // The page starts again with the module named: the catalog and the model follow it.
    const next = new URLSearchParams(location.search)
    next.set("envModule", path)
    location.search = next.toString()
  })

  const backend = await chooseBackend(backendParameter(parameters.get("backend")))
  byId("backend").textContent = `TensorFlow.js backend: ${backend.name}`
  if (backend.skipped.length > 0) byId("backend").title = backend.skipped.join("\n")

  const response = await fetch("models/index.json")
  if (!response.ok)
    throw new Error(`models/index.json: HTTP ${response.status} (regenerate the models: see the README)`)
  const catalog = parseCatalog(await response.json())
  if (catalog.length === 0) throw new Error("models/index.json lists no models")
  const modelSelect = byId<HTMLSelectElement>("model")
  modelSelect.replaceChildren(
    ...catalog.map((entry) => {
      const option = document.createElement("option")
      option.value = entry.folder
      option.textContent = `${entry.folder} (${entry.agents.join(", ")}; ${(entry.bytes / 1e6).toFixed(2)} MB)`
      return option
    })
  )
  const agentSelect = byId<HTMLSelectElement>("agent")
  const view = createPlanView(
    { map: byId("map"), frames: byId("frames"), figures: byId("figures"), agent: agentSelect, notice },
    backend.name
  )
  const wanted = parameters.get("model") ?? parameters.get("env")
  const initial: CatalogEntry =
    catalog.find((entry) => entry.folder === wanted) ??
    catalog.find((entry) => entry.envId === wanted) ??
    (catalog[0] as CatalogEntry)
  if (wanted !== null && initial.folder !== wanted && initial.envId !== wanted) {
    throw new Error(`no model for "${wanted}" (have: ${catalog.map((entry) => entry.folder).join(", ")})`)
  }
  modelSelect.value = initial.folder
  await view.load(initial)
  const agentWanted = parameters.get("agent")
  if (agentWanted !== null) {
    if (![...agentSelect.options].some((option) => option.value === agentWanted)) {
      throw new Error(`the model ${initial.folder} has no agent "${agentWanted}"`)
    }
    agentSelect.value = agentWanted
  }
  modelSelect.addEventListener("change", () => {
    const entry = catalog.find((candidate) => candidate.folder === modelSelect.value)
    if (entry === undefined) return
    setStatus("loading")
    view.load(entry).then(() => setStatus("done"), fail)
  })

  const play = async (): Promise<void> => {
    const episodes = Math.max(1, Math.min(1000, Number(byId<HTMLInputElement>("episodes").value) || 1))
    const seed = Math.max(0, Number(byId<HTMLInputElement>("seed").value) || 0)
    setStatus("running")
    notice.textContent = ""
    const summary = await view.play(episodes, seed)
    window.telosRun = summary
    setStatus("done")
  }
  byId<HTMLFormElement>("controls").addEventListener("submit", (event) => {
    event.preventDefault()
    play().catch(fail)
  })
  byId<HTMLButtonElement>("stop").addEventListener("click", () => view.stop())

  const episodes = parameters.get("episodes")
  if (episodes !== null) byId<HTMLInputElement>("episodes").value = episodes
  const seed = parameters.get("seed")
  if (seed !== null) byId<HTMLInputElement>("seed").value = seed
  if (parameters.get("autoplay") === "1") await play()
  else setStatus("done")
}

start().catch(fail)
