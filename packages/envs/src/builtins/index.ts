/**
 * `@telos/envs/builtins`: the environments telos ships, and their registry.
 *
 * @module
 */
export * from "./Builtins.js"
export * from "./DiverseMaze.js"
export * from "./DiverseMazeLayouts.js"
export * from "./GridDoors.js"
export * from "./Maze.js"
export * from "./MazeDistance.js"
export * from "./MazeLayouts.js"
export * from "./MazeMap.js"
export type {
  NavigationObservation,
  NavigationOptions,
  NavigationState,
  Wind
} from "./Navigation.js"
export * from "./Pendulum.js"
export * from "./PointMass.js"
export * from "./Reacher.js"
export * from "./TwoRooms.js"
export * from "./TwoRoomsModel.js"
export * from "./TwoRoomsThickWalls.js"
export * from "./TwoRoomsWind.js"
export * from "./WallModel.js"
