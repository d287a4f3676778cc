/**
 * The `two-rooms` suite: Two-Rooms solved end to end, over PLDM's protocol (100 episodes, fixed
 * seeds, at most 200 steps, success within sqrt(2) px of the goal; start and goal in opposite
 * rooms), as runs of the pipeline. Every planner runs
 *
 * - on point-mass and on Two-Rooms with ground-truth models (the planners' own ceiling);
 * - with JEPA world models trained on random-walk data, from the state and from 64x64 pixels;
 * - with a keep-out guardrail as a hard constraint, beside the same episodes without it, counting
 *   the steps the agent's true position spends inside a zone.
 *
 * A planner that only sees the distance to the goal stalls against the middle wall whenever the
 * goal lies behind it (a row without memory shows how often); the agents therefore plan towards
 * the waypoints of a landmark memory built from the same data the world model learned from. The
 * section without memory also runs a hierarchy from pixels, whose level above plans far enough
 * ahead to see the door, with and without the online memory of its episode.
 *
 * @module
 */
import { mergeConfig } from "../../configurator/Resolve.js"
import { type AgentKind, type RunSettings, usesOnlineMemory } from "../../configurator/RunConfig.js"
import { violationsColumn } from "../../pipeline/Pipeline.js"
import { runsSuite, type SuiteRun, type SuiteRunRow } from "../../pipeline/RunsSuite.js"
import type { Suite, SummaryColumn } from "../../report/Suite.js"
import { quickstartRuns, quickstartSettings } from "../quickstart/settings.js"
import { twoRoomsChecks } from "./checks.js"
import {
  twoRoomsHierarchySettings,
  twoRoomsKeepOut,
  twoRoomsPixelSettings,
  twoRoomsPlanners,
  twoRoomsPldmPlanner,
  twoRoomsRunSettings,
  twoRoomsSuiteSettings
} from "./settings.js"

/** Which parts of the suite run (all by default; tests pick few). */
export type TwoRoomsSection = "point-mass" | "ground-truth" | "state" | "pixels" | "no-memory" | "guardrail"

/** What a run of the suite fixes in its rows. */
export interface TwoRoomsFields {
  /** The suite's name of the planner (`pldm-mppi`, ...). */
  readonly search: string
  /** What the learned model perceives (`state` for the ground truth's runs too). */
  readonly perception: "state" | "pixels"
  /** `none`; `measured`: the zones counted, not enforced; `keep-out (hard)`: enforced. */
  readonly guardrail: "none" | "measured" | "keep-out (hard)"
  /** The horizon planned (16, or PLDM's own 96). */
  readonly horizon: number
}

/** One row: a run's row and what its run fixed. */
export type TwoRoomsRow = SuiteRunRow<TwoRoomsFields>

/** Options of {@link makeTwoRoomsSuite}: they shrink the suite for tests. */
export interface TwoRoomsSuiteOptions {
  /** The parts to run (default all). */
  readonly sections?: ReadonlyArray<TwoRoomsSection>
  /** Only planners whose names are listed (default all). */
  readonly planners?: ReadonlyArray<string>
  /** Configuration over every run's (smaller data and training, for tests). */
  readonly settings?: RunSettings
}

const column = (title: string, cell: (row: TwoRoomsRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as TwoRoomsRow)
})

/**
 * The model a row planned with, as the table names it.
 *
 * @example
 * ```ts
 * twoRoomsModel(row) // "jepa-pixels"
 * ```
 */
export const twoRoomsModelName = (row: TwoRoomsRow): string =>
  row.model === "jepa" ? `jepa-${row.perception}` : row.model

const pixelsWith = (settings: RunSettings): RunSettings =>
  mergeConfig(twoRoomsPixelSettings, settings) as RunSettings

/** The reference planner of the guardrail pair and the row without memory: PLDM's. */
const reference = "pldm-mppi"

/** Level 0's planner under the hierarchy without memory: few predictions per step leave room for the level above's. */
const hierarchyLevel0 = "gradient"

/** PLDM's own planner settings (96 steps, 2,000 samples), as rows name them. */
const pldm = "pldm-mppi-96"

/**
 * The suite's runs: per section and planner, one pipeline run.
 *
 * @example
 * ```ts
 * twoRoomsRuns(["ground-truth"], ["cem"]).length // 1
 * ```
 */
export const twoRoomsRuns = (
  sections: ReadonlyArray<TwoRoomsSection>,
  planners: ReadonlyArray<string>,
  settings: RunSettings = {}
): ReadonlyArray<SuiteRun<TwoRoomsFields>> => {
  const has = (section: TwoRoomsSection) => sections.includes(section)
  const referencePlanner = planners.includes(reference) ? reference : (planners[0] as string)
  const hierarchyPlanner = planners.includes(hierarchyLevel0) ? hierarchyLevel0 : referencePlanner
  const run = (
    env: string,
    search: string,
    own: RunSettings,
    perception: TwoRoomsFields["perception"] = "state",
    guardrail: TwoRoomsFields["guardrail"] = "none"
  ): SuiteRun<TwoRoomsFields> => ({
    env,
    settings: mergeConfig(
      mergeConfig(own, search === pldm ? twoRoomsPldmPlanner : { actor: twoRoomsPlanners[search] }),
      settings
    ) as RunSettings,
    fields: {
      search,
      perception,
      guardrail,
      horizon:
        search === pldm ? (twoRoomsPldmPlanner.actor?.horizon as number) : twoRoomsSuiteSettings.horizon
    }
  })
  const runs: Array<SuiteRun<TwoRoomsFields>> = []
  if (has("point-mass")) {
    // The quickstart's reaching task and cost, with each planner on the ground truth.
    const reaching = mergeConfig(quickstartSettings, quickstartRuns["point-mass"]) as RunSettings
    for (const search of planners) {
      runs.push(
        run(
          "point-mass",
          search,
          mergeConfig(reaching, {
            levels: { strides: [] },
            memory: { landmarks: 0 },
            evaluation: { episodes: twoRoomsSuiteSettings.episodes, agents: ["ground-truth"] }
          }) as RunSettings
        )
      )
    }
  }
  const agents: ReadonlyArray<AgentKind> = [
    ...(has("ground-truth") ? (["ground-truth+memory"] as const) : []),
    ...(has("state") ? (["flat+memory"] as const) : [])
  ]
  if (agents.length > 0) {
    for (const search of planners) runs.push(run("two-rooms", search, { evaluation: { agents } }))
  }
  if (has("ground-truth")) {
    // Without memory, for comparison: the distance to the goal alone.
    runs.push(run("two-rooms", referencePlanner, { evaluation: { agents: ["ground-truth"] } }))
  }
  if (has("pixels")) {
    for (const search of planners) {
      runs.push(run("two-rooms", search, pixelsWith({ evaluation: { agents: ["flat+memory"] } }), "pixels"))
    }
  }
  if (has("no-memory")) {
    // The row comparable to PLDM's 97.8%: from pixels, no memory; with our planner, and with PLDM's
    // own. Our planner also with the online memory of the episode, which holds nothing recorded.
    for (const search of [referencePlanner, pldm]) {
      const agents: ReadonlyArray<AgentKind> =
        search === referencePlanner ? ["flat", "flat+online"] : ["flat"]
      runs.push(run("two-rooms", search, pixelsWith({ evaluation: { agents } }), "pixels"))
    }
    runs.push(run("two-rooms", pldm, { evaluation: { agents: ["ground-truth"] } }))
    // A level above: its long plans see round the wall, and their predictions are the subgoals.
    runs.push(run("two-rooms", hierarchyPlanner, pixelsWith(twoRoomsHierarchySettings), "pixels"))
  }
  if (has("guardrail")) {
    const pairs: ReadonlyArray<readonly [TwoRoomsFields["perception"], RunSettings]> = [
      ["state", { evaluation: { agents: ["ground-truth+memory"] } }],
      ["pixels", pixelsWith({ evaluation: { agents: ["flat+memory"] } })]
    ]
    for (const [perception, own] of pairs) {
      for (const enforced of [false, true]) {
        runs.push(
          run(
            "two-rooms",
            referencePlanner,
            mergeConfig(own, { guardrail: { ...twoRoomsKeepOut, enforced } }) as RunSettings,
            perception,
            enforced ? "keep-out (hard)" : "measured"
          )
        )
      }
    }
  }
  return runs
}

/**
 * Builds the `two-rooms` suite.
 *
 * @example
 * ```ts
 * const tiny = makeTwoRoomsSuite({ sections: ["ground-truth"], planners: ["pldm-mppi"] })
 * ```
 */
export const makeTwoRoomsSuite = (options: TwoRoomsSuiteOptions = {}): Suite =>
  runsSuite<TwoRoomsFields>({
    id: "two-rooms",
    description:
      "Two-Rooms end to end (PLDM protocol): every planner with ground-truth, state-JEPA and pixel-JEPA models, landmark memory, keep-out guardrail",
    settings: twoRoomsRunSettings,
    runs: twoRoomsRuns(
      options.sections ?? ["point-mass", "ground-truth", "state", "pixels", "no-memory", "guardrail"],
      options.planners ?? Object.keys(twoRoomsPlanners),
      options.settings
    ),
    fieldColumns: [
      column("model", twoRoomsModelName),
      column("planner", (row) => row.search),
      column("horizon", (row) => String(row.horizon)),
      column("memory", (row) =>
        usesOnlineMemory(row.agent)
          ? "online (the episode's)"
          : row.landmarks === undefined
            ? "none"
            : `${row.landmarks} landmarks`
      ),
      column("guardrail", (row) => row.guardrail),
      violationsColumn
    ],
    checks: twoRoomsChecks
  })

/** The `two-rooms` suite at its full size. */
export const twoRoomsSuite: Suite = makeTwoRoomsSuite()
