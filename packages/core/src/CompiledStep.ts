/**
 * Compiled steps: a loop body (one planning iteration, one training step) that runs as one native
 * call on backends that can compile it, and as ordinary TensorFlow.js kernels everywhere else.
 *
 * A planning iteration is hundreds of kernel calls, each paying JavaScript dispatch, gradient
 * bookkeeping and a call into the backend. A backend with a step tracer (`native`) records the
 * first run of the step, compiles the record into one graph and replays the graph for later runs
 * of the same shapes. The record is the step as the user's world model and cost wrote it: nothing
 * is written by hand per model.
 *
 * What a step must be for its replay to equal its kernels:
 *
 * - a function of its arguments and of tensors it reads from outside (a model's weights), which
 *   must stay alive while the step is used;
 * - numbers and tables it turns into tensors keep the values they had when it was recorded: a
 *   value that changes from run to run (an optimiser's bias correction) must be an argument;
 * - no reading values back in the middle (`dataSync`), no JavaScript loops over tensor memory and
 *   no random numbers drawn inside (pass the noise in): the recording sees all three and the step
 *   then stays on kernels, as it does when a kernel has no compiled form.
 *
 * - JavaScript the step runs (a counter, a log line) runs only when the step runs as kernels; an
 *   effect that must happen on every run is declared with {@link stepEffect}, which a replay
 *   repeats.
 *
 * `TELOS_COMPILE=0` keeps every step on kernels.
 *
 * @module
 */
import type { KernelCallCounts, StepReplay, StepTracer, TensorStep, TracedStep } from "@telos/native"
import * as tf from "@tensorflow/tfjs"

// The contract between this module and a backend's compiler is `@telos/native`'s (types only:
// nothing of that Node-only package is loaded here).
export type { KernelCallCounts, StepReplay, StepTracer, TensorStep, TracedStep } from "@telos/native"

const tracers = new Map<string, StepTracer>()

/**
 * Makes `tracer` compile steps while the TensorFlow.js backend `backendName` is active; `undefined`
 * removes it. The backend resolution registers the `native` backend's own.
 *
 * @example
 * ```ts
 * registerStepTracer("native", nativeStepTracer())
 * ```
 */
export const registerStepTracer = (backendName: string, tracer: StepTracer | undefined): void => {
  if (tracer === undefined) tracers.delete(backendName)
  else tracers.set(backendName, tracer)
}

const compilingEnabled = (): boolean =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TELOS_COMPILE !==
  "0"

/**
 * Whether steps compile while the backend `backendName` is active: it has a step tracer and
 * `TELOS_COMPILE` is not `0`.
 *
 * @example
 * ```ts
 * if (stepsCompileOn(tf.getBackend())) console.log("one native call per planning iteration")
 * ```
 */
export const stepsCompileOn = (backendName: string): boolean => compilingEnabled() && tracers.has(backendName)

/** How a compiled step has run so far. */
export interface CompiledStepStatus {
  /** Runs as one native call. */
  readonly compiledRuns: number
  /** Runs kernel by kernel (recorded ones included). */
  readonly kernelRuns: number
  /** Why the latest recording could not be compiled; `undefined` when it could, or none was made. */
  readonly reason: string | undefined
  /** Kernel calls of the latest recording, and how many the compiled graph kept. */
  readonly kernelCalls: KernelCallCounts | undefined
}

/** A step that compiles itself where it can. */
export interface CompiledStep {
  /** Runs the step; the caller owns the results (new tensors, never the arguments themselves). */
  readonly run: (args: ReadonlyArray<tf.Tensor>) => Array<tf.Tensor>
  /** How it has run so far. */
  readonly status: () => CompiledStepStatus
}

const totals = { compiledRuns: 0, kernelRuns: 0, refusals: new Map<string, number>() }

/** How every compiled step of this process has run: what {@link compiledStepTotals} returns. */
export interface CompiledStepTotals {
  /** Runs as one native call. */
  readonly compiledRuns: number
  /** Runs kernel by kernel (recorded ones included). */
  readonly kernelRuns: number
  /** Why recordings could not be compiled, with how many times each reason came up. */
  readonly refusals: ReadonlyMap<string, number>
}

/**
 * How every compiled step of this process has run so far: the perf suite reports it, and a run
 * that expected compiled steps can see why it got kernels.
 *
 * @example
 * ```ts
 * const { compiledRuns, kernelRuns, refusals } = compiledStepTotals()
 * ```
 */
export const compiledStepTotals = (): CompiledStepTotals => ({
  compiledRuns: totals.compiledRuns,
  kernelRuns: totals.kernelRuns,
  refusals: new Map(totals.refusals)
})

let recordingEffects: Array<() => void> | undefined

/**
 * Runs `effect` now and, when a compiled step is recording, on each of its replays too: the way a
 * step's JavaScript side effects (counting a world model's predictions) survive compilation.
 *
 * @example
 * ```ts
 * step: (states, actions) => {
 *   stepEffect(() => { predictions += states.shape[0] })
 *   return model.step(states, actions)
 * }
 * ```
 */
export const stepEffect = (effect: () => void): void => {
  effect()
  recordingEffects?.push(effect)
}

const shapeKey = (args: ReadonlyArray<tf.Tensor>): string =>
  args.map((arg) => `${arg.dtype}[${arg.shape.join(",")}]`).join(";")

/**
 * `step` as a {@link CompiledStep}: on a backend with a step tracer the first run of each shape
 * is recorded and later runs replay the compiled graph; otherwise (or when the recording cannot be
 * compiled, see the module's notes) every run is ordinary kernels, inside `tf.tidy`.
 *
 * @example
 * ```ts
 * const adamStep = compileStep(([x, m]) => { ...; return [nextX, nextM] })
 * for (let i = 0; i < 20; i++) [x, m] = adamStep.run([x, m]) // dispose the old ones
 * ```
 */
export const compileStep = (step: TensorStep): CompiledStep => {
  let replay: StepReplay | undefined
  let effects: ReadonlyArray<() => void> = []
  let refusedShapes: string | undefined
  let reason: string | undefined
  let kernelCalls: CompiledStepStatus["kernelCalls"]
  let compiledRuns = 0
  let kernelRuns = 0
  const owned = (args: ReadonlyArray<tf.Tensor>, results: ReadonlyArray<tf.Tensor>): Array<tf.Tensor> =>
    results.map((result) => (args.includes(result) ? result.clone() : result))
  const onKernels = (args: ReadonlyArray<tf.Tensor>): Array<tf.Tensor> => {
    kernelRuns++
    totals.kernelRuns++
    return owned(
      args,
      tf.tidy(() => [...step(args)])
    )
  }
  return {
    run: (args) => {
      const tracer = compilingEnabled() ? tracers.get(tf.getBackend()) : undefined
      if (tracer === undefined) return onKernels(args)
      if (replay?.accepts(args) === true) {
        compiledRuns++
        totals.compiledRuns++
        const results = replay.run(args)
        for (const effect of effects) effect()
        return results
      }
      const shapes = shapeKey(args)
      if (refusedShapes === shapes) return onKernels(args)
      const recorded: Array<() => void> = []
      const outer = recordingEffects
      recordingEffects = recorded
      let traced: TracedStep
      try {
        traced = tracer.trace(step, args)
      } finally {
        recordingEffects = outer
      }
      effects = recorded
      kernelRuns++
      totals.kernelRuns++
      if (traced.reason !== undefined) {
        totals.refusals.set(traced.reason, (totals.refusals.get(traced.reason) ?? 0) + 1)
      }
      replay = traced.replay
      reason = traced.reason
      kernelCalls = traced.replay?.kernelCalls
      refusedShapes = traced.replay === undefined ? shapes : undefined
      return owned(args, traced.results)
    },
    status: () => ({ compiledRuns, kernelRuns, reason, kernelCalls })
  }
}
