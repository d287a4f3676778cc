/**
 * `@telos/worldmodel`: world models — defining them from functions, checking that they conform to
 * what planners need, and offline datasets on disk to train them from. (Learned JEPA perception and
 * predictors build on this.)
 *
 * @module
 */
export * from "./Checkpoint.js"
export * from "./CheckpointFormat.js"
export * from "./CheckpointMatch.js"
export * from "./Cholesky.js"
export * from "./Dataset.js"
export * from "./DatasetFile.js"
export * from "./DatasetFormat.js"
export * from "./DatasetWriter.js"
export * from "./DefineWorldModel.js"
export * from "./Encoder.js"
export * from "./Evaluation.js"
export * from "./Jepa.js"
export * from "./LevelModels.js"
export * from "./LevelTraining.js"
export * from "./Losses.js"
export * from "./Metrics.js"
export * from "./Parameters.js"
export * from "./Predictor.js"
export * from "./SymmetricEigen.js"
export * from "./Training.js"
export * from "./TrainingRun.js"
export * from "./VerifyWorldModel.js"
