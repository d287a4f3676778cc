/**
 * The `diverse-maze` suite, the anchors' generalisation protocol (PLDM's diverse mazes, HWM's
 * hierarchy over them): a JEPA and its levels learn from 64 x 64 images of N training layouts,
 * and the agents plan in 24 layouts held out from training, toward a goal given as an image of the
 * goal position in the same layout, with no memory of any layout. Per N and per bucket of
 * shortest-path length, the 2-level agent and the flat agent at its planning compute, and the
 * 3-level agent; each also with the online memory of its own episode (`+online`). Every run is the pipeline with `evaluation.env` set to the bucket's held-out
 * environment, so runs on one training set share its data, JEPA and levels.
 *
 * @module
 */
import { mergeConfig } from "../../configurator/Resolve.js"
import { runsSuite, type SuiteRun, type SuiteRunRow } from "../../pipeline/RunsSuite.js"
import type { Suite, SummaryColumn } from "../../report/Suite.js"
import { diverseMazeChecks } from "./checks.js"
import { type DiverseMazeBucket, diverseMazeSettings, diverseMazeVariations } from "./settings.js"

/** What a run of the suite fixes. */
export interface DiverseMazeFields {
  /** Training layouts the models learned from. */
  readonly layouts: number
  /** The bucket of the held-out start-goal pairs. */
  readonly bucket: DiverseMazeBucket
  /** The run's hierarchy (the 2-level run's flat row plans at its compute). */
  readonly hierarchy: 2 | 3
}

/** One row: an agent, flat or hierarchical, in one bucket of held-out layouts. */
export type DiverseMazeRow = SuiteRunRow<DiverseMazeFields>

/** Options of {@link makeDiverseMazeSuite}: they shrink it (tests) or pick parts. */
export interface DiverseMazeSuiteOptions {
  /** Training set sizes (default 5 and 20). */
  readonly layouts?: ReadonlyArray<5 | 20>
  /** Buckets (default short, medium, long). */
  readonly buckets?: ReadonlyArray<DiverseMazeBucket>
  /** Hierarchies (default 2 and 3 levels). */
  readonly hierarchies?: ReadonlyArray<2 | 3>
  /** Configuration over the suite's settings for every run. */
  readonly settings?: Readonly<Record<string, unknown>>
}

const column = (title: string, cell: (row: DiverseMazeRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as DiverseMazeRow)
})

/**
 * The suite's runs: per training set, hierarchy and bucket, one pipeline run trained on
 * `diverse-maze-<N>` and evaluated in `diverse-maze-held-out-<bucket>`.
 *
 * @example
 * ```ts
 * diverseMazeRuns({ layouts: [5], buckets: ["long"], hierarchies: [2] })[0]?.env // "diverse-maze-5"
 * ```
 */
export const diverseMazeRuns = (
  options: DiverseMazeSuiteOptions = {}
): ReadonlyArray<SuiteRun<DiverseMazeFields>> => {
  const runs: Array<SuiteRun<DiverseMazeFields>> = []
  for (const layouts of options.layouts ?? diverseMazeVariations.layouts) {
    for (const hierarchy of options.hierarchies ?? ([2, 3] as const)) {
      for (const bucket of options.buckets ?? diverseMazeVariations.buckets) {
        runs.push({
          env: `diverse-maze-${layouts}`,
          settings: mergeConfig(
            {
              levels: { strides: diverseMazeVariations.strides[hierarchy] },
              // Flat planning is matched to the 2-level hierarchy's compute; 3 levels plan beside it.
              evaluation: {
                env: `diverse-maze-held-out-${bucket}`,
                ...(hierarchy === 3
                  ? { agents: ["hierarchical", "hierarchical+online"], equalCompute: false }
                  : {})
              }
            },
            options.settings ?? {}
          ) as Record<string, unknown>,
          fields: { layouts, bucket, hierarchy }
        })
      }
    }
  }
  return runs
}

/**
 * Builds the `diverse-maze` suite.
 *
 * @example
 * ```ts
 * const small = makeDiverseMazeSuite({ layouts: [5], hierarchies: [2] })
 * ```
 */
export const makeDiverseMazeSuite = (options: DiverseMazeSuiteOptions = {}): Suite =>
  runsSuite<DiverseMazeFields>({
    id: "diverse-maze",
    description:
      "Diverse mazes (PLDM's family) from 64x64 pixels: models trained on 5 or 20 layouts, agents in 24 held-out layouts per path-length bucket, flat (at the 2-level agent's planning compute) against 2 and 3 levels, no memory of any layout, and each with the online memory of its own episode",
    settings: diverseMazeSettings,
    runs: diverseMazeRuns(options),
    fieldColumns: [
      column("training layouts", (row) => String(row.layouts)),
      column("bucket", (row) => row.bucket)
    ],
    checks: diverseMazeChecks
  })

/** The `diverse-maze` suite at its default size. */
export const diverseMazeSuite: Suite = makeDiverseMazeSuite()
