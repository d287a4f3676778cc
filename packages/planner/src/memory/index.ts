/**
 * `@telos/planner/memory`: memory: the landmark graph of where the agent has been, and the online memory of the episode it is in.
 *
 * @module
 */
export * from "./LandmarkGraph.js"
export * from "./OnlineMemory.js"
