/**
 * Hard constraints by the augmented Lagrangian method, around any planner: the planner solves the
 * cost plus `lambda * g + (rho / 2) * g^2` (g: the constraints' total violation, per problem its own
 * multiplier lambda); while a plan still violates, lambda grows by `rho * g`, rho grows, and the
 * planner starts again from its previous answer (as an unshifted initial guess). Soft penalties
 * trade a little violation for cost; this drives the violation to zero where a feasible plan exists.
 *
 * @module
 */
import type { Cost, Plan, Planner, PlanningProblem, Random } from "@telos/core"
import { decodeConfigSync, rollout, withDefaults } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import type { Constraint } from "../cost/Guardrail.js"

/** The options of the augmented Lagrangian loop, as a Schema (every field optional). */
export const ConstrainedPlannerOptions = Schema.Struct({
  /** Planner calls after the first, at most. */
  outerIterations: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  /** The quadratic penalty rho at the first outer iteration. */
  initialPenalty: Schema.optional(Schema.Number.check(Schema.isGreaterThan(0))),
  /** Factor by which the quadratic penalty rho grows after each outer iteration. */
  penaltyGrowth: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Total violation at or below which a plan counts as feasible. */
  tolerance: Schema.optional(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)))
})

/** The decoded options with defaults. */
export interface ConstrainedPlannerConfig {
  /** Planner calls after the first, at most. */
  readonly outerIterations: number
  /** The quadratic penalty rho at the first outer iteration. */
  readonly initialPenalty: number
  /** Factor by which rho grows after each outer iteration. */
  readonly penaltyGrowth: number
  /** Total violation at or below which a plan counts as feasible. */
  readonly tolerance: number
}

/** The defaults. */
export const defaultConstrainedPlannerConfig: ConstrainedPlannerConfig = {
  outerIterations: 5,
  initialPenalty: 10,
  penaltyGrowth: 4,
  tolerance: 1e-4
}

const totalViolation = (
  constraints: ReadonlyArray<Constraint>,
  states: tf.Tensor3D,
  actions: tf.Tensor3D
): tf.Tensor1D =>
  tf.tidy(
    () => tf.addN(constraints.map((constraint) => constraint.violation(states, actions))) as tf.Tensor1D
  )

/**
 * The total violation of each problem's plan `[N]`, on the host: what a constrained plan must
 * bring to zero.
 *
 * @example
 * ```ts
 * planViolation(problem, plan, [zone]) // Float32Array [0, 0, ...]
 * ```
 */
export const planViolation = (
  problem: PlanningProblem,
  plan: Plan,
  constraints: ReadonlyArray<Constraint>
): Float32Array =>
  tf.tidy(() => {
    const actions = tf
      .tensor3d(plan.actions, [plan.problems, plan.horizon, plan.actionSize])
      .transpose([1, 0, 2]) as tf.Tensor3D
    return totalViolation(
      constraints,
      rollout(problem.model, problem.initialStates, actions),
      actions
    ).dataSync() as Float32Array
  })

// The task's own cost of a plan's actions, per problem.
const taskCostOf = (problem: PlanningProblem, plan: Plan): Float32Array =>
  tf.tidy(() => {
    const actions = tf
      .tensor3d(plan.actions, [plan.problems, plan.horizon, plan.actionSize])
      .transpose([1, 0, 2]) as tf.Tensor3D
    return Float32Array.from(
      problem.cost.evaluate(rollout(problem.model, problem.initialStates, actions), actions).dataSync()
    )
  })

// The augmented cost: multipliers and penalty are per problem, broadcast over its candidates.
const augmentedCost = (
  cost: Cost,
  constraints: ReadonlyArray<Constraint>,
  multipliers: Float32Array,
  penalty: number
): Cost => ({
  name: `${cost.name} + augmented Lagrangian`,
  evaluate: (states, actions) =>
    tf.tidy(() => {
      const candidates = states.shape[1]
      const problems = multipliers.length
      const violation = totalViolation(constraints, states, actions).reshape([
        problems,
        candidates / problems
      ])
      const lambda = tf.tensor2d(multipliers, [problems, 1])
      const terms = violation.mul(lambda).add(violation.square().mul(penalty / 2))
      return cost.evaluate(states, actions).add(terms.reshape([candidates])) as tf.Tensor1D
    })
})

/**
 * Wraps a planner so that it satisfies hard constraints. The returned plan's `cost` is the plain
 * task cost of its actions and its `initialCost` the task cost of the first, barely constrained
 * answer: feasibility comes first, so `cost` may exceed `initialCost` here (the one exception to
 * the planner contract's rule). `planViolation` tells whether the plan is feasible (it is, unless
 * no feasible plan was found within `outerIterations`).
 *
 * @example
 * ```ts
 * const planner = constrainedPlanner(gradientPlanner(), [keepOutZone({ center, radius, position })])
 * ```
 */
export const constrainedPlanner = (
  inner: Planner,
  constraints: ReadonlyArray<Constraint>,
  options: typeof ConstrainedPlannerOptions.Encoded = {}
): Planner => {
  const config = withDefaults(
    defaultConstrainedPlannerConfig,
    decodeConfigSync(ConstrainedPlannerOptions, options, "constrained planner options")
  )
  return {
    name: `${inner.name} (constrained)`,
    plan: (problem: PlanningProblem, rng: Random): Plan => {
      const problems = problem.initialStates.shape[0]
      const multipliers = new Float32Array(problems)
      let penalty = config.initialPenalty
      let plan = inner.plan(
        { ...problem, cost: augmentedCost(problem.cost, constraints, multipliers, penalty) },
        rng
      )
      const firstTaskCost = taskCostOf(problem, plan)
      const traces: Array<number> = [...plan.trace]
      for (let outer = 0; outer < config.outerIterations; outer++) {
        const violation = planViolation(problem, plan, constraints)
        if (violation.every((value) => value <= config.tolerance)) break
        violation.forEach((value, index) => {
          multipliers[index] = (multipliers[index] as number) + penalty * value
        })
        penalty *= config.penaltyGrowth
        plan = inner.plan(
          {
            ...problem,
            cost: augmentedCost(problem.cost, constraints, multipliers, penalty),
            warmStart: undefined,
            initialGuess: plan
          },
          rng
        )
        traces.push(...plan.trace)
      }
      // Report the task's own cost of the final actions, not the augmented one.
      return { ...plan, cost: taskCostOf(problem, plan), initialCost: firstTaskCost, trace: traces }
    }
  }
}
