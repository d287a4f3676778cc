/**
 * `@telos/envs`: environments for telos. `defineEnv` turns a few pure functions into an
 * environment with validation, seeding, a batched version and a registry entry; `point-mass` and
 * `pendulum` ship with differentiable ground-truth world models, so planners can be tested
 * without any learning.
 *
 * @example
 * ```ts
 * import { envRegistry } from "@telos/envs"
 * const env = envRegistry.make("point-mass")
 * env.reset({ seed: 0 })
 * const { observation, reward } = env.step([0.5, 0.5])
 * ```
 *
 * @module
 */
// The environments telos ships, and their registry.
export * from "./builtins/index.js"
// Offline data: exploration policies and collection.
export * from "./data/index.js"
// Defining an environment: the definition a user writes, what defineEnv builds, and the checks.
export * from "./define/index.js"
// The walled arenas the navigation worlds share.
export * from "./physics/index.js"
