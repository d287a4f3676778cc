/**
 * `two-rooms-wind`: the thick-walled Two-Rooms (`two-rooms-thick-walls`) with a hidden, persistent
 * wind, a task for world models with a latent variable. At reset, after start and goal, the episode draws one of four winds (east,
 * west, north, south, 0.75 px per step) and adds it to every move, which walls still stop. The
 * observation does not show it; the agent has to infer it from how its moves turn out.
 *
 * @module
 */
import type { Box } from "@telos/core"
import type { EnvSpec } from "../define/DefineEnv.js"
import {
  defineNavigationEnv,
  type NavigationOptions,
  type NavigationState,
  readNavigationOptions,
  type Wind
} from "./Navigation.js"
import { twoRoomsThickWallsModel } from "./TwoRoomsModel.js"
import {
  placeThickWallsEpisode,
  thickWallsFreeBounds,
  thickWallsGeometry,
  thickWallsLayout
} from "./TwoRoomsThickWallsLayout.js"

/**
 * The drift per step of each wind, in pixels: a third of the largest action, strong enough to
 * matter over a few steps and weak enough that every move can still be cancelled. `y` grows
 * downwards, so north is `-y`.
 *
 * @example
 * ```ts
 * twoRoomsWindSpeed // 0.75
 * ```
 */
export const twoRoomsWindSpeed = 0.75

/**
 * The four winds an episode of `two-rooms-wind` draws from, uniformly.
 *
 * @example
 * ```ts
 * twoRoomsWinds.map((wind) => wind.name) // ["east", "west", "north", "south"]
 * ```
 */
export const twoRoomsWinds: ReadonlyArray<Wind> = Object.freeze([
  { name: "east", x: twoRoomsWindSpeed, y: 0 },
  { name: "west", x: -twoRoomsWindSpeed, y: 0 },
  { name: "north", x: 0, y: -twoRoomsWindSpeed },
  { name: "south", x: 0, y: twoRoomsWindSpeed }
])

/**
 * Makes a windy Two-Rooms environment: `two-rooms-thick-walls` in every respect (options,
 * geometry, start and goal for a given seed, reward, success, budget) except that each move is
 * `action + wind`. Reset
 * options add `{ wind?: "east" | "west" | "north" | "south" }` to fix it. `info.wind`
 * (`Float64Array [wx, wy]`) reports the episode's wind for evaluation only: agents must not read
 * it, since inferring it is the task. Ids: `"two-rooms-wind"` and `"two-rooms-wind-pixels"`
 * (`-<size>` appended for a size other than 64). The ground-truth model `twoRoomsThickWallsModel`
 * takes the wind as its latent variable.
 *
 * @example
 * ```ts
 * const env = makeTwoRoomsWind().make()
 * const { info } = env.reset({ seed: 4 })
 * env.step([0, 0]) // drifts by info.wind, unless a wall is in the way
 * ```
 */
export const makeTwoRoomsWind = (options?: NavigationOptions): EnvSpec<NavigationState, Box> => {
  const { observation, imageSize } = readNavigationOptions(options)
  const pixelSuffix = imageSize === 64 ? "" : `-${imageSize}`
  return defineNavigationEnv({
    id: observation === "state" ? "two-rooms-wind" : `two-rooms-wind-pixels${pixelSuffix}`,
    description:
      "Thick-walled Two-Rooms (as two-rooms-thick-walls) with a hidden persistent wind (one of four, drawn per episode) added to every move.",
    layout: thickWallsLayout,
    freeBounds: thickWallsFreeBounds,
    maxEpisodeSteps: thickWallsGeometry.maxEpisodeSteps,
    successSquaredDistance: thickWallsGeometry.successSquaredDistance,
    observation,
    imageSize,
    placeEpisode: placeThickWallsEpisode,
    winds: twoRoomsWinds,
    groundTruthModel: twoRoomsThickWallsModel
  })
}

/**
 * The registered `two-rooms-wind`: state observations `[x, y]`.
 *
 * @example
 * ```ts
 * const env = twoRoomsWind.make()
 * env.reset({ seed: 0, options: { wind: "east" } })
 * ```
 */
export const twoRoomsWind: EnvSpec<NavigationState, Box> = makeTwoRoomsWind()
