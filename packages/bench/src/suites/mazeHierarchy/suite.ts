/**
 * The `maze-hier` suite: on each built-in maze, learned from 64x64 pixels, flat planning against
 * 2-level and 3-level hierarchies at equal planning compute, without and with the memory's
 * waypoints, and once with an encoder trained jointly with its levels. Every run is the pipeline on
 * the suite's settings (see `settings.ts`); runs that differ only in their agents share the cached
 * data, JEPA, levels and memory.
 *
 * @module
 */
import { envRegistry, type MazeLayoutName } from "@telos/envs"
import { mergeConfig } from "../../configurator/Resolve.js"
import type { AgentKind } from "../../configurator/RunConfig.js"
import { runsSuite, type SuiteRun, type SuiteRunRow } from "../../pipeline/RunsSuite.js"
import type { Suite, SummaryColumn } from "../../report/Suite.js"
import { mazeHierarchyChecks } from "./checks.js"
import { mazeHierarchySettings, mazeHierarchyVariations } from "./settings.js"

/** Options of {@link makeMazeHierarchySuite}, for shrinking it (tests) or choosing mazes. */
export interface MazeHierarchySuiteOptions {
  /** The mazes to run on (default the variations' four). */
  readonly mazes?: ReadonlyArray<MazeLayoutName>
  /** Which hierarchies to run (default 2 and 3 levels, each beside flat planning). */
  readonly levelCounts?: ReadonlyArray<2 | 3>
  /** The memory's lookaheads to run, 0 for no waypoints (default 0, 7 and 10 hops). */
  readonly lookaheads?: ReadonlyArray<number>
  /** Also train a JEPA jointly with its levels on these mazes (default the medium maze). */
  readonly jointMazes?: ReadonlyArray<MazeLayoutName>
  /** Configuration over the suite's settings for every run (tests shrink the data and training). */
  readonly settings?: Readonly<Record<string, unknown>>
}

/** What a run of the suite fixes. */
export interface MazeRunFields {
  /** The maze's name. */
  readonly maze: string
  /** Hops between the memory's waypoints; 0: none. */
  readonly lookahead: number
  /** Whether the levels learned on the frozen JEPA or jointly with a fresh one. */
  readonly encoder: "frozen" | "joint"
}

/** One row: an agent (flat or hierarchical) on one maze. */
export type MazeHierarchyRow = SuiteRunRow<MazeRunFields>

const mazeColumn = (title: string, cell: (row: MazeHierarchyRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as MazeHierarchyRow)
})

/**
 * The runs of the suite: per maze, per hierarchy and per lookahead, the hierarchical agent and (for
 * 2 levels) the flat agent at its compute; then the jointly trained encoder's 2-level hierarchy.
 *
 * @example
 * ```ts
 * mazeHierarchyRuns({ mazes: ["medium"], levelCounts: [2], lookaheads: [7], jointMazes: [] }).length // 1
 * ```
 */
export const mazeHierarchyRuns = (
  options: MazeHierarchySuiteOptions = {}
): ReadonlyArray<SuiteRun<MazeRunFields>> => {
  const mazes = options.mazes ?? mazeHierarchyVariations.mazes
  const levelCounts = options.levelCounts ?? [2, 3]
  const lookaheads = options.lookaheads ?? mazeHierarchyVariations.lookaheads
  const jointMazes = new Set(options.jointMazes ?? mazeHierarchyVariations.jointMazes)
  const runs: Array<SuiteRun<MazeRunFields>> = []
  for (const maze of mazes) {
    const env = `maze-${maze}`
    // A collected episode as long as the maze's own.
    const episodeLength = envRegistry.get(env).definition.maxEpisodeSteps
    const base = mergeConfig(options.settings ?? {}, { data: { episodeLength } }) as Record<string, unknown>
    const agentsOf = (lookahead: number, flat: boolean): ReadonlyArray<AgentKind> => {
      const suffix = lookahead > 0 ? "+memory" : ""
      return [`hierarchical${suffix}` as AgentKind, ...(flat ? [`flat${suffix}` as AgentKind] : [])]
    }
    for (const lookahead of lookaheads) {
      for (const levels of levelCounts) {
        runs.push({
          env,
          settings: mergeConfig(base, {
            levels: { strides: mazeHierarchyVariations.strides[levels - 2] },
            memory: { lookahead: Math.max(1, lookahead) },
            evaluation: { agents: agentsOf(lookahead, levels === 2), equalCompute: levels === 2 }
          }) as Record<string, unknown>,
          fields: { maze, lookahead, encoder: "frozen" }
        })
      }
    }
    const jointLookahead = lookaheads.find((hops) => hops > 0)
    if (jointMazes.has(maze) && jointLookahead !== undefined && levelCounts.includes(2)) {
      const merged = mergeConfig(mazeHierarchySettings, options.settings ?? {}) as {
        readonly worldModel: { readonly epochs: number; readonly stepsPerEpoch: number }
        readonly levels: { readonly trainingSteps: number }
      }
      const world = merged.worldModel
      runs.push({
        env,
        settings: mergeConfig(base, {
          levels: {
            strides: mazeHierarchyVariations.strides[0],
            encoder: "joint",
            // The JEPA learns from scratch beside its levels, for at least as long as alone.
            trainingSteps: Math.max(merged.levels.trainingSteps, world.epochs * world.stepsPerEpoch)
          },
          memory: { lookahead: jointLookahead },
          evaluation: { agents: agentsOf(jointLookahead, false), equalCompute: false }
        }) as Record<string, unknown>,
        fields: { maze, lookahead: jointLookahead, encoder: "joint" }
      })
    }
  }
  return runs
}

/**
 * Builds the `maze-hier` suite.
 *
 * @example
 * ```ts
 * const small = makeMazeHierarchySuite({ mazes: ["medium"], levelCounts: [2], lookaheads: [7] })
 * ```
 */
export const makeMazeHierarchySuite = (options: MazeHierarchySuiteOptions = {}): Suite =>
  runsSuite<MazeRunFields>({
    id: "maze-hier",
    description:
      "Mazes from 64x64 pixels: flat gradient planning against 2- and 3-level hierarchies of learned latent macro-actions, at equal planning compute, without and with a landmark memory",
    settings: mazeHierarchySettings,
    runs: mazeHierarchyRuns(options),
    fieldColumns: [
      mazeColumn("memory", (row) => (row.lookahead === 0 ? "no waypoints" : `${row.lookahead} hops`)),
      mazeColumn("encoder", (row) => row.encoder)
    ],
    checks: mazeHierarchyChecks
  })

/** The `maze-hier` suite with its default protocol. */
export const mazeHierarchySuite: Suite = makeMazeHierarchySuite()
