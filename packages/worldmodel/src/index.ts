/**
 * `@telos/worldmodel`: world models — defining them from functions, checking that they conform to
 * what planners need. (Learned JEPA perception and predictors build on this.)
 *
 * @module
 */
export * from "./DefineWorldModel.js"
export * from "./VerifyWorldModel.js"
