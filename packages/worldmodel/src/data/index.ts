/**
 * `@telos/worldmodel/data`: offline datasets and the on-disk formats (the files themselves are read and written by `@telos/worldmodel/node`).
 *
 * @module
 */

export * from "./CheckpointFiles.js"
export {
  type CheckpointManifest,
  type CheckpointWeightEntry,
  checkpointFiles,
  checkpointFormat,
  checkpointFormatVersion,
  readableCheckpointVersions
} from "./CheckpointFormat.js"
export { nonFiniteParameter } from "./CheckpointIntegrity.js"
export * from "./CheckpointMatch.js"
export * from "./Dataset.js"
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
} from "./DatasetFormat.js"
export { datasetValueLimit } from "./DatasetValues.js"
