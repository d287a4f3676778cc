/**
 * `@telos/core`: the contracts every telos package shares (environment, world model, cost,
 * planner), the tensor backend, seeded randomness, spaces, typed errors and config decoding.
 *
 * @example
 * ```ts
 * import { Box, Random } from "@telos/core"
 * const actions = new Box({ low: -1, high: 1, shape: [2] })
 * const action = actions.sample(Random.fromSeed(7))
 * ```
 *
 * @module
 */
export * from "./Adam.js"
export * from "./Backend.js"
export * from "./CheckpointError.js"
export * from "./CompiledAdam.js"
export * from "./CompiledStep.js"
export * from "./Config.js"
export * from "./Cost.js"
export * from "./Crc32.js"
export * from "./DatasetError.js"
export * from "./Dense.js"
export * from "./Env.js"
export * from "./Errors.js"
export * from "./Interruption.js"
export * from "./Levels.js"
export * from "./Planner.js"
export * from "./Random.js"
export * from "./Space.js"
export * from "./StopGradient.js"
export * from "./WorldModel.js"
