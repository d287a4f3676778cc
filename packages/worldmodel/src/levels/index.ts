/**
 * `@telos/worldmodel/levels`: the levels of a hierarchy above the JEPA: latent macro-actions and their training.
 *
 * @module
 */
export * from "./LevelModels.js"
export * from "./LevelTraining.js"
