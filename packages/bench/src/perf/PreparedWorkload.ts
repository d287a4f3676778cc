/**
 * A workload ready to time: its model (and, for training, its batch and optimiser) built, so that a
 * run does only the work the definitions time — from the first sample to the result in host memory.
 *
 * @module
 */
import { Random } from "@telos/core"
import { cemWorkloadRunner } from "./CemWorkload.js"
import { gradientWorkloadRunner } from "./GradientWorkload.js"
import { makeJepaTrainer } from "./JepaTrainWorkload.js"
import { makeMlpPlanningProblem } from "./MlpWorldModel.js"
import { mppiWorkloadRunner } from "./MppiWorkload.js"
import { type PerfWorkload, type PerfWorkloadsDefinition, perfWorkloads } from "./Workloads.js"

/** A built workload. */
export interface PreparedWorkload {
  readonly workload: PerfWorkload
  /** One run of the workload; returns what it read back (a sequence, or the loss). */
  readonly run: () => Float32Array | number
  /** Releases the model and everything else the workload built. */
  readonly dispose: () => void
}

/**
 * Builds `workload` on the world model of `definitions` (the fixed ones by default). `seed` fixes
 * everything: the model comes from one stream split off it and the runs' samples from another, so a
 * workload's model does not depend on which other workloads run, and every planning workload plans
 * through the same model with the same start and goal.
 *
 * @example
 * ```ts
 * const prepared = prepareWorkload(findPerfWorkload("mppi-512x16"), 0)
 * try { prepared.run() } finally { prepared.dispose() }
 * ```
 */
export const prepareWorkload = (
  workload: PerfWorkload,
  seed: number,
  definitions: Pick<PerfWorkloadsDefinition, "worldModel" | "actionBounds"> = perfWorkloads
): PreparedWorkload => {
  const root = Random.fromSeed(seed)
  const modelRng = root.split()
  const runRng = root.split()
  if (workload.planner === "none") {
    const trainer = makeJepaTrainer(definitions.worldModel, workload, definitions.actionBounds, modelRng)
    return { workload, run: trainer.step, dispose: trainer.dispose }
  }
  const problem = makeMlpPlanningProblem(definitions.worldModel, definitions.actionBounds, modelRng)
  // The runner, its compiled step included, is built once with the model; every run replays it.
  const runner = (() => {
    switch (workload.planner) {
      case "gradient":
        return gradientWorkloadRunner(problem, workload)
      case "cem":
        return cemWorkloadRunner(problem, workload)
      case "mppi":
        return mppiWorkloadRunner(problem, workload)
    }
  })()
  const run = (): Float32Array => runner(runRng)
  return { workload, run, dispose: problem.dispose }
}
