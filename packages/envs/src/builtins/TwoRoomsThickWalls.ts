/**
 * `two-rooms-thick-walls`: the approximation of PLDM's Two-Rooms that telos shipped as `two-rooms`
 * before it became PLDM's `DotWall`. Its walls are rectangles of whole pixels: 5-px borders, a
 * middle wall whose faces stop the agent half a pixel earlier than PLDM's lines, door rows 6 to 13
 * (PLDM's door has rows 6 to 14), pixel centres at `i + 0.5`. A contact pushes the agent back by a
 * uniform offset in `[0.05, 0.5)` with no shift along the wall (see `moveWithWalls`). Geometry in
 * `TwoRoomsThickWallsLayout`; `two-rooms-wind` shares it.
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
import { twoRoomsThickWallsModel } from "./TwoRoomsModel.js"
import {
  placeThickWallsEpisode,
  thickWallsFreeBounds,
  thickWallsGeometry,
  thickWallsLayout
} from "./TwoRoomsThickWallsLayout.js"

/**
 * Makes the thick-walled Two-Rooms. Options, reward, success, budget, reset options and info as
 * `makeTwoRooms`' (without `info.wallHit`); actions outside `[-2.45, 2.45]^2` are rejected. Ids:
 * `"two-rooms-thick-walls"` and `"two-rooms-thick-walls-pixels"` (`-<size>` appended for a size
 * other than 64). The state variant has the ground-truth model `twoRoomsThickWallsModel`.
 *
 * @example
 * ```ts
 * const env = makeTwoRoomsThickWalls().make()
 * env.reset({ seed: 0, options: { start: [20, 30] } })
 * env.step([2.45, 0])
 * ```
 */
export const makeTwoRoomsThickWalls = (options?: NavigationOptions): EnvSpec<NavigationState, Box> => {
  const { observation, imageSize } = readNavigationOptions(options)
  const pixelSuffix = imageSize === 64 ? "" : `-${imageSize}`
  return defineNavigationEnv({
    id: observation === "state" ? "two-rooms-thick-walls" : `two-rooms-thick-walls-pixels${pixelSuffix}`,
    description:
      observation === "state"
        ? "Two-Rooms with 5-px borders, collision half a pixel early, push-back without sideways noise and door rows 6-13; state [x, y]."
        : `Two-Rooms with 5-px borders, collision half a pixel early, push-back without sideways noise and door rows 6-13, from ${imageSize}x${imageSize} images.`,
    layout: thickWallsLayout,
    freeBounds: thickWallsFreeBounds,
    maxEpisodeSteps: thickWallsGeometry.maxEpisodeSteps,
    successSquaredDistance: thickWallsGeometry.successSquaredDistance,
    observation,
    imageSize,
    placeEpisode: placeThickWallsEpisode,
    groundTruthModel: twoRoomsThickWallsModel
  })
}

/**
 * The registered `two-rooms-thick-walls`: state observations `[x, y]`.
 *
 * @example
 * ```ts
 * const env = twoRoomsThickWalls.make()
 * env.reset({ seed: 1, options: { start: [10, 50], goal: [50, 50] } })
 * ```
 */
export const twoRoomsThickWalls: EnvSpec<NavigationState, Box> = makeTwoRoomsThickWalls()

/**
 * The registered `two-rooms-thick-walls-pixels`: 64 x 64 two-channel image observations.
 *
 * @example
 * ```ts
 * const env = twoRoomsThickWallsPixels.make()
 * const { observation } = env.reset({ seed: 1 }) // Float64Array(2 * 64 * 64) in [0, 1]
 * ```
 */
export const twoRoomsThickWallsPixels: EnvSpec<NavigationState, Box> = makeTwoRoomsThickWalls({
  observation: "pixels"
})
