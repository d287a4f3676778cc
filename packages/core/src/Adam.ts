/**
 * Adam (Kingma & Ba, 2015) as one pass over each parameter in host memory, for backends whose
 * tensors live in host memory.
 *
 * TensorFlow.js's Adam runs about thirteen element-wise kernels per parameter and step (the two
 * moments, their bias corrections, the update), each a pass over the parameter and, on the
 * WebAssembly-based backends, a kernel call with its own bookkeeping. A training step of a small
 * model has a dozen parameters: some 160 kernel calls per step that one loop per parameter does in
 * a single pass. On a GPU backend the read-back to the host would cost more than it saves, so
 * {@link adamOptimizer} picks TensorFlow.js's Adam there.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs"

/** Adam's settings; the defaults are Kingma & Ba's (and PyTorch's). */
export interface AdamSettings {
  /** The step size. */
  readonly learningRate: number
  /** Decay rate of the first-moment (mean) estimate; 0.9 by default. */
  readonly beta1?: number
  /** Decay rate of the second-moment (uncentred variance) estimate; 0.999 by default. */
  readonly beta2?: number
  /** Added to the denominator for numerical stability; 1e-8 by default. */
  readonly epsilon?: number
}

/**
 * What the WebAssembly-based backends (`wasm`, `native`) offer: views of a tensor's values on
 * their heap, read here without a copy.
 */
interface HeapBackend {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array
}

const heapBackend = (): HeapBackend | undefined => {
  const backend = tf.backend() as unknown as Partial<HeapBackend>
  return typeof backend.typedArrayFromHeap === "function" ? (backend as HeapBackend) : undefined
}

/** The first and second moments of one parameter. */
/** Adam's running estimates for one variable. */
export interface Moments {
  /** The first moment (mean of the gradients). */
  readonly first: Float32Array
  /** The second moment (uncentred variance of the gradients). */
  readonly second: Float32Array
}

/**
 * Adam with its moments in host memory, updating each parameter in one loop. Same update as
 * `tf.train.adam` (bias-corrected moments, `epsilon` added to the corrected second moment's root),
 * to float32 rounding.
 *
 * @example
 * ```ts
 * const optimizer = new HostAdamOptimizer({ learningRate: 1e-3 })
 * optimizer.minimize(() => loss(), false, parameters)
 * optimizer.dispose()
 * ```
 */
export class HostAdamOptimizer extends tf.Optimizer {
  /** The class name TensorFlow.js's serialisation registry uses. */
  static get className(): string {
    return "HostAdam"
  }

  /** The step size. */
  readonly learningRate: number
  /** Decay rate of the first-moment (mean) estimate. */
  readonly beta1: number
  /** Decay rate of the second-moment (uncentred variance) estimate. */
  readonly beta2: number
  /** Added to the denominator for numerical stability. */
  readonly epsilon: number
  private readonly moments = new Map<string, Moments>()
  private steps = 0

  constructor(settings: AdamSettings) {
    super()
    this.learningRate = settings.learningRate
    const rates = adamRatesOf(settings)
    this.beta1 = rates.beta1
    this.beta2 = rates.beta2
    this.epsilon = rates.epsilon
  }

  override applyGradients(
    gradients: tf.NamedTensorMap | Array<{ readonly name: string; readonly tensor: tf.Tensor }>
  ): void {
    const named: Array<readonly [string, tf.Tensor | undefined]> = Array.isArray(gradients)
      ? gradients.map(({ name, tensor }) => [name, tensor] as const)
      : Object.entries(gradients)
    this.steps++
    const firstCorrection = 1 / (1 - this.beta1 ** this.steps)
    const secondCorrection = 1 / (1 - this.beta2 ** this.steps)
    const heap = heapBackend()
    for (const [name, gradient] of named) {
      if (gradient === undefined || gradient === null) continue
      const variable = tf.engine().registeredVariables[name]
      if (variable === undefined) continue
      const moments = this.momentsOf(name, variable.size)
      // The new values go into a new tensor: the backends assume a tensor's values never change
      // (WebAssembly's products cache their packed weights by the tensor's data), so the update
      // must not write into the variable's own memory. Reading it needs no copy.
      const values = new Float32Array(variable.size)
      const readable = heap !== undefined && variable.dtype === "float32" && gradient.dtype === "float32"
      values.set(readable ? heap.typedArrayFromHeap(variable) : (variable.dataSync() as Float32Array))
      const gradientValues = readable
        ? heap.typedArrayFromHeap(gradient)
        : (gradient.dataSync() as Float32Array)
      this.update(values, gradientValues, moments, firstCorrection, secondCorrection)
      const updated = tf.tensor(values, variable.shape, "float32")
      variable.assign(updated)
      updated.dispose()
    }
    this.incrementIterations()
  }

  /**
   * Continues a run of Adam made elsewhere: `steps` steps taken, and each variable's moment
   * estimates by variable name (a compiled step that had to fall back hands over its state).
   */
  resumeFrom(steps: number, moments: ReadonlyMap<string, Moments>): void {
    this.steps = steps
    this.moments.clear()
    for (const [name, { first, second }] of moments) {
      this.moments.set(name, { first: Float32Array.from(first), second: Float32Array.from(second) })
    }
  }

  private momentsOf(name: string, size: number): Moments {
    const existing = this.moments.get(name)
    if (existing !== undefined && existing.first.length === size) return existing
    const created = { first: new Float32Array(size), second: new Float32Array(size) }
    this.moments.set(name, created)
    return created
  }

  private update(
    values: Float32Array,
    gradient: Float32Array,
    moments: Moments,
    firstCorrection: number,
    secondCorrection: number
  ): void {
    const { first, second } = moments
    const { beta1, beta2, epsilon } = this
    const keep1 = 1 - beta1
    const keep2 = 1 - beta2
    // lr * (m c1) / (sqrt(v c2) + eps) with the corrections folded in: one root and one division.
    const stepSize = this.learningRate * firstCorrection
    const rootCorrection = Math.sqrt(secondCorrection)
    const size = values.length
    for (let index = 0; index < size; index++) {
      const g = gradient[index] as number
      const m = beta1 * (first[index] as number) + keep1 * g
      const v = beta2 * (second[index] as number) + keep2 * g * g
      first[index] = m
      second[index] = v
      values[index] = (values[index] as number) - (stepSize * m) / (Math.sqrt(v) * rootCorrection + epsilon)
    }
  }

  override dispose(): void {
    this.moments.clear()
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }
  }
}

/** Backends whose tensors live in host memory, where reading a gradient back is a copy. */
const hostBackends = new Set(["cpu", "wasm", "native"])

/**
 * An Adam optimiser for the active backend: {@link HostAdamOptimizer} on backends that keep
 * tensors in host memory, TensorFlow.js's own elsewhere (GPU backends).
 *
 * @example
 * ```ts
 * const optimizer = adamOptimizer({ learningRate: 1e-3 })
 * ```
 */
export const adamOptimizer = (settings: AdamSettings): tf.Optimizer => {
  if (hostBackends.has(tf.getBackend())) return new HostAdamOptimizer(settings)
  const { beta1, beta2, epsilon } = adamRatesOf(settings)
  return tf.train.adam(settings.learningRate, beta1, beta2, epsilon)
}

/** Adam's decay rates and epsilon, every one given (see {@link AdamSettings} for the defaults). */
export interface AdamRates {
  /** Decay rate of the first-moment estimate. */
  readonly beta1: number
  /** Decay rate of the second-moment estimate. */
  readonly beta2: number
  /** Added to the denominator's root. */
  readonly epsilon: number
}

/**
 * The decay rates and epsilon of `settings`, defaults filled in (0.9, 0.999, 1e-8: PyTorch's).
 *
 * @example
 * ```ts
 * adamRatesOf({ learningRate: 1e-3 }).beta2 // 0.999
 * ```
 */
export const adamRatesOf = (settings: AdamSettings): AdamRates => ({
  beta1: settings.beta1 ?? 0.9,
  beta2: settings.beta2 ?? 0.999,
  epsilon: settings.epsilon ?? 1e-8
})

/** Adam's moments after one more gradient, and the direction of its step before the step size. */
export interface AdamMoments {
  /** The new first moment. */
  readonly first: tf.Tensor
  /** The new second moment. */
  readonly second: tf.Tensor
  /** `(first / correction1) / (sqrt(second / correction2) + epsilon)`: scale it, then subtract. */
  readonly direction: tf.Tensor
}

/**
 * One Adam update (PyTorch's form) as tensor operations, for steps that compile into one graph,
 * where the host loop of {@link HostAdamOptimizer} cannot run. The bias corrections are tensors
 * (see {@link adamCorrections}) so that a compiled step takes them as arguments.
 *
 * @example
 * ```ts
 * const { first, second, direction } = adamMoments(m, v, gradient, c1, c2, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
 * const next = parameter.sub(direction.mul(learningRate))
 * ```
 */
export const adamMoments = (
  first: tf.Tensor,
  second: tf.Tensor,
  gradient: tf.Tensor,
  correction1: tf.Scalar,
  correction2: tf.Scalar,
  rates: AdamRates
): AdamMoments => {
  const m = first.mul(rates.beta1).add(gradient.mul(1 - rates.beta1))
  const v = second.mul(rates.beta2).add(gradient.square().mul(1 - rates.beta2))
  return {
    first: m,
    second: v,
    direction: m.div(correction1).div(v.div(correction2).sqrt().add(rates.epsilon))
  }
}

/**
 * Adam's bias corrections for step `step` (counted from 1), `1 - beta1^step` and `1 - beta2^step`,
 * as scalars the caller disposes.
 *
 * @example
 * ```ts
 * const [c1, c2] = adamCorrections(step, rates)
 * ```
 */
export const adamCorrections = (
  step: number,
  rates: Pick<AdamRates, "beta1" | "beta2">
): [tf.Scalar, tf.Scalar] => [tf.scalar(1 - rates.beta1 ** step), tf.scalar(1 - rates.beta2 ** step)]
