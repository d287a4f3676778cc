/**
 * `@telos/worldmodel`: world models — defining them from functions, checking that they conform to
 * what planners need, and offline datasets in memory to train them from. (Learned JEPA perception and
 * predictors build on this.) Reading and writing datasets and checkpoints on disk needs Node.js and
 * lives in `@telos/worldmodel/node`; this entry loads in a browser.
 *
 * @module
 */
// Offline datasets and the on-disk formats (the files themselves are read and written by
// `@telos/worldmodel/node`).
export {
  type CheckpointManifest,
  type CheckpointWeightEntry,
  checkpointFiles,
  checkpointFormat,
  checkpointFormatVersion
} from "./data/CheckpointFormat.js"
export * from "./data/CheckpointMatch.js"
export * from "./data/Dataset.js"
export {
  type DatasetChunkEntry,
  type DatasetDtype,
  type DatasetEncoding,
  type DatasetFieldHeader,
  type DatasetHeader,
  type DatasetRowsPer,
  datasetFormatVersion,
  datasetMagic,
  datasetPrefixBytes
} from "./data/DatasetFormat.js"
// The JEPA world model: perception, prediction, parameters, and models defined from functions.
export * from "./jepa/DefineWorldModel.js"
export * from "./jepa/Encoder.js"
export * from "./jepa/Jepa.js"
export * from "./jepa/Parameters.js"
export * from "./jepa/Predictor.js"
export * from "./jepa/VerifyWorldModel.js"
// The levels of a hierarchy above the JEPA.
export * from "./levels/LevelModels.js"
export * from "./levels/LevelTraining.js"
// Training and evaluation.
export * from "./training/Evaluation.js"
export * from "./training/Metrics.js"
export * from "./training/Training.js"
export * from "./training/TrainingRun.js"
