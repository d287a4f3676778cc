/**
 * The `perf` suite: times the fixed workloads of `perf-workloads.json` (see `perf/Workloads.ts`)
 * on the active tensor backend, one row per workload with at least `id, msMedian, runs`, so the
 * figures can be set beside another implementation's (the PyTorch reference's) from the same
 * machine.
 *
 * @module
 */
import { type BackendName, compiledStepTotals, resolveBackend } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { prepareWorkload } from "../../perf/PreparedWorkload.js"
import {
  defaultTimingProtocol,
  type TimingProtocol,
  timeRuns,
  warmUp,
  warmUpRule
} from "../../perf/Timing.js"
import { findPerfWorkload, type PerfWorkload, perfWorkloads } from "../../perf/Workloads.js"
import type { Suite, SuiteRow, SummaryColumn } from "../../report/Suite.js"

/** One row of the `perf` suite. */
export interface PerfRow extends SuiteRow {
  /** The workload's id in `perf-workloads.json`. */
  readonly id: string
  /** The workload's planner (`none` for a workload without one). */
  readonly planner: PerfWorkload["planner"]
  /** The backend the workload ran on. */
  readonly backend: BackendName
  /** Median wall-clock milliseconds of one run, result read back included. */
  readonly msMedian: number
  /** Fastest timed run, in milliseconds. */
  readonly msMin: number
  /** Slowest timed run, in milliseconds. */
  readonly msMax: number
  /** Untimed warm-up runs before them (the first counted the kernels). */
  readonly warmUpRuns: number
  /** Timed runs behind the figures (the warm-up is not one of them). */
  readonly runs: number
  /** Kernels one run launches (forward, gradient and optimiser), counted on the warm-up; `null` when not counted. */
  readonly tensorOpsPerRun: number | null
  /**
   * Calls into ONNX Runtime one run makes (each compiled step one, each native kernel one), counted
   * on a warm-up run; `null` on backends without ONNX Runtime.
   */
  readonly nativeCallsPerRun: number | null
  /** Compiled steps one run replays (planning iterations or training steps as one native call each). */
  readonly compiledStepsPerRun: number
  /** Why a step of the workload ran on kernels instead, when one did. */
  readonly compileRefusal: string | null
  /** Tensors still allocated after the workload was built, run and released: 0 unless something leaks. */
  readonly leakedTensors: number
}

// ONNX Runtime's call counter, when the native backend's package loads here.
const nativeCalls = async (): Promise<(() => number) | undefined> => {
  try {
    const native = await import("@telos/native")
    return native.nativeCallCount
  } catch {
    return undefined
  }
}

/** Options of {@link measureWorkload}. */
export interface MeasureOptions {
  /** The seed the workload is built from. */
  readonly seed: number
  /** The backend the row reports (the caller makes it the active one). */
  readonly backend: BackendName
  /** How runs are timed (default `defaultTimingProtocol`). */
  readonly timing?: TimingProtocol
  /** Counts the kernels of the warm-up run with `tf.profile` (true by default). */
  readonly countKernels?: boolean
}

/**
 * Builds, warms up, times and releases one workload on the active backend.
 *
 * @example
 * ```ts
 * const row = await measureWorkload(findPerfWorkload("cem-512x16"), { seed: 0, backend: "wasm" })
 * row.msMedian
 * ```
 */
export const measureWorkload = async (workload: PerfWorkload, options: MeasureOptions): Promise<PerfRow> => {
  const tensorsAtStart = tf.memory().numTensors
  const prepared = prepareWorkload(workload, options.seed)
  let tensorOpsPerRun: number | null = null
  let nativeCallsPerRun: number | null = null
  let compiledStepsPerRun = 0
  let compileRefusal: string | null = null
  let warmUpRuns = 0
  let timings: ReturnType<typeof timeRuns>
  try {
    // The warm-up lets the backend compile, allocate and cache what the runs reuse; profiling it
    // counts the kernels without slowing any timed run.
    const protocol = options.timing ?? defaultTimingProtocol
    const warmUpStarted = performance.now()
    if (options.countKernels ?? true) {
      const profile = await tf.profile(() => {
        prepared.run()
      })
      // The profile also lists composite ops (custom gradients, fused-op wrappers) around the
      // kernels they launch; only the backend's own kernels are counted.
      const backend = tf.getBackend()
      tensorOpsPerRun = profile.kernels.filter(
        (kernel) => tf.getKernel(kernel.name, backend) !== undefined
      ).length
    } else {
      prepared.run()
    }
    // One more warm-up run, counted: calls into ONNX Runtime and compiled steps replayed.
    const countCalls = tf.getBackend() === "native" ? await nativeCalls() : undefined
    const callsBefore = countCalls?.()
    const totalsBefore = compiledStepTotals()
    prepared.run()
    const totalsAfter = compiledStepTotals()
    nativeCallsPerRun =
      countCalls === undefined || callsBefore === undefined ? null : countCalls() - callsBefore
    compiledStepsPerRun = totalsAfter.compiledRuns - totalsBefore.compiledRuns
    const refusals = [...totalsAfter.refusals.keys()].filter((reason) => !totalsBefore.refusals.has(reason))
    compileRefusal = refusals[0] ?? null
    warmUpRuns = 2 + warmUp(prepared.run, protocol, warmUpStarted)
    timings = timeRuns(prepared.run, protocol)
  } finally {
    prepared.dispose()
  }
  return {
    id: workload.id,
    planner: workload.planner,
    backend: options.backend,
    msMedian: timings.median,
    msMin: timings.min,
    msMax: timings.max,
    runs: timings.milliseconds.length,
    warmUpRuns,
    tensorOpsPerRun,
    nativeCallsPerRun,
    compiledStepsPerRun,
    compileRefusal,
    leakedTensors: tf.memory().numTensors - tensorsAtStart
  }
}

/**
 * Makes `name` the active backend, or says why it cannot be: resolution falls back to another
 * backend when the wanted one fails to load, and a comparison must not time the fallback under the
 * wanted one's name.
 */
const switchTo = async (name: BackendName): Promise<string | undefined> => {
  const choice = await Effect.runPromise(resolveBackend({ preferred: name }))
  return choice.name === name ? undefined : (choice.notices[0] ?? `backend ${name} could not be activated`)
}

/** The backends compared when the user names none: the active one, then `wasm` (telos's fallback). */
export const defaultComparedBackends = (active: BackendName): ReadonlyArray<BackendName> =>
  active === "wasm" ? ["wasm"] : [active, "wasm"]

/** Options of {@link makePerfSuite}. */
export interface PerfSuiteOptions {
  /** The ids of the workloads to run, in this order; every workload of the catalog by default. */
  readonly workloads?: ReadonlyArray<string>
  /** The workloads the ids refer to; the fixed ones unless a test substitutes smaller ones. */
  readonly catalog?: ReadonlyArray<PerfWorkload>
  /** How runs are timed (default `defaultTimingProtocol`). */
  readonly timing?: TimingProtocol
  /** Counts each workload's kernels on its warm-up run (true by default). */
  readonly countKernels?: boolean
}

const milliseconds = (value: number): string => value.toFixed(value < 10 ? 2 : 1)

const perfColumn = (title: string, cell: (row: PerfRow) => string): SummaryColumn => ({
  title,
  cell: (row) => cell(row as PerfRow)
})

/**
 * Builds the `perf` suite. Unknown workload ids fail here, before anything runs.
 *
 * @example
 * ```ts
 * const quick = makePerfSuite({ workloads: ["jepa-train-256x8"], timing: { minRuns: 3, maxRuns: 3, budgetSeconds: 0 } })
 * ```
 */
export const makePerfSuite = (options: PerfSuiteOptions = {}): Suite => {
  const catalog = options.catalog ?? perfWorkloads.workloads
  const selected = (options.workloads ?? catalog.map(({ id }) => id)).map((id) =>
    findPerfWorkload(id, catalog)
  )
  const timing = options.timing ?? defaultTimingProtocol
  const warmUpSettings = warmUpRule(timing)
  const countKernels = options.countKernels ?? true
  // Backends that could not be activated in the last run, reported by the checks.
  const unavailable: Array<string> = []
  return {
    id: "perf",
    description:
      "Performance: the fixed planning and training workloads of perf-workloads.json, median ms per run",
    protocol: {
      source: "perf-workloads.json (a copy is embedded in @telos/bench as perf/Workloads.ts)",
      worldModel: perfWorkloads.worldModel,
      cost: perfWorkloads.cost,
      actionBounds: perfWorkloads.actionBounds,
      workloads: selected,
      timedRegion:
        "one whole run of the workload, from its first random sample to its result read back to host memory",
      untimed: `building the model, start, goal, batch and optimiser; warm-up runs: the first, then more for ${warmUpSettings.seconds} s, at most ${warmUpSettings.maxRuns} in all`,
      timing: `at least ${timing.minRuns} runs, more while under ${timing.budgetSeconds} s of timed runs, at most ${timing.maxRuns}; msMedian is their median (the PyTorch reference's rule)`,
      ...timing,
      tensorOpsPerRun: countKernels
        ? "kernels launched by the warm-up run, counted with tf.profile (a compiled step launches none)"
        : "not counted",
      nativeCallsPerRun: "calls into ONNX Runtime during the second warm-up run (a compiled step is one)",
      compiledStepsPerRun:
        "steps of the second warm-up run replayed as one native call each; each run records its first iteration on kernels",
      leakedTensors: "tf.memory().numTensors after the workload is released, minus before it was built",
      seed: "--seed (default 0) fixes the weights, start, goal, training batch and every sample"
    },
    columns: [
      perfColumn("id", (row) => row.id),
      perfColumn("backend", (row) => row.backend),
      perfColumn("median ms", (row) => milliseconds(row.msMedian)),
      perfColumn("min ms", (row) => milliseconds(row.msMin)),
      perfColumn("runs", (row) => String(row.runs)),
      perfColumn("ops/run", (row) => (row.tensorOpsPerRun === null ? "-" : String(row.tensorOpsPerRun))),
      perfColumn("native calls/run", (row) =>
        row.nativeCallsPerRun === null ? "-" : String(row.nativeCallsPerRun)
      ),
      perfColumn("compiled steps/run", (row) => String(row.compiledStepsPerRun))
    ],
    checks: (rows) => [
      {
        description: "no workload leaks tensors",
        passed: rows.every((row) => (row as PerfRow).leakedTensors === 0)
      },
      ...unavailable.map((notice) => ({
        description: `every backend compared ran (${notice})`,
        passed: false
      }))
    ],
    timingFields: ["msMedian", "msMin", "msMax", "warmUpRuns", "runs"],
    skipsFinishedRows: true,
    run: async function* (context) {
      unavailable.length = 0
      // Rows a resumed run has: their workloads are not timed again.
      let finished = context.resumeAfter ?? 0
      const backends = context.backends ?? defaultComparedBackends(context.backend)
      const total = backends.length * selected.length
      try {
        for (const [backendIndex, backend] of backends.entries()) {
          const problem = await switchTo(backend)
          if (problem !== undefined) {
            unavailable.push(problem)
            continue
          }
          for (const [index, workload] of selected.entries()) {
            if (finished > 0) {
              finished--
              continue
            }
            context.progress(`${workload.id} on ${backend}`, (backendIndex * selected.length + index) / total)
            yield await measureWorkload(workload, { seed: context.seed, backend, timing, countKernels })
          }
        }
      } finally {
        if (backends.some((backend) => backend !== context.backend)) await switchTo(context.backend)
      }
    }
  }
}

/** The `perf` suite over all five fixed workloads. */
export const perfSuite: Suite = makePerfSuite()
