/**
 * The registry of the environments telos ships.
 *
 * @module
 */

import { EnvRegistry } from "../define/Registry.js"
import { diverseMazeVariants, makeDiverseMaze } from "./DiverseMaze.js"
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
 * through 64 x 64 images); PLDM's diverse mazes `diverse-maze-5` and `diverse-maze-20` (the first 5
 * and 20 training layouts), `diverse-maze-held-out` (24 layouts never trained on) and
 * `diverse-maze-held-out-short`, `-medium` and `-long` (the same layouts, start and goal 1-2, 3-4
 * and 5-7 blocks apart), each also as `<id>-pixels`; and `grid-doors`, a grid world with discrete
 * actions.
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

for (const observation of ["state", "pixels"] as const) {
  for (const [name, variant] of Object.entries(diverseMazeVariants)) {
    envRegistry.register(makeDiverseMaze({ name, ...variant, observation }))
  }
}
