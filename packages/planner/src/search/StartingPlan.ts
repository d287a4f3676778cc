/**
 * Where a planner starts: the initial guess as it is, or the previous plan shifted one step, or
 * nowhere in particular. Every planner reads its starting sequence here, so they all honour warm
 * starts and initial guesses alike.
 *
 * @module
 */
import type { Plan, PlanningProblem } from "@telos/core"
import { pickRows } from "../memory/Rows.js"

/**
 * A plan advanced by `steps` steps: each problem's actions move `steps` earlier and the last one
 * is repeated at the end (states and costs are kept; planners only read the actions).
 *
 * @example
 * ```ts
 * shiftPlan(plan, 2).actions // [a2, a3, ..., aT-1, aT-1, aT-1] per problem
 * ```
 */
export const shiftPlan = (plan: Plan, steps: number): Plan => {
  if (steps === 0) return plan
  const actions = new Float32Array(plan.actions.length)
  for (let problem = 0; problem < plan.problems; problem++) {
    for (let step = 0; step < plan.horizon; step++) {
      const source = (problem * plan.horizon + Math.min(step + steps, plan.horizon - 1)) * plan.actionSize
      actions.set(
        plan.actions.subarray(source, source + plan.actionSize),
        (problem * plan.horizon + step) * plan.actionSize
      )
    }
  }
  return { ...plan, actions }
}

/**
 * The sequence a planner starts from, problem-major `[N, T, A]`: `problem.initialGuess` unchanged,
 * else `problem.warmStart` shifted one step, else `undefined`.
 *
 * @example
 * ```ts
 * const start = startingActions({ model, initialStates, cost, horizon, warmStart: previous })
 * ```
 */
export const startingActions = (problem: PlanningProblem): Float32Array | undefined => {
  if (problem.initialGuess !== undefined) return problem.initialGuess.actions
  if (problem.warmStart !== undefined) return shiftPlan(problem.warmStart, 1).actions
  return undefined
}

/**
 * The plan of some of its problems only, in the order given: when episodes end, the next plan
 * warm-starts the ones still running from their own rows.
 *
 * @example
 * ```ts
 * selectProblems(plan, [0, 2]).problems // 2
 * ```
 */
export const selectProblems = (plan: Plan, problems: ReadonlyArray<number>): Plan => {
  const pick = (values: Float32Array, width: number): Float32Array => pickRows(values, problems, width)
  return {
    ...plan,
    problems: problems.length,
    actions: pick(plan.actions, plan.horizon * plan.actionSize),
    predictedStates: pick(plan.predictedStates, (plan.horizon + 1) * plan.latentSize),
    cost: pick(plan.cost, 1),
    initialCost: pick(plan.initialCost, 1)
  }
}
