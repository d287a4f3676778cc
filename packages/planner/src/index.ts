/**
 * `@telos/planner`: the actor and the cost module — differentiable costs, the gradient planner,
 * random shooting, and the model-predictive control loop.
 *
 * @example
 * ```ts
 * import { gradientPlanner, goalCost, runEpisodes } from "@telos/planner"
 * ```
 *
 * @module
 */

export * from "./Agent.js"
export * from "./CategoricalCemPlanner.js"
export * from "./CemPlanner.js"
export * from "./ConstrainedPlanner.js"
export * from "./Cost.js"
export * from "./CountingWorldModel.js"
export * from "./Episodes.js"
export * from "./GradientPlanner.js"
export * from "./Guardrail.js"
export * from "./Hierarchy.js"
export * from "./HybridPlanner.js"
export * from "./LandmarkGraph.js"
export * from "./LatentVariablePlanning.js"
export * from "./MppiPlanner.js"
export * from "./PassageGuardrail.js"
export * from "./PlanReadback.js"
export * from "./RandomShootingPlanner.js"
export * from "./RouteCost.js"
export * from "./SamplingSearch.js"
export * from "./StartingPlan.js"
export * from "./Subgoals.js"
