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
// Control: agents, the episodes they act in, hierarchies and their subgoals.
export * from "./control/Agent.js"
export * from "./control/CountingWorldModel.js"
export * from "./control/Episodes.js"
export * from "./control/Hierarchy.js"
export * from "./control/LatentVariablePlanning.js"
export * from "./control/Subgoals.js"
// Cost: what a plan is scored by, and the constraints it must satisfy.
export * from "./cost/Cost.js"
export * from "./cost/Guardrail.js"
export * from "./cost/PassageGuardrail.js"
export * from "./cost/RouteCost.js"
// Memory: the landmark graph of where the agent has been.
export * from "./memory/LandmarkGraph.js"
// Search: the planners, each a function from a planning problem to an action sequence.
export * from "./search/CategoricalCemPlanner.js"
export * from "./search/CemPlanner.js"
export * from "./search/ConstrainedPlanner.js"
export * from "./search/GradientPlanner.js"
export * from "./search/HybridPlanner.js"
export * from "./search/MppiPlanner.js"
export * from "./search/RandomShootingPlanner.js"
export * from "./search/SamplingSearch.js"
