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
export * from "./builtins/Builtins.js"
export * from "./builtins/GridDoors.js"
export * from "./builtins/Maze.js"
export * from "./builtins/MazeDistance.js"
export * from "./builtins/MazeLayouts.js"
export * from "./builtins/MazeMap.js"
export type {
  NavigationObservation,
  NavigationOptions,
  NavigationState,
  Wind
} from "./builtins/Navigation.js"
export * from "./builtins/Pendulum.js"
export * from "./builtins/PointMass.js"
export * from "./builtins/Reacher.js"
export * from "./builtins/TwoRooms.js"
export * from "./builtins/TwoRoomsModel.js"
export * from "./builtins/TwoRoomsWind.js"
// Offline data: exploration policies and collection.
export * from "./data/Collect.js"
export * from "./data/Exploration.js"
export * from "./data/VonMises.js"
// Defining an environment: the definition a user writes, what defineEnv builds, and the checks.
export * from "./define/ActionEncoding.js"
export * from "./define/CheckEnv.js"
export * from "./define/DefinedEnv.js"
export * from "./define/DefinedVectorEnv.js"
export * from "./define/DefineEnv.js"
export * from "./define/EnvDefinition.js"
export * from "./define/LayoutSvg.js"
export * from "./define/Options.js"
export * from "./define/Registry.js"
export * from "./define/Svg.js"
// The walled arenas the navigation worlds share.
export * from "./physics/WallLayout.js"
