/**
 * `@telos/planner/search`: search: the planners, each a function from a planning problem to an action sequence.
 *
 * @module
 */
export * from "./CategoricalCemPlanner.js"
export * from "./CemPlanner.js"
export * from "./ConstrainedPlanner.js"
export * from "./GradientPlanner.js"
export * from "./HybridPlanner.js"
export * from "./Limits.js"
export * from "./MppiPlanner.js"
export * from "./RandomShootingPlanner.js"
export * from "./SamplingSearch.js"
