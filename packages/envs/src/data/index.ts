/**
 * `@telos/envs/data`: offline data: exploration policies and collection.
 *
 * @module
 */
export * from "./Collect.js"
export * from "./DoorwayWalk.js"
export * from "./Exploration.js"
export * from "./VonMises.js"
