/**
 * The registry of the environments telos ships.
 *
 * @module
 */

import { EnvRegistry } from "../define/Registry.js"
import { gridDoors } from "./GridDoors.js"
import { makeMaze, mazeFourRooms, mazeLarge, mazeMedium, mazeU } from "./Maze.js"
import { pendulum } from "./Pendulum.js"
import { pointMass } from "./PointMass.js"
import { reacher } from "./Reacher.js"
import { twoRooms, twoRoomsPixels } from "./TwoRooms.js"
import { twoRoomsThickWalls, twoRoomsThickWallsPixels } from "./TwoRoomsThickWalls.js"
import { twoRoomsWind } from "./TwoRoomsWind.js"

/**
 * The built-in environments: `point-mass`, `pendulum` and `reacher`; the navigation worlds
 * `two-rooms` (PLDM's `DotWall`), `two-rooms-pixels`, `two-rooms-thick-walls` (the earlier
 * approximation, also as `two-rooms-thick-walls-pixels`), `two-rooms-wind`, `maze-u`,
 * `maze-four-rooms`, `maze-medium` and `maze-large` (each maze also as `maze-<name>-pixels`, seen
 * through 64 x 64 images); and `grid-doors`, a grid world with discrete actions.
 *
 * @example
 * ```ts
 * const env = envRegistry.make("pendulum")
 * env.reset({ seed: 0 })
 * ```
 */
export const envRegistry: EnvRegistry = new EnvRegistry()
  .register(pointMass)
  .register(pendulum)
  .register(reacher)
  .register(twoRooms)
  .register(twoRoomsPixels)
  .register(twoRoomsThickWalls)
  .register(twoRoomsThickWallsPixels)
  .register(twoRoomsWind)
  .register(mazeU)
  .register(mazeFourRooms)
  .register(mazeMedium)
  .register(mazeLarge)
  .register(makeMaze("u", { observation: "pixels" }))
  .register(makeMaze("four-rooms", { observation: "pixels" }))
  .register(makeMaze("medium", { observation: "pixels" }))
  .register(makeMaze("large", { observation: "pixels" }))
  .register(gridDoors)
