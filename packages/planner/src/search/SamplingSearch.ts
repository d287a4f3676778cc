/**
 * The search loop of the sampling planners (CEM, MPPI): per problem a distribution over action
 * sequences is sampled, every candidate of every problem is scored in one rollout, the best
 * sequence seen is kept, and the planner's own `refit` moves the distribution. Sample 0 of every
 * set is the mean itself, so a warm start and every refitted mean are scored too.
 *
 * @module
 */
import type { Plan, PlanningProblem, Random } from "@telos/core"
import { compileStep, rollout } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { repeatRows } from "./GradientPlanner.js"
import { disposeReplaced, keepBest, packPlan, readPlan, validateProblem } from "./PlanReadback.js"
import { startingActions } from "./StartingPlan.js"

/** A Gaussian over action sequences per problem: mean and standard deviation, each `[T, N, A]`. */
export interface SequenceDistribution {
  /** Mean action sequences `[T, N, A]`. */
  readonly mean: tf.Tensor3D
  /** Standard deviations `[T, N, A]`. */
  readonly std: tf.Tensor3D
}

/** One scored sample set: candidates `[T, N, S, A]` (inside the box) and their costs `[N, S]`. */
export interface ScoredSamples {
  /** Sampled action sequences `[T, N, S, A]`. */
  readonly candidates: tf.Tensor4D
  /** Their costs `[N, S]`. */
  readonly costs: tf.Tensor2D
}

/** How a sampling planner searches; `refit` is called inside `tf.tidy`. */
export interface SamplingSearch {
  /** Candidates sampled per problem in each set. */
  readonly samples: number
  /** Refits after the initial sample set; each is followed by a fresh, scored sample set. */
  readonly iterations: number
  /** The first distribution's standard deviation, in units of the half-width of the action box. */
  readonly initialStd: number
  /** The next distribution from the current one, the set sampled from it and the box's half-width `[A]`. */
  readonly refit: (
    distribution: SequenceDistribution,
    scored: ScoredSamples,
    halfWidth: tf.Tensor1D
  ) => SequenceDistribution
}

/**
 * The first mean sequence, time-major `[T, N, A]` on the host: the initial guess, or the previous
 * plan shifted one step (its last action repeated), otherwise the centre of the action box.
 *
 * @example
 * ```ts
 * const mean = initialMeanSequence({ model, initialStates, cost, horizon: 16, warmStart: previous })
 * mean.length // 16 * N * A
 * ```
 */
export const initialMeanSequence = (problem: PlanningProblem): Float32Array => {
  const { model, horizon } = problem
  const start = startingActions(problem)
  const problems = problem.initialStates.shape[0]
  const { low, high, size: actionSize } = model.actionSpace
  const mean = new Float32Array(horizon * problems * actionSize)
  for (let step = 0; step < horizon; step++) {
    for (let problemIndex = 0; problemIndex < problems; problemIndex++) {
      for (let dimension = 0; dimension < actionSize; dimension++) {
        mean[(step * problems + problemIndex) * actionSize + dimension] =
          start === undefined
            ? ((low[dimension] as number) + (high[dimension] as number)) / 2
            : (start[(problemIndex * horizon + step) * actionSize + dimension] as number)
      }
    }
  }
  return mean
}

/** What the search carries between sample sets; every tensor is owned by the loop. */
type SamplingState = {
  readonly mean: tf.Tensor3D
  readonly std: tf.Tensor3D
  readonly candidates: tf.Tensor4D
  readonly costs: tf.Tensor2D
  readonly bestActions: tf.Tensor3D
  readonly bestCost: tf.Tensor1D
  readonly initialCost: tf.Tensor1D
}

/**
 * The loop every sampling planner shares. It samples `samples` sequences per problem around the
 * distribution (sample 0 is the mean itself, so the warm start and every refitted mean compete),
 * clips them to the action box, scores all `N * samples` in one rollout, keeps the cheapest seen
 * per problem, and refits `iterations` times. The plan is the cheapest sequence seen; its
 * `initialCost` is the best of the first set, and the trace holds the mean best cost after the
 * first set and after each refit. Noise is drawn from `rng`, one seed per set.
 *
 * @example
 * ```ts
 * const plan = planBySampling(problem, Random.fromSeed(0), {
 *   samples: 64,
 *   iterations: 4,
 *   initialStd: 0.5,
 *   refit: (distribution) => distribution // random shooting around a fixed Gaussian
 * })
 * ```
 */
export const planBySampling = (problem: PlanningProblem, rng: Random, search: SamplingSearch): Plan => {
  const { samples, iterations } = search
  const { problems, latentSize } = validateProblem(problem, { count: samples, field: "samples" })
  const { model, cost, horizon } = problem
  const actionSize = model.actionSpace.size
  const candidateCount = problems * samples
  const mean = initialMeanSequence(problem)

  const constants = tf.tidy(() => {
    const low = tf.tensor1d(Float32Array.from(model.actionSpace.low))
    const high = tf.tensor1d(Float32Array.from(model.actionSpace.high))
    return {
      low,
      high,
      halfWidth: high.sub(low).div(2) as tf.Tensor1D,
      // Zero for sample 0, so the mean is scored as it is.
      noiseMask: tf
        .concat([tf.zeros([1]), tf.ones([samples - 1])])
        .reshape([1, 1, samples, 1]) as tf.Tensor4D,
      starts: repeatRows(problem.initialStates, samples),
      firstRows: tf.range(0, candidateCount, samples, "int32") as tf.Tensor1D
    }
  })
  // The noise of one set, drawn outside any compiled step (which would keep one draw as a constant).
  const drawNoise = (): tf.Tensor4D =>
    tf.randomNormal([horizon, problems, samples, actionSize], 0, 1, "float32", rng.seed())
  // Samples and scores one set; call inside tf.tidy.
  const sampleAndScore = (distribution: SequenceDistribution, noise: tf.Tensor4D): ScoredSamples => {
    const candidates = distribution.mean
      .expandDims(2)
      .add(distribution.std.expandDims(2).mul(noise.mul(constants.noiseMask)))
      .maximum(constants.low)
      .minimum(constants.high) as tf.Tensor4D
    const flat = candidates.reshape([horizon, candidateCount, actionSize]) as tf.Tensor3D
    const raw = cost.evaluate(rollout(model, constants.starts, flat), flat)
    // A NaN cost would win argMin and poison the refit; as infinity it simply loses.
    const costs = tf.where(raw.isNaN(), tf.fill(raw.shape, Number.POSITIVE_INFINITY), raw)
    return { candidates, costs: costs.reshape([problems, samples]) as tf.Tensor2D }
  }
  // The cheapest candidate of each problem in a set: its actions [T, N, A] and cost [N].
  const cheapestOf = (scored: ScoredSamples) => {
    const rows = constants.firstRows.add(scored.costs.argMin(1))
    const flat = scored.candidates.reshape([horizon, candidateCount, actionSize])
    return {
      actions: flat.gather(rows, 1) as tf.Tensor3D,
      cost: scored.costs.reshape([candidateCount]).gather(rows) as tf.Tensor1D
    }
  }
  const meanOfBest = (bestCost: tf.Tensor1D): tf.Scalar => tf.tidy(() => bestCost.mean())
  const trace: Array<tf.Scalar> = []
  let state: SamplingState | undefined
  let packed: tf.Tensor1D | undefined
  try {
    state = tf.tidy(() => {
      const distribution = {
        mean: tf.tensor3d(mean, [horizon, problems, actionSize]),
        std: tf.ones([horizon, problems, actionSize]).mul(constants.halfWidth.mul(search.initialStd))
      } as SequenceDistribution
      const noise = drawNoise()
      const scored = sampleAndScore(distribution, noise)
      const cheapest = cheapestOf(scored)
      return {
        ...distribution,
        ...scored,
        bestActions: cheapest.actions,
        bestCost: cheapest.cost,
        initialCost: cheapest.cost.clone()
      }
    })
    trace.push(meanOfBest(state.bestCost))
    // One refit and the set sampled from it: a compiled step where the backend compiles (one
    // native call per iteration), with the set's noise as an argument.
    const refitAndSample = compileStep(([mean, std, candidates, costs, bestActions, bestCost, noise]) => {
      const distribution = search.refit(
        { mean: mean as tf.Tensor3D, std: std as tf.Tensor3D },
        { candidates: candidates as tf.Tensor4D, costs: costs as tf.Tensor2D },
        constants.halfWidth
      )
      const scored = sampleAndScore(distribution, noise as tf.Tensor4D)
      const cheapest = cheapestOf(scored)
      const best = keepBest(cheapest.cost, cheapest.actions, {
        bestActions: bestActions as tf.Tensor3D,
        bestCost: bestCost as tf.Tensor1D
      })
      return [
        distribution.mean,
        distribution.std,
        scored.candidates,
        scored.costs,
        best.bestActions,
        best.bestCost,
        meanOfBest(best.bestCost)
      ]
    })
    for (let iteration = 0; iteration < iterations; iteration++) {
      const previous: SamplingState = state
      const noise = drawNoise()
      let results: Array<tf.Tensor>
      try {
        results = refitAndSample.run([
          previous.mean,
          previous.std,
          previous.candidates,
          previous.costs,
          previous.bestActions,
          previous.bestCost,
          noise
        ])
      } finally {
        noise.dispose()
      }
      const [mean, std, candidates, costs, bestActions, bestCost, meanBest] = results as [
        tf.Tensor3D,
        tf.Tensor3D,
        tf.Tensor4D,
        tf.Tensor2D,
        tf.Tensor3D,
        tf.Tensor1D,
        tf.Scalar
      ]
      const next: SamplingState = {
        mean,
        std,
        candidates,
        costs,
        bestActions,
        bestCost,
        initialCost: previous.initialCost
      }
      disposeReplaced(previous, next)
      state = next
      trace.push(meanBest)
    }
    const final: SamplingState = state
    packed = tf.tidy(() =>
      packPlan(problem, final.bestActions, final.bestCost, final.initialCost, tf.stack(trace) as tf.Tensor1D)
    )
  } finally {
    if (state !== undefined) tf.dispose(Object.values(state))
    tf.dispose(trace)
    tf.dispose(Object.values(constants))
  }
  return readPlan(packed, { problems, horizon, actionSize, latentSize, traceLength: iterations + 1 })
}
