/**
 * The cross-entropy method over discrete actions. In telos an environment with `Discrete(n)`
 * actions is planned for through a world model whose `actionSpace` is the box `[0, 1]^n` and whose
 * `step` takes one-hot rows; the control loop executes the argmax of each planned row. This planner
 * keeps, per problem and per step of the horizon, a probability vector over the `n` actions,
 * samples one-hot sequences from it, scores every candidate of every problem in one rollout, and
 * refits each step's probabilities to the action frequencies of the cheapest few (the elites).
 *
 * @module
 */
import type { Plan, Planner, PlanningProblem, Random } from "@telos/core"
import {
  type Complete,
  ConfigError,
  decodeConfigSync,
  InvalidValueError,
  rollout,
  withDefaults
} from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import { repeatRows } from "./GradientPlanner.js"
import { candidateCount } from "./Limits.js"
import {
  disposeReplaced,
  iterationsFor,
  keepBest,
  packPlan,
  readPlan,
  validateProblem
} from "./PlanReadback.js"
import { startingActions } from "./StartingPlan.js"

const positiveInteger = Schema.Int.check(Schema.isGreaterThan(0))
const nonNegativeInteger = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const share = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1))
const positiveShare = Schema.Number.check(Schema.isGreaterThan(0), Schema.isLessThanOrEqualTo(1))

/** The options of the categorical cross-entropy planner, as a Schema (every field optional, defaults below). */
export const CategoricalCemPlannerOptions = Schema.Struct({
  /**
   * Sequences per problem in each sample set; one of them is always the most likely sequence (the
   * argmax of every step's probabilities).
   */
  samples: Schema.optional(candidateCount),
  /** The cheapest sequences per problem the probabilities are refitted to; at most `samples`. */
  elites: Schema.optional(positiveInteger),
  /** Sample sets per plan; the probabilities are refitted between two sets. */
  iterations: Schema.optional(nonNegativeInteger),
  /**
   * Sample sets when the problem carries a warm start (the previous plan, shifted), which is
   * already near a good plan. Defaults to `iterations`.
   */
  warmStartIterations: Schema.optional(nonNegativeInteger),
  /** The share of the elites' action frequencies in each refit: `(1 - smoothing) * old + smoothing * new`. */
  smoothing: Schema.optional(positiveShare),
  /**
   * The probability a warm start or initial guess puts on its own action at each step, on top of
   * its share `(1 - warmStartWeight) / n` of the uniform distribution.
   */
  warmStartWeight: Schema.optional(share),
  /**
   * The share of probability spread uniformly over the actions in every distribution sampled from,
   * so that no action's probability ever reaches zero: each keeps at least `exploration / n`.
   */
  exploration: Schema.optional(positiveShare),
  /** The name reports show. */
  name: Schema.optional(Schema.NonEmptyString)
})

/** The decoded options with defaults filled in. */
export type CategoricalCemPlannerConfig = Complete<
  Omit<typeof CategoricalCemPlannerOptions.Type, "warmStartIterations">
> & {
  /** Sample sets with a warm start; `undefined`: as many as `iterations`. */
  readonly warmStartIterations: number | undefined
}

/** The defaults. */
export const defaultCategoricalCemPlannerConfig: CategoricalCemPlannerConfig = {
  samples: 128,
  elites: 16,
  iterations: 6,
  warmStartIterations: 3,
  smoothing: 0.7,
  warmStartWeight: 0.5,
  exploration: 0.02,
  name: "categorical-cem"
}

/**
 * Checks that the problem's model takes one-hot actions: its action space must be the box
 * `[0, 1]^n`. Returns `n`.
 */
const validateOneHotActions = (problem: PlanningProblem): number => {
  const { low, high, size } = problem.model.actionSpace
  for (let dimension = 0; dimension < size; dimension++) {
    if (low[dimension] !== 0 || high[dimension] !== 1) {
      throw new InvalidValueError({
        field: "problem.model.actionSpace",
        expected: `the box [0, 1]^${size} of one-hot rows (a Discrete(${size}) action space)`,
        received: `bounds [${low[dimension]}, ${high[dimension]}] in dimension ${dimension}`
      })
    }
  }
  return size
}

/**
 * The distributions a categorical search starts from and the sequence it scores first, both
 * time-major `[T, N, n]` on the host. With an initial guess (as it is) or a warm start (the previous
 * plan shifted one step, its last action repeated), each step puts `warmStartWeight` on the
 * action the start takes there (the argmax of its row) and spreads the rest uniformly; without
 * one, every step is uniform. Every distribution then keeps `exploration` spread uniformly. The
 * first sequence is the start's own actions as one-hot rows, or action 0 at every step without one
 * (the most likely sequence of the uniform distribution, ties going to the first action).
 *
 * @example
 * ```ts
 * const { probabilities, sequence } = startingCategorical({ model, initialStates, cost, horizon: 8, warmStart }, 0.5, 0.02)
 * probabilities.length // 8 * N * n
 * ```
 */
export const startingCategorical = (
  problem: PlanningProblem,
  warmStartWeight: number,
  exploration: number
): {
  /** The starting distributions, `[T, N, n]`. */
  readonly probabilities: Float32Array
  /** The sequence scored first, one-hot rows `[T, N, n]`. */
  readonly sequence: Float32Array
} => {
  const { horizon } = problem
  const problems = problem.initialStates.shape[0]
  const actions = problem.model.actionSpace.size
  const start = startingActions(problem)
  const probabilities = new Float32Array(horizon * problems * actions)
  const sequence = new Float32Array(horizon * problems * actions)
  const uniform = 1 / actions
  for (let step = 0; step < horizon; step++) {
    for (let problemIndex = 0; problemIndex < problems; problemIndex++) {
      const row = (step * problems + problemIndex) * actions
      let chosen = 0
      if (start !== undefined) {
        const source = (problemIndex * horizon + step) * actions
        for (let action = 1; action < actions; action++) {
          if ((start[source + action] as number) > (start[source + chosen] as number)) chosen = action
        }
      }
      sequence[row + chosen] = 1
      for (let action = 0; action < actions; action++) {
        const own =
          start === undefined
            ? uniform
            : (action === chosen ? warmStartWeight : 0) + (1 - warmStartWeight) * uniform
        probabilities[row + action] = (1 - exploration) * own + exploration * uniform
      }
    }
  }
  return { probabilities, sequence }
}

/** What the search carries between sample sets; every tensor is owned by the loop. */
type CategoricalState = {
  readonly probabilities: tf.Tensor3D
  readonly bestActions: tf.Tensor3D
  readonly bestCost: tf.Tensor1D
  readonly initialCost: tf.Tensor1D
}

/**
 * Builds a categorical cross-entropy-method planner for discrete actions, planned as one-hot rows
 * of a model whose action space is `[0, 1]^n`.
 *
 * Each plan starts from per-step probabilities (uniform, or concentrated on a warm start's or
 * initial guess's actions, see {@link startingCategorical}) and scores the most likely sequence
 * first: its cost is `initialCost` and the first entry of the trace. Then, `iterations` times
 * (`warmStartIterations` with a warm start), it draws `samples` one-hot sequences per problem
 * (Gumbel-max, seeded from `rng`; sample 0 is the argmax of every step, so the most likely
 * sequence always competes), scores all `N * samples` in one rollout, keeps the cheapest sequence
 * seen per problem, and refits every step's probabilities to the frequencies of the actions the
 * `elites` cheapest candidates take there: `(1 - smoothing) * old + smoothing * frequencies`, mixed
 * with `exploration` of the uniform distribution. The plan is the cheapest sequence seen, as exact
 * one-hot rows, never costlier than `initialCost`; the trace holds the mean best cost before the
 * first sample set and after each. The same seed gives the same plan on the same backend.
 *
 * Options are validated: a bad one raises a `ConfigError` naming it, and so do more `elites` than
 * `samples`. A model whose action space is not `[0, 1]^n` is an `InvalidValueError` naming
 * `problem.model.actionSpace`.
 *
 * @example
 * ```ts
 * // Discrete(5) actions (stay, right, left, up, down), one-hot into the model
 * const planner = categoricalCemPlanner({ samples: 128, elites: 16, iterations: 6 })
 * const plan = planner.plan(
 *   { model, initialStates, cost: goalCost({ goal: [[3, -2]], mode: "running" }), horizon: 6 },
 *   Random.fromSeed(0)
 * )
 * plan.actions // Float32Array [N, 6, 5], one-hot rows: execute the argmax of each
 * plan.cost[0] <= plan.initialCost[0] // always
 * ```
 */
export const categoricalCemPlanner = (options: typeof CategoricalCemPlannerOptions.Encoded = {}): Planner => {
  const source = "categorical cem planner options"
  const config = withDefaults(
    defaultCategoricalCemPlannerConfig,
    decodeConfigSync(CategoricalCemPlannerOptions, options, source)
  )
  if (config.elites > config.samples) {
    throw new ConfigError({
      source,
      issues: [
        { field: "elites", expected: `at most samples (${config.samples}), received ${config.elites}` }
      ]
    })
  }
  return {
    name: config.name,
    plan: (problem, rng) => planCategorically(problem, rng, config)
  }
}

const planCategorically = (
  problem: PlanningProblem,
  rng: Random,
  config: CategoricalCemPlannerConfig
): Plan => {
  const { samples, elites, smoothing, exploration } = config
  const { problems, latentSize } = validateProblem(problem, { count: samples, field: "samples" })
  const actionSize = validateOneHotActions(problem)
  const { model, cost, horizon } = problem
  const iterations = iterationsFor(problem, config)
  const candidateCount = problems * samples
  const start = startingCategorical(problem, config.warmStartWeight, exploration)

  // Scores sequences [T, B, n] from the problems' start states repeated B / N times; call inside tf.tidy.
  const score = (starts: tf.Tensor2D, sequences: tf.Tensor3D): tf.Tensor1D => {
    const raw = cost.evaluate(rollout(model, starts, sequences), sequences)
    // A NaN cost would win argMin and poison the refit; as infinity it simply loses.
    return tf.where(raw.isNaN(), tf.fill(raw.shape, Number.POSITIVE_INFINITY), raw) as tf.Tensor1D
  }
  const constants = tf.tidy(() => ({
    starts: repeatRows(problem.initialStates, samples),
    // Zero for sample 0, so it is the argmax of every step: the most likely sequence.
    noiseMask: tf.concat([tf.zeros([1]), tf.ones([samples - 1])]).reshape([1, 1, samples, 1]) as tf.Tensor4D,
    firstRows: tf.range(0, candidateCount, samples, "int32") as tf.Tensor1D
  }))
  // One sample set [T, N, S, n] of one-hot rows (Gumbel-max) and its costs [N, S]; call inside tf.tidy.
  const sampleAndScore = (probabilities: tf.Tensor3D) => {
    const uniform = tf
      .randomUniform([horizon, problems, samples, actionSize], 0, 1, "float32", rng.seed())
      // Keeps both logarithms finite.
      .clipByValue(1e-6, 1 - 1e-6)
    const gumbel = uniform.log().neg().log().neg().mul(constants.noiseMask)
    const choices = probabilities.log().expandDims(2).add(gumbel).argMax(3)
    const flatChoices = choices.reshape([horizon * candidateCount]) as tf.Tensor1D
    const candidates = tf
      .oneHot(flatChoices, actionSize)
      .toFloat()
      .reshape([horizon, candidateCount, actionSize]) as tf.Tensor3D
    const costs = score(constants.starts, candidates)
    return { candidates, costs: costs.reshape([problems, samples]) as tf.Tensor2D }
  }
  // Each step's action frequencies among the elites, smoothed into the old probabilities and floored.
  const refit = (probabilities: tf.Tensor3D, candidates: tf.Tensor3D, costs: tf.Tensor2D): tf.Tensor3D => {
    // The cheapest costs are the largest negated costs.
    const chosen = tf.topk(costs.neg(), elites).indices
    const rows = chosen.add(constants.firstRows.expandDims(1)).reshape([-1])
    const frequencies = candidates.gather(rows, 1).reshape([horizon, problems, elites, actionSize]).mean(2)
    return probabilities
      .mul(1 - smoothing)
      .add(frequencies.mul(smoothing))
      .mul(1 - exploration)
      .add(exploration / actionSize) as tf.Tensor3D
  }
  const trace: Array<tf.Scalar> = []
  let state: CategoricalState | undefined
  let packed: tf.Tensor1D | undefined
  try {
    state = tf.tidy(() => {
      const sequence = tf.tensor3d(start.sequence, [horizon, problems, actionSize])
      const initialCost = score(problem.initialStates, sequence)
      return {
        probabilities: tf.tensor3d(start.probabilities, [horizon, problems, actionSize]),
        bestActions: sequence,
        bestCost: initialCost,
        initialCost: initialCost.clone()
      }
    })
    trace.push(tf.tidy(() => (state as CategoricalState).bestCost.mean()))
    for (let iteration = 0; iteration < iterations; iteration++) {
      const previous: CategoricalState = state
      const last = iteration === iterations - 1
      const next: CategoricalState = tf.tidy(() => {
        const { candidates, costs } = sampleAndScore(previous.probabilities)
        const cheapestRows = constants.firstRows.add(costs.argMin(1))
        const cheapestCost = costs.reshape([candidateCount]).gather(cheapestRows) as tf.Tensor1D
        return {
          // The last set needs no refit.
          probabilities: last ? previous.probabilities : refit(previous.probabilities, candidates, costs),
          ...keepBest(cheapestCost, candidates.gather(cheapestRows, 1) as tf.Tensor3D, previous),
          initialCost: previous.initialCost
        }
      })
      disposeReplaced(previous, next)
      state = next
      trace.push(tf.tidy(() => next.bestCost.mean()))
    }
    const final: CategoricalState = state
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
