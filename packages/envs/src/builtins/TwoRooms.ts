/**
 * `two-rooms`: PLDM's Two-Rooms benchmark (Sobal et al. 2025), its `DotWall` environment at the
 * defaults: a point agent in a 64 x 64 arena split by a wall with one door must reach a goal in the
 * other room within 200 steps. Geometry and picture in `TwoRoomsLayout`, the move rule in
 * `TwoRoomsPhysics`, the ground-truth model in `TwoRoomsModel`. The variant telos shipped before,
 * with thick walls, is `two-rooms-thick-walls`.
 *
 * @module
 */
import type { Box } from "@telos/core"
import type { EnvSpec } from "../define/DefineEnv.js"
import {
  defineNavigationEnv,
  type NavigationOptions,
  type NavigationState,
  readNavigationOptions
} from "./Navigation.js"
import {
  placeTwoRoomsEpisode,
  twoRoomsDoor,
  twoRoomsFreeBounds,
  twoRoomsGeometry,
  twoRoomsImage,
  twoRoomsLayout
} from "./TwoRoomsLayout.js"
import { twoRoomsModel } from "./TwoRoomsModel.js"
import { twoRoomsPhysics } from "./TwoRoomsPhysics.js"

/**
 * Makes a Two-Rooms environment, PLDM's `DotWall`, in PLDM's coordinates (`x` the image column,
 * `y` the row, pixel centres at integers; borders at 4 and 59, middle wall faces at `x = 31` and
 * `x = 33`, door `6 <= y <= 14`). Options (checked, with a typed error naming the field):
 * `observation` `"state"` (default, `[x, y]`, id `"two-rooms"`) or `"pixels"` (the
 * `[2, size, size]` image in `[0, 1]`, id `"two-rooms-pixels"`, or `"two-rooms-pixels-<size>"`
 * for a size other than 64); `imageSize` (default 64) for pixels, `info.goalImage` and
 * `definition.image`, which at 64 is PLDM's frame pixel for pixel.
 *
 * - Dynamics: PLDM's step and contact rule (see `twoRoomsMove`), with the contact noise drawn
 *   from the environment's seeded stream, so a seed fixes the trajectory. Positions are float32
 *   numbers, as in PLDM; reset options are rounded to float32 too.
 * - Actions: displacements in the box `[-2.45, 2.45]^2`. PLDM's `step` takes any displacement and
 *   its planner bounds the Euclidean norm by 2.45, so every action its evaluation sends lies in the
 *   box; an action outside the box is clipped onto it per component (`outOfRangeActions: "clip"`).
 * - Reward: minus the distance to the goal after the move (PLDM's environment returns 0; a dense
 *   reward costs nothing and serves reward-based baselines).
 * - Success (termination): `((x - gx)^2 + (y - gy)^2) / 2 < 1`, PLDM's `done`; its evaluation
 *   counts an episode a success once the agent has been that close, which terminating there
 *   reproduces. 200 steps, PLDM's evaluation budget.
 * - Start and goal: in opposite rooms, each uniform over its room's range, the agent's room a fair
 *   coin (see `placeTwoRoomsEpisode`).
 * - Reset options: `{ start?: [x, y], goal?: [x, y] }`, free points. Info: `{ goal: Float64Array
 *   [gx, gy], position: Float64Array [x, y], success, distance, wallHit }` (`wallHit`: the last
 *   move touched a wall), plus `goalImage` (`Uint8Array`, the goal's image) for pixels. The state
 *   variant has the ground-truth model `twoRoomsModel`.
 *
 * @example
 * ```ts
 * const pixels = makeTwoRooms({ observation: "pixels", imageSize: 32 })
 * const env = pixels.make()
 * const { info } = env.reset({ seed: 0 })
 * env.step([2.45, 0])
 * ```
 */
export const makeTwoRooms = (options?: NavigationOptions): EnvSpec<NavigationState, Box> => {
  const { observation, imageSize } = readNavigationOptions(options)
  const id =
    observation === "state"
      ? "two-rooms"
      : imageSize === 64
        ? "two-rooms-pixels"
        : `two-rooms-pixels-${imageSize}`
  return defineNavigationEnv({
    id,
    description:
      observation === "state"
        ? "PLDM's Two-Rooms (DotWall): reach a goal in the other room through a door; state [x, y]."
        : `PLDM's Two-Rooms (DotWall) from ${imageSize}x${imageSize} 2-channel images (agent dot, walls).`,
    layout: twoRoomsLayout,
    freeBounds: twoRoomsFreeBounds,
    maxEpisodeSteps: twoRoomsGeometry.maxEpisodeSteps,
    successSquaredDistance: twoRoomsGeometry.successSquaredDistance,
    observation,
    imageSize,
    placeEpisode: placeTwoRoomsEpisode,
    physics: twoRoomsPhysics,
    image: twoRoomsImage,
    outOfRangeActions: "clip",
    groundTruthModel: twoRoomsModel,
    doorways: [twoRoomsDoor]
  })
}

/**
 * The registered `two-rooms`: state observations `[x, y]`.
 *
 * @example
 * ```ts
 * const env = twoRooms.make()
 * env.reset({ seed: 1, options: { start: [10, 50], goal: [50, 50] } })
 * ```
 */
export const twoRooms: EnvSpec<NavigationState, Box> = makeTwoRooms()

/**
 * The registered `two-rooms-pixels`: 64 x 64 two-channel image observations, as PLDM plans from.
 *
 * @example
 * ```ts
 * const env = twoRoomsPixels.make()
 * const { observation } = env.reset({ seed: 1 }) // Float64Array(2 * 64 * 64) in [0, 1]
 * ```
 */
export const twoRoomsPixels: EnvSpec<NavigationState, Box> = makeTwoRooms({ observation: "pixels" })
