/**
 * The gradient planner: the actor searches for the action sequence of least cost by descending the
 * cost through the differentiable world model. Several restarts per problem are optimised at once
 * as one batch, Adam adapts the step per action component, every step is projected back into the
 * action bounds, and a previous plan, shifted by one step, seeds the first restart.
 *
 * @module
 */
import type { Plan, Planner, PlanningProblem, Random } from "@telos/core"
import {
  adamCorrections,
  adamMoments,
  type Complete,
  compileStep,
  decodeConfigSync,
  InvalidValueError,
  rollout,
  withDefaults
} from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
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

const positive = Schema.Number.check(Schema.isGreaterThan(0))
const unitInterval = Schema.Number.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThan(1))

/** The options of the gradient planner, as a Schema (every field optional, defaults below). */
export const GradientPlannerOptions = Schema.Struct({
  /** Adam steps per plan. */
  iterations: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /**
   * Adam steps when the problem carries a warm start (the previous plan, shifted); a warm start
   * is close to a good plan, so receding-horizon control can afford far fewer. Defaults to
   * `iterations`.
   */
  warmStartIterations: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /** Candidate sequences optimised per problem. */
  restarts: Schema.optional(candidateCount),
  /** Adam step size, in units of the half-width of the action box. */
  learningRate: Schema.optional(positive),
  /** Standard deviation of random initial sequences, in units of the half-width of the action box. */
  initialStd: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0))),
  /** Adam's decay rate of the gradient's running mean. */
  beta1: Schema.optional(unitInterval),
  /** Adam's decay rate of the squared gradient's running mean. */
  beta2: Schema.optional(unitInterval),
  /** Added to the denominator of Adam's update, to keep it finite. */
  epsilon: Schema.optional(positive)
})

/** The decoded options with defaults filled in. */
export type GradientPlannerConfig = Complete<
  Omit<typeof GradientPlannerOptions.Type, "warmStartIterations">
> & {
  /** Adam steps with a warm start; `undefined`: as many as `iterations`. */
  readonly warmStartIterations: number | undefined
}

/** The defaults: a quick planner for low-dimensional control. */
export const defaultGradientPlannerConfig: GradientPlannerConfig = {
  iterations: 20,
  warmStartIterations: undefined,
  restarts: 8,
  learningRate: 0.1,
  initialStd: 0.3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8
}

/**
 * Builds a gradient planner. Options are validated: a bad one raises a `ConfigError` naming it.
 * Planning needs a cost the actions change through the model: one they cannot change (a cost that
 * ignores its inputs, a model that ignores its actions) has no gradient to descend and is an
 * `InvalidValueError` naming the cost and the model, with every tensor freed.
 *
 * @example
 * ```ts
 * const planner = gradientPlanner({ iterations: 30, restarts: 16 })
 * const plan = planner.plan({ model, initialStates, cost, horizon: 25 }, Random.fromSeed(0))
 * plan.actions // Float32Array [N, 25, A], inside the model's action bounds
 * ```
 */
export const gradientPlanner = (options: typeof GradientPlannerOptions.Encoded = {}): Planner => {
  const config = withDefaults(
    defaultGradientPlannerConfig,
    decodeConfigSync(GradientPlannerOptions, options, "gradient planner options")
  )
  return { name: "gradient", plan: (problem, rng) => planByGradient(config, problem, rng) }
}

/**
 * Initial action sequences, time-major `[T, N * R, A]` on the host: random normal around the
 * centre of the box, clipped; restart 0 of each problem is the warm start shifted by one step
 * (its last action repeated) when one is given.
 */
export const initialSequences = (
  problem: PlanningProblem,
  restarts: number,
  initialStd: number,
  rng: Random
): Float32Array => {
  const { model, horizon } = problem
  const start = startingActions(problem)
  const problems = problem.initialStates.shape[0]
  const { low, high, size: actionSize } = model.actionSpace
  const candidates = problems * restarts
  const sequences = new Float32Array(horizon * candidates * actionSize)
  for (let candidate = 0; candidate < candidates; candidate++) {
    const problemIndex = Math.floor(candidate / restarts)
    const started = start !== undefined && candidate % restarts === 0
    for (let step = 0; step < horizon; step++) {
      for (let dimension = 0; dimension < actionSize; dimension++) {
        const lowBound = low[dimension] as number
        const highBound = high[dimension] as number
        let value: number
        if (started) {
          value = start[(problemIndex * horizon + step) * actionSize + dimension] as number
        } else {
          const centre = (lowBound + highBound) / 2
          value = centre + initialStd * ((highBound - lowBound) / 2) * rng.normal()
        }
        sequences[(step * candidates + candidate) * actionSize + dimension] = Math.min(
          highBound,
          Math.max(lowBound, value)
        )
      }
    }
  }
  return sequences
}

/** Repeats each of the `N` rows `restarts` times: `[N, D]` to `[N * R, D]`, problem-major. */
export const repeatRows = (rows: tf.Tensor2D, restarts: number): tf.Tensor2D =>
  tf.tidy(() => {
    const [count, size] = rows.shape
    return rows
      .expandDims(1)
      .tile([1, restarts, 1])
      .reshape([count * restarts, size]) as tf.Tensor2D
  })

/** What the search carries from one iteration to the next; every tensor is owned by the loop. */
type SearchState = {
  readonly actions: tf.Tensor3D
  readonly firstMoment: tf.Tensor3D
  readonly secondMoment: tf.Tensor3D
  readonly bestActions: tf.Tensor3D
  readonly bestCost: tf.Tensor1D
  readonly initialCost: tf.Tensor1D
}

const planByGradient = (config: GradientPlannerConfig, problem: PlanningProblem, rng: Random): Plan => {
  const { restarts } = config
  const { problems, latentSize } = validateProblem(problem, { count: restarts, field: "restarts" })
  const { model, cost, horizon } = problem
  const iterations = iterationsFor(problem, config)
  const actionSize = model.actionSpace.size
  const candidates = problems * restarts
  const initial = initialSequences(problem, restarts, config.initialStd, rng)

  const constants = tf.tidy(() => {
    const low = tf.tensor1d(Float32Array.from(model.actionSpace.low))
    const high = tf.tensor1d(Float32Array.from(model.actionSpace.high))
    return {
      low,
      high,
      stepScale: high.sub(low).div(2).mul(config.learningRate),
      starts: repeatRows(problem.initialStates, restarts)
    }
  })
  const costOf = (actions: tf.Tensor3D): tf.Tensor1D =>
    cost.evaluate(rollout(model, constants.starts, actions), actions)
  // Not tf.valueAndGrad: when nothing connects the actions to the cost it throws before it has
  // released the tensors its tape saved (about a hundred per call). Asked to allow a missing
  // gradient, the engine finishes its pass, frees them, and leaves the gradient undefined.
  const costAndGradient = (actions: tf.Tensor3D): { value: tf.Tensor1D; grad: tf.Tensor3D } => {
    const { value, grads } = tf.engine().gradients(() => costOf(actions), [actions], undefined, true)
    const grad = grads[0]
    if (grad === undefined || grad === null) {
      throw new InvalidValueError({
        field: "cost",
        expected: "a cost that the actions change through the model, for the gradient planner to descend",
        received: `cost "${cost.name}" with model "${model.name}", whose value does not depend on the actions`
      })
    }
    return { value, grad: grad as tf.Tensor3D }
  }
  const meanOfBest = (costs: tf.Tensor1D): tf.Scalar =>
    tf.tidy(() => costs.reshape([problems, restarts]).min(1).mean())
  const trace: Array<tf.Scalar> = []
  let state: SearchState | undefined
  let flat: tf.Tensor1D | undefined
  try {
    state = tf.tidy(() => {
      const actions = tf.tensor3d(initial, [horizon, candidates, actionSize])
      // A forward pass first: a cost that does not fit the problem fails here, outside the gradient
      // machinery, which cannot release everything when an error escapes it.
      const initialCost = costOf(actions)
      return {
        actions,
        firstMoment: tf.zerosLike(actions),
        secondMoment: tf.zerosLike(actions),
        bestActions: actions.clone(),
        bestCost: initialCost.clone(),
        initialCost
      }
    })
    trace.push(meanOfBest(state.bestCost))
    // Each pass scores the current actions with their gradient, keeps the best seen, and takes one
    // Adam step projected back into the box; a last pass only scores the final actions. The step
    // is compiled where the backend can (one native call per iteration); Adam's bias corrections
    // change every pass, so they are arguments, not constants.
    const adamPass = compileStep(
      ([actions, firstMoment, secondMoment, bestActions, bestCost, correction1, correction2]) => {
        const scored = costAndGradient(actions as tf.Tensor3D)
        const best = keepBest(scored.value, actions as tf.Tensor3D, {
          bestActions: bestActions as tf.Tensor3D,
          bestCost: bestCost as tf.Tensor1D
        })
        const moments = adamMoments(
          firstMoment as tf.Tensor3D,
          secondMoment as tf.Tensor3D,
          scored.grad,
          correction1 as tf.Scalar,
          correction2 as tf.Scalar,
          config
        )
        const update = moments.direction.mul(constants.stepScale)
        // Projection: the plan never leaves the action box.
        const nextActions = (actions as tf.Tensor3D)
          .sub(update)
          .maximum(constants.low)
          .minimum(constants.high)
        return [
          nextActions,
          moments.first,
          moments.second,
          best.bestActions,
          best.bestCost,
          meanOfBest(best.bestCost)
        ]
      }
    )
    for (let step = 1; step <= iterations + 1; step++) {
      const previous: SearchState = state
      const last = step === iterations + 1
      let next: SearchState
      if (last) {
        next = tf.tidy(() => ({
          ...previous,
          ...keepBest(costOf(previous.actions), previous.actions, previous)
        }))
        if (step > 1) trace.push(meanOfBest(next.bestCost))
      } else {
        const corrections = adamCorrections(step, config)
        let results: Array<tf.Tensor>
        try {
          results = adamPass.run([
            previous.actions,
            previous.firstMoment,
            previous.secondMoment,
            previous.bestActions,
            previous.bestCost,
            ...corrections
          ])
        } finally {
          tf.dispose(corrections)
        }
        const [actions, firstMoment, secondMoment, bestActions, bestCost, meanBest] = results as [
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor1D,
          tf.Scalar
        ]
        next = {
          actions,
          firstMoment,
          secondMoment,
          bestActions,
          bestCost,
          initialCost: previous.initialCost
        }
        // The first pass re-scored the initial actions; later passes score what the updates made.
        if (step > 1) trace.push(meanBest)
        else meanBest.dispose()
      }
      disposeReplaced(previous, next)
      state = next
    }
    const final: SearchState = state
    flat = tf.tidy(() => {
      // Per problem, the restart with the least cost.
      const choice = final.bestCost.reshape([problems, restarts]).argMin(1)
      const chosenRows = tf.range(0, candidates, restarts, "int32").add(choice)
      const chosenActions = final.bestActions.gather(chosenRows, 1) as tf.Tensor3D
      return packPlan(
        problem,
        chosenActions,
        final.bestCost.gather(chosenRows),
        final.initialCost.reshape([problems, restarts]).min(1) as tf.Tensor1D,
        tf.stack(trace) as tf.Tensor1D
      )
    })
  } finally {
    if (state !== undefined) tf.dispose(Object.values(state))
    tf.dispose(trace)
    tf.dispose(Object.values(constants))
  }
  return readPlan(flat, { problems, horizon, actionSize, latentSize, traceLength: iterations + 1 })
}
