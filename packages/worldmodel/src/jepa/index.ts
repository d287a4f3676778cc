/**
 * `@telos/worldmodel/jepa`: the JEPA world model: perception, prediction, parameters, and models defined from functions.
 *
 * @module
 */
export * from "./DefineWorldModel.js"
export * from "./Encoder.js"
export * from "./Jepa.js"
export * from "./Parameters.js"
export * from "./Predictor.js"
export * from "./VerifyWorldModel.js"
