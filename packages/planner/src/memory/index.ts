/**
 * `@telos/planner/memory`: memory: the landmark graph of where the agent has been.
 *
 * @module
 */
export * from "./LandmarkGraph.js"
