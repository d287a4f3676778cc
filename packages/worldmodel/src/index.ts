/**
 * `@telos/worldmodel`: world models — defining them from functions, checking that they conform to
 * what planners need, and offline datasets on disk to train them from. (Learned JEPA perception and
 * predictors build on this.)
 *
 * @module
 */
export * from "./Dataset.js"
export * from "./DatasetFile.js"
export * from "./DatasetFormat.js"
export * from "./DatasetWriter.js"
export * from "./DefineWorldModel.js"
export * from "./VerifyWorldModel.js"
