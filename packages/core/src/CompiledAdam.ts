/**
 * A training step as one compiled step: the loss, its gradients with respect to the variables and
 * Adam's update, recorded once and replayed as one native call per step where the backend compiles
 * steps (see {@link compileStep}).
 *
 * Where it cannot (no step tracer on the backend, or a loss the tracer cannot compile, such as one
 * whose kernels have no compiled form), the step runs as {@link HostAdamOptimizer} does, taking over
 * the moments the first step built; the results are the same either way, to float32 rounding.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"
import {
  type AdamSettings,
  adamCorrections,
  adamMoments,
  adamOptimizer,
  adamRatesOf,
  HostAdamOptimizer,
  type Moments
} from "./Adam.js"
import { type CompiledStepStatus, compileStep, stepsCompileOn } from "./CompiledStep.js"

/** What a loss returns: the scalar to minimise and any other tensors to hand back (logged terms). */
export interface LossWithTerms {
  /** The value minimised. */
  readonly total: tf.Scalar
  /** Tensors returned beside it, computed in the same pass (they carry no gradient). */
  readonly terms?: ReadonlyArray<tf.Tensor>
}

/**
 * A loss over the step's inputs. It reads the variables it trains directly; everything that
 * changes from step to step (the batch, targets) must come in through `inputs`, since a compiled
 * step replays with the tensors it recorded otherwise.
 */
export type TrainingLoss = (inputs: ReadonlyArray<tf.Tensor>) => LossWithTerms

/** What one step of {@link CompiledAdam} returns; the caller owns the tensors. */
export interface AdamStepResult {
  /** The loss before the step. */
  readonly total: tf.Scalar
  /** The loss's other tensors (its logged terms), from the same pass. */
  readonly terms: Array<tf.Tensor>
}

/** Adam over fixed variables and one loss, compiled where the backend can. */
export interface CompiledAdam {
  /**
   * One step on `inputs`: returns the loss before the step and its terms, which the caller owns;
   * the variables hold their updated values afterwards.
   */
  readonly minimize: (inputs: ReadonlyArray<tf.Tensor>) => AdamStepResult
  /** How the steps have run: compiled, or on kernels (and why). */
  readonly status: () => CompiledStepStatus
  /** Steps taken. */
  readonly steps: () => number
  /** Frees the moment estimates. */
  readonly dispose: () => void
}

/**
 * Adam (PyTorch's form: bias-corrected moments, `epsilon` outside the root) minimising `loss` over
 * `variables`, each step one compiled call where the backend compiles steps.
 *
 * @example
 * ```ts
 * const adam = compiledAdam({ learningRate: 1e-3 }, variables, ([x, y]) => ({ total: mse(model(x), y) }))
 * const { total } = adam.minimize([batchX, batchY])
 * console.log(total.dataSync()[0]); total.dispose()
 * ```
 */
export const compiledAdam = (
  settings: AdamSettings,
  variables: ReadonlyArray<tf.Variable>,
  loss: TrainingLoss
): CompiledAdam => {
  const rates = adamRatesOf(settings)
  const count = variables.length
  let steps = 0
  let host: tf.Optimizer | undefined
  let termCount = 0
  let first: Array<tf.Tensor> = variables.map((variable) => tf.keep(tf.zerosLike(variable)))
  let second: Array<tf.Tensor> = variables.map((variable) => tf.keep(tf.zerosLike(variable)))
  const releaseMoments = (): void => {
    tf.dispose([...first, ...second])
    first = []
    second = []
  }
  // The loss's total, with its other tensors kept past the optimiser's scope into `terms`.
  const totalKeepingTerms = (inputs: ReadonlyArray<tf.Tensor>, terms: Array<tf.Tensor>): tf.Scalar => {
    const out = loss(inputs)
    for (const term of out.terms ?? []) terms.push(tf.keep(term))
    return out.total
  }
  const step = compileStep((args) => {
    const current = args.slice(0, count) as Array<tf.Variable>
    const firstMoments = args.slice(count, 2 * count)
    const secondMoments = args.slice(2 * count, 3 * count)
    const [correction1, correction2] = args.slice(3 * count, 3 * count + 2) as [tf.Scalar, tf.Scalar]
    const inputs = args.slice(3 * count + 2)
    const terms: Array<tf.Tensor> = []
    const { value, grads } = tf
      .engine()
      .gradients(() => totalKeepingTerms(inputs, terms), current, undefined, true)
    termCount = terms.length
    const updated: Array<tf.Tensor> = []
    const nextFirst: Array<tf.Tensor> = []
    const nextSecond: Array<tf.Tensor> = []
    current.forEach((variable, index) => {
      const gradient = grads[index]
      const m = firstMoments[index] as tf.Tensor
      const v = secondMoments[index] as tf.Tensor
      if (gradient === undefined || gradient === null) {
        updated.push(variable)
        nextFirst.push(m)
        nextSecond.push(v)
        return
      }
      const moments = adamMoments(m, v, gradient, correction1, correction2, rates)
      updated.push(variable.sub(moments.direction.mul(settings.learningRate)))
      nextFirst.push(moments.first)
      nextSecond.push(moments.second)
    })
    return [value, ...terms, ...updated, ...nextFirst, ...nextSecond]
  })

  const handOver = (): HostAdamOptimizer => {
    const optimizer = new HostAdamOptimizer(settings)
    const moments = new Map<string, Moments>()
    variables.forEach((variable, index) => {
      moments.set(variable.name, {
        first: (first[index] as tf.Tensor).dataSync() as Float32Array,
        second: (second[index] as tf.Tensor).dataSync() as Float32Array
      })
    })
    optimizer.resumeFrom(steps, moments)
    releaseMoments()
    return optimizer
  }

  const onHost = (optimizer: tf.Optimizer, inputs: ReadonlyArray<tf.Tensor>) => {
    const terms: Array<tf.Tensor> = []
    const total = optimizer.minimize(() => totalKeepingTerms(inputs, terms), true, [
      ...variables
    ]) as tf.Scalar
    steps++
    return { total, terms }
  }

  return {
    minimize: (inputs) => {
      // Without a step compiler from the start, the backend's own choice of Adam (see adamOptimizer).
      if (host === undefined && steps === 0 && !stepsCompileOn(tf.getBackend())) {
        releaseMoments()
        host = adamOptimizer(settings)
      }
      if (host !== undefined) return onHost(host, inputs)
      const corrections = adamCorrections(steps + 1, rates)
      let results: Array<tf.Tensor>
      try {
        results = step.run([...variables, ...first, ...second, ...corrections, ...inputs])
      } finally {
        tf.dispose(corrections)
      }
      steps++
      const total = results[0] as tf.Scalar
      const terms = results.slice(1, 1 + termCount)
      const rest = results.slice(1 + termCount)
      // Never the variables themselves: a compiled step hands back new tensors.
      rest.slice(0, count).forEach((value, index) => {
        ;(variables[index] as tf.Variable).assign(value)
        value.dispose()
      })
      releaseMoments()
      first = rest.slice(count, 2 * count)
      second = rest.slice(2 * count, 3 * count)
      // A first step that could not be compiled hands its state to the host optimiser, which is
      // what the kernels would otherwise run far slower (one kernel per operation per variable).
      if (step.status().reason !== undefined) host = handOver()
      return { total, terms }
    },
    status: step.status,
    steps: () => steps,
    dispose: () => {
      releaseMoments()
      host?.dispose()
    }
  }
}
