/**
 * `@telos/planner/cost`: the cost module: what a plan is scored by, and the constraints (guardrails) it must satisfy.
 *
 * @module
 */
export * from "./Cost.js"
export * from "./Guardrail.js"
export * from "./PassageGuardrail.js"
export * from "./Repulsion.js"
export * from "./RouteCost.js"
