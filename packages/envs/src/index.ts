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
export * from "./ActionEncoding.js"
export * from "./Builtins.js"
export * from "./CheckEnv.js"
export * from "./Collect.js"
export * from "./DefinedEnv.js"
export * from "./DefinedVectorEnv.js"
export * from "./DefineEnv.js"
export * from "./Exploration.js"
export * from "./GridDoors.js"
export * from "./LayoutSvg.js"
export * from "./Maze.js"
export * from "./MazeDistance.js"
export * from "./MazeLayouts.js"
export * from "./MazeMap.js"
export * from "./Navigation.js"
export * from "./NavigationImage.js"
export * from "./Options.js"
export * from "./Pendulum.js"
export * from "./PointMass.js"
export * from "./Reacher.js"
export * from "./Registry.js"
export * from "./Svg.js"
export * from "./TwoRooms.js"
export * from "./TwoRoomsLayout.js"
export * from "./TwoRoomsModel.js"
export * from "./TwoRoomsWind.js"
export * from "./VonMises.js"
export * from "./WallLayout.js"
export * from "./WallPhysics.js"
