/**
 * `two-rooms`: PLDM's Two-Rooms benchmark (Sobal et al. 2025). A point agent in a 64 x 64 arena
 * split by a wall with one door must reach a goal in the other room within 200 steps, moving by
 * displacements of at most 2.45 px per axis; walls stop it (see `WallPhysics`). Geometry in
 * `TwoRoomsLayout`, ground-truth model in `TwoRoomsModel`.
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
  twoRoomsFreeBounds,
  twoRoomsGeometry,
  twoRoomsLayout
} from "./TwoRoomsLayout.js"
import { twoRoomsModel } from "./TwoRoomsModel.js"

/**
 * Makes a Two-Rooms environment. Options (checked, with a typed error naming the field):
 * `observation` `"state"` (default, `[x, y]`, id `"two-rooms"`) or `"pixels"` (the
 * `[2, size, size]` image in `[0, 1]`, id `"two-rooms-pixels"`, or `"two-rooms-pixels-<size>"`
 * for a size other than 64); `imageSize` (default 64) for pixels, `info.goalImage` and
 * `definition.image`. Reward: minus the distance to the goal after the move (PLDM's environment
 * returns 0; a dense reward costs nothing and serves reward-based baselines). Success
 * (termination): `((x - gx)^2 + (y - gy)^2) / 2 < 1`. Reset options: `{ start?: [x, y], goal?:
 * [x, y] }`. Info: `{ goal: Float64Array [gx, gy], success, distance }`, plus `goalImage`
 * (`Uint8Array`, the goal's image) for pixels. The state variant has the ground-truth model
 * `twoRoomsModel`.
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
        ? "PLDM's Two-Rooms: reach a goal in the other room through a door; state [x, y]."
        : `PLDM's Two-Rooms from ${imageSize}x${imageSize} 2-channel images (agent dot, walls).`,
    layout: twoRoomsLayout,
    freeBounds: twoRoomsFreeBounds,
    maxEpisodeSteps: twoRoomsGeometry.maxEpisodeSteps,
    successSquaredDistance: twoRoomsGeometry.successSquaredDistance,
    observation,
    imageSize,
    placeEpisode: placeTwoRoomsEpisode,
    groundTruthModel: twoRoomsModel
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
