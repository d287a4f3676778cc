/**
 * The `soak` suite: 10,000 planning iterations on the active backend, watching memory. A leak of
 * one tensor per iteration, or of native memory that TensorFlow.js does not count (ONNX Runtime's
 * buffers, the WebAssembly heap), shows here long before it would in a test.
 *
 * Each plan is the gradient workload of the perf suite (Adam over action sequences through the
 * `mlp-wm` world model) at a smaller batch, so the 10,000 iterations take a minute or two; every
 * `plansPerSample` plans a row records the tensor count, TensorFlow.js's byte count, and the
 * process's resident set and heap.
 *
 * @module
 */
import { Random } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { gradientWorkloadRunner } from "../../perf/GradientWorkload.js"
import { makeMlpPlanningProblem } from "../../perf/MlpWorldModel.js"
import { findPerfWorkload, type GradientWorkload, perfWorkloads } from "../../perf/Workloads.js"
import type { Suite, SuiteRow, SummaryColumn } from "../../report/Suite.js"

/** One memory sample of the `soak` suite. */
export interface SoakRow extends SuiteRow {
  /** Planning iterations (optimiser steps) done when the sample was taken. */
  readonly iterations: number
  /** Tensors TensorFlow.js holds. */
  readonly tensors: number
  /** Bytes TensorFlow.js holds in tensors. */
  readonly tensorBytes: number
  /** The process's resident set, in MiB. */
  readonly rssMiB: number
  /** V8's heap in use, in MiB. */
  readonly heapMiB: number
  /** Memory outside V8's heap that V8 knows of (array buffers, the WebAssembly heap), in MiB. */
  readonly externalMiB: number
  /** Milliseconds per planning iteration since the previous sample. */
  readonly msPerIteration: number
}

/** The shape of a soak run. */
export interface SoakOptions {
  /** Plans in all; each is `workload.iterations` planning iterations. */
  readonly plans: number
  /** Plans between two samples. */
  readonly plansPerSample: number
  /** The gradient-planner workload each plan runs. */
  readonly workload: GradientWorkload
  /** Resident-set growth allowed between the first and the last sample, in MiB. */
  readonly rssToleranceMiB: number
}

/** 500 plans of 20 iterations: 10,000 planning iterations, sampled every 500. */
export const defaultSoakOptions: SoakOptions = {
  plans: 500,
  plansPerSample: 25,
  // The perf suite's gd-256x16 at a quarter of its candidates.
  workload: { ...(findPerfWorkload("gd-256x16") as GradientWorkload), id: "gd-64x16", candidates: 64 },
  rssToleranceMiB: 32
}

const mebibytes = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10

const column = (title: string, cell: (row: SoakRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as SoakRow)
})

/**
 * Builds the `soak` suite.
 *
 * @example
 * ```ts
 * const quick = makeSoakSuite({ ...defaultSoakOptions, plans: 4, plansPerSample: 2 })
 * ```
 */
export const makeSoakSuite = (options: SoakOptions = defaultSoakOptions): Suite => ({
  id: "soak",
  description: `Endurance: ${options.plans * options.workload.iterations} planning iterations, tensor count and resident memory sampled`,
  protocol: {
    planningIterations: options.plans * options.workload.iterations,
    plans: options.plans,
    plansPerSample: options.plansPerSample,
    workload: options.workload,
    worldModel: perfWorkloads.worldModel,
    rssToleranceMiB: options.rssToleranceMiB,
    checks:
      "the tensor count and TensorFlow.js's bytes never change after the first sample; the median resident set of the last third of the samples exceeds that of the first third by less than the tolerance (garbage collection moves single samples by tens of MiB)"
  },
  columns: [
    column("iterations", (row) => String(row.iterations)),
    column("tensors", (row) => String(row.tensors)),
    column("rss MiB", (row) => row.rssMiB.toFixed(1)),
    column("external MiB", (row) => row.externalMiB.toFixed(1)),
    column("ms/iteration", (row) => row.msPerIteration.toFixed(2))
  ],
  checks: (rows) => {
    const samples = rows as ReadonlyArray<SoakRow>
    const first = samples[0]
    const last = samples[samples.length - 1]
    if (first === undefined || last === undefined)
      return [{ description: "at least one sample", passed: false }]
    const third = Math.max(1, Math.floor(samples.length / 3))
    const middle = (rows: ReadonlyArray<SoakRow>) => {
      const sorted = rows.map((row) => row.rssMiB).sort((left, right) => left - right)
      return sorted[Math.floor(sorted.length / 2)] as number
    }
    const growth = middle(samples.slice(-third)) - middle(samples.slice(0, third))
    return [
      {
        description: "the tensor count stays flat",
        passed: samples.every((row) => row.tensors === first.tensors && row.tensorBytes === first.tensorBytes)
      },
      {
        description: `the resident set grows by less than ${options.rssToleranceMiB} MiB (grew ${growth.toFixed(1)} MiB)`,
        passed: growth < options.rssToleranceMiB
      }
    ]
  },
  // Memory and speed readings; and a sample continues the plans before it, so a resumed run plans
  // from the start again and the runner drops the samples it has (no `skipsFinishedRows`).
  timingFields: ["rssMiB", "heapMiB", "externalMiB", "msPerIteration"],
  run: async function* (context) {
    const root = Random.fromSeed(context.seed)
    const problem = makeMlpPlanningProblem(perfWorkloads.worldModel, perfWorkloads.actionBounds, root.split())
    const rng = root.split()
    try {
      // One runner for every plan: on native its compiled step is replayed 10,000 times, the
      // long-running case a leak in the replay would show in.
      const run = gradientWorkloadRunner(problem, options.workload)
      // One plan first: backends allocate their caches (sessions, memory arenas) on first use.
      run(rng)
      let since = performance.now()
      for (let plan = 1; plan <= options.plans; plan++) {
        run(rng)
        if (plan % options.plansPerSample !== 0 && plan !== options.plans) continue
        const now = performance.now()
        const done =
          plan % options.plansPerSample === 0 ? options.plansPerSample : plan % options.plansPerSample
        const memory = process.memoryUsage()
        const tensors = tf.memory()
        context.progress(`plan ${plan} of ${options.plans}`, plan / options.plans)
        yield {
          iterations: plan * options.workload.iterations,
          tensors: tensors.numTensors,
          tensorBytes: tensors.numBytes,
          rssMiB: mebibytes(memory.rss),
          heapMiB: mebibytes(memory.heapUsed),
          externalMiB: mebibytes(memory.external),
          msPerIteration: (now - since) / (done * options.workload.iterations)
        } satisfies SoakRow
        since = performance.now()
      }
    } finally {
      problem.dispose()
    }
  }
})

/** The `soak` suite: 10,000 planning iterations of `gd-64x16`. */
export const soakSuite: Suite = makeSoakSuite()
