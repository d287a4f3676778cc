/**
 * `@telos/worldmodel`: world models — defining them from functions, checking that they conform to
 * what planners need, and offline datasets in memory to train them from. (Learned JEPA perception and
 * predictors build on this.) Reading and writing datasets and checkpoints on disk needs Node.js and
 * lives in `@telos/worldmodel/node`; this entry loads in a browser.
 *
 * @module
 */
// Offline datasets and the on-disk formats (the files themselves are read and written by `@telos/worldmodel/node`).
export * from "./data/index.js"
// Decoders from JEPA latents back to images, trained with the encoder frozen.
export * from "./decoder/index.js"
// The JEPA world model: perception, prediction, parameters, and models defined from functions.
export * from "./jepa/index.js"
// The levels of a hierarchy above the JEPA: latent macro-actions and their training.
export * from "./levels/index.js"
// Training the JEPA, and evaluating what it learned.
export * from "./training/index.js"
