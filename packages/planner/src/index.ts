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
// The actor's control: agents (flat and hierarchical), the episodes they act in, hierarchies and their subgoals.
export * from "./control/index.js"
// The cost module: what a plan is scored by, and the constraints (guardrails) it must satisfy.
export * from "./cost/index.js"
// Memory: the landmark graph of where the agent has been, and the online memory of the episode it is in.
export * from "./memory/index.js"
// Search: the planners, each a function from a planning problem to an action sequence.
export * from "./search/index.js"
