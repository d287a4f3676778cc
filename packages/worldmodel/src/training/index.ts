/**
 * `@telos/worldmodel/training`: training the JEPA, and evaluating what it learned.
 *
 * @module
 */
export * from "./Evaluation.js"
export * from "./Metrics.js"
export * from "./Training.js"
export * from "./TrainingRun.js"
