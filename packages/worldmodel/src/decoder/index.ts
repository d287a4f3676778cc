/**
 * `@telos/worldmodel` decoders: from JEPA latents back to images, trained with the encoder frozen,
 * and their reconstruction error.
 *
 * @module
 */
export * from "./Decoder.js"
export * from "./DecoderEvaluation.js"
export * from "./DecoderTraining.js"
