/**
 * `@telos/planner/control`: the actor's control: agents (flat and hierarchical), the episodes they act in, hierarchies and their subgoals.
 *
 * @module
 */
export * from "./Agent.js"
export * from "./CountingWorldModel.js"
export * from "./Episodes.js"
export * from "./Hierarchy.js"
export * from "./LatentVariablePlanning.js"
export * from "./Subgoals.js"
