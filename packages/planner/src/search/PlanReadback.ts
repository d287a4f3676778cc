/**
 * What every planner does around its search: check the problem before any tensor work, and bring
 * the answer back from the backend in a single read, as host arrays the caller owns.
 *
 * @module
 */
import type { Plan, PlanningProblem } from "@telos/core"
import { describeValue, InvalidValueError, rollout } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { checkSearchSize, maxPlanningHorizon } from "./Limits.js"

/**
 * Checks the problem's shapes before any tensor work, so a mistake names the field at fault: a
 * horizon from 1 to {@link maxPlanningHorizon}, and, given the planner's candidates per problem
 * (`field` names the option that sets them), a search no larger than {@link checkSearchSize} allows.
 */
export const validateProblem = (
  problem: PlanningProblem,
  candidates?: { readonly count: number; readonly field: string }
): { problems: number; latentSize: number } => {
  const { model, initialStates, horizon, warmStart } = problem
  const [problems, latentSize] = initialStates.shape
  if (initialStates.rank !== 2 || latentSize !== model.latentSize || problems < 1) {
    throw new InvalidValueError({
      field: "problem.initialStates",
      expected: `a tensor of shape [N >= 1, ${model.latentSize}]`,
      received: `shape [${initialStates.shape.join(", ")}]`
    })
  }
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > maxPlanningHorizon) {
    throw new InvalidValueError({
      field: "problem.horizon",
      expected: `an integer from 1 to ${maxPlanningHorizon}`,
      received: describeValue(horizon)
    })
  }
  if (candidates !== undefined) {
    const size = {
      horizon,
      problems,
      candidates: candidates.count,
      latentSize,
      actionSize: model.actionSpace.size
    }
    checkSearchSize(size, candidates.field)
  }
  for (const [field, plan] of [
    ["problem.warmStart", warmStart],
    ["problem.initialGuess", problem.initialGuess]
  ] as const) {
    if (
      plan !== undefined &&
      (plan.problems !== problems || plan.horizon !== horizon || plan.actionSize !== model.actionSpace.size)
    ) {
      throw new InvalidValueError({
        field,
        expected: `a plan for ${problems} problems, horizon ${horizon}, ${model.actionSpace.size} action dimensions`,
        received: `${plan.problems} problems, horizon ${plan.horizon}, ${plan.actionSize} action dimensions`
      })
    }
  }
  return { problems, latentSize }
}

/** The sizes needed to cut a packed plan back into its parts. */
export interface PlanSizes {
  readonly problems: number
  readonly horizon: number
  readonly actionSize: number
  readonly latentSize: number
  readonly traceLength: number
}

/**
 * Packs a plan into one flat tensor (to be read back once): the chosen actions `[T, N, A]`, the
 * states the model predicts under them, their cost `[N]`, the initial guesses' cost `[N]` and the
 * trace. Call inside `tf.tidy`.
 */
export const packPlan = (
  problem: PlanningProblem,
  chosenActions: tf.Tensor3D,
  cost: tf.Tensor1D,
  initialCost: tf.Tensor1D,
  trace: tf.Tensor1D
): tf.Tensor1D => {
  const predicted = rollout(problem.model, problem.initialStates, chosenActions)
  return tf.concat([
    chosenActions.transpose([1, 0, 2]).reshape([-1]),
    predicted.transpose([1, 0, 2]).reshape([-1]),
    cost,
    initialCost,
    trace
  ]) as tf.Tensor1D
}

/**
 * Reads a packed plan back to the host (the one read-back of a plan), disposes it, and cuts it into
 * a {@link Plan}. A plan whose cost is not finite is an error: the start states or the cost
 * produced NaN or infinity.
 */
export const readPlan = (packed: tf.Tensor1D, sizes: PlanSizes): Plan => {
  const values = packed.dataSync() as Float32Array
  packed.dispose()
  const { problems, horizon, actionSize, latentSize, traceLength } = sizes
  let offset = 0
  const take = (length: number): Float32Array => {
    const part = values.slice(offset, offset + length)
    offset += length
    return part
  }
  const plan: Plan = {
    problems,
    horizon,
    actionSize,
    latentSize,
    actions: take(problems * horizon * actionSize),
    predictedStates: take(problems * (horizon + 1) * latentSize),
    cost: take(problems),
    initialCost: take(problems),
    trace: Array.from(take(traceLength))
  }
  if (plan.cost.some((value) => !Number.isFinite(value))) {
    throw new InvalidValueError({
      field: "problem.initialStates",
      expected: "start states and a cost that give a finite cost for at least one candidate",
      received: `costs ${Array.from(plan.cost).join(", ")}`
    })
  }
  return plan
}

/**
 * Frees the tensors of a planner's loop state that the next state no longer holds (a tensor kept
 * from one iteration to the next must survive).
 *
 * @example
 * ```ts
 * disposeReplaced(previous, next)
 * ```
 */
export const disposeReplaced = <State extends Readonly<Record<string, tf.Tensor>>>(
  previous: State,
  next: State
): void => {
  const kept = new Set<tf.Tensor>(Object.values(next))
  for (const tensor of new Set<tf.Tensor>(Object.values(previous))) if (!kept.has(tensor)) tensor.dispose()
}

/**
 * The refits a problem gets: `warmStartIterations` when it carries a warm start and that option is
 * set, otherwise `iterations`.
 *
 * @example
 * ```ts
 * iterationsFor({ ...problem, warmStart: previous }, { iterations: 6, warmStartIterations: 2 }) // 2
 * ```
 */
export const iterationsFor = (
  problem: PlanningProblem,
  config: { readonly iterations: number; readonly warmStartIterations: number | undefined }
): number =>
  problem.warmStart !== undefined && config.warmStartIterations !== undefined
    ? config.warmStartIterations
    : config.iterations

/** The best sequences `[T, C, A]` and costs `[C]` a search has seen. */
export interface BestSoFar {
  /** The cheapest sequence seen per row. */
  readonly bestActions: tf.Tensor3D
  /** Its cost. */
  readonly bestCost: tf.Tensor1D
}

/**
 * The best seen after scoring `actions` `[T, C, A]` at `value` `[C]`: row by row, the new ones
 * where they are cheaper. NaN never compares below the best, so a diverging candidate cannot
 * displace a finite one and the best only ever falls.
 */
export const keepBest = (value: tf.Tensor1D, actions: tf.Tensor3D, best: BestSoFar): BestSoFar => {
  const improved = value.less(best.bestCost)
  return {
    bestActions: tf.where(improved.reshape([1, value.shape[0], 1]), actions, best.bestActions) as tf.Tensor3D,
    bestCost: tf.where(improved, value, best.bestCost) as tf.Tensor1D
  }
}
