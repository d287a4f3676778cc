/**
 * What the navigation worlds (two-rooms, two-rooms-thick-walls, two-rooms-wind, the mazes) share:
 * a point agent in a walled arena moved by 2-D displacements, by default under
 * {@link moveWithWalls}, a goal, a success radius, an optional hidden wind, state or pixel
 * observations, and the factory options that choose between them. Each world supplies its layout
 * and how it places start and goal, and may bring its own physics and picture (two-rooms does,
 * to be PLDM's `DotWall`); {@link defineNavigationEnv} builds the environment.
 *
 * @module
 */
import { Box, describeValue, InvalidValueError, type Random, type WorldModel } from "@telos/core"
import { defineEnv, type EnvSpec } from "../define/DefineEnv.js"
import type { Doorway, ImageRenderer, TransitionResult } from "../define/EnvDefinition.js"
import { checkOptionNames, type ResetOptionValues, readVectorOption } from "../define/Options.js"
import { svgDocument } from "../define/Svg.js"
import type { Rectangle, WallLayout } from "../physics/WallLayout.js"
import { compileWalls, insideCompiledWall, moveWithWalls } from "../physics/WallPhysics.js"
import { type ArenaPoint, navigationImage } from "./NavigationImage.js"

/**
 * The largest displacement per axis and step, PLDM's `max_step_norm`: actions lie in
 * `[-2.45, 2.45]^2`.
 *
 * @example
 * ```ts
 * navigationActionSpace.high // [2.45, 2.45]
 * ```
 */
export const navigationMaxStep = 2.45

/**
 * The action space of every navigation world: a displacement `[dx, dy]` in arena pixels.
 *
 * @example
 * ```ts
 * navigationActionSpace.contains([2.45, -1]) // true
 * ```
 */
export const navigationActionSpace = new Box({ low: -navigationMaxStep, high: navigationMaxStep, shape: [2] })

/**
 * The state of a navigation world: the agent, the goal and the episode's wind (zero when the world
 * has none), all in arena pixels.
 *
 * @example
 * ```ts
 * const state: NavigationState = { x: 10, y: 20, goalX: 50, goalY: 40, windX: 0, windY: 0 }
 * ```
 */
export interface NavigationState {
  /** The agent's x, in arena pixels. */
  readonly x: number
  /** The agent's y, in arena pixels. */
  readonly y: number
  /** The goal's x. */
  readonly goalX: number
  /** The goal's y. */
  readonly goalY: number
  /** The wind's x component, in pixels per step. */
  readonly windX: number
  /** The wind's y component, in pixels per step. */
  readonly windY: number
  /**
   * Whether the move into this state touched a wall (false after a reset). Present only in worlds
   * with their own physics (`two-rooms`), whose info reports it as `wallHit`.
   */
  readonly wallHit?: boolean
}

/**
 * What a navigation world's agent observes: its position `[x, y]`, or the image of the arena.
 *
 * @example
 * ```ts
 * const observation: NavigationObservation = "pixels"
 * ```
 */
export type NavigationObservation = "state" | "pixels"

/**
 * Options of the navigation factories (`makeTwoRooms`, `makeMaze`, ...).
 *
 * @example
 * ```ts
 * const options: NavigationOptions = { observation: "pixels", imageSize: 32 }
 * ```
 */
export interface NavigationOptions {
  /** `"state"` (default): `[x, y]`; `"pixels"`: the `[2, size, size]` image scaled to `[0, 1]`. */
  readonly observation?: NavigationObservation
  /**
   * The side of the square image (default 64), for pixel observations, `info.goalImage` and the
   * definition's `image` renderer (which state-observation variants offer too, for datasets).
   */
  readonly imageSize?: number
}

/**
 * Image sizes the factories accept.
 *
 * @example
 * ```ts
 * navigationImageSizes.maximum // 512
 * ```
 */
export const navigationImageSizes = { minimum: 8, default: 64, maximum: 512 } as const

/**
 * Checks navigation factory options, with a typed error naming the offending field
 * (`options.observation`, `options.imageSize`, or an unknown `options.<name>`).
 *
 * @example
 * ```ts
 * readNavigationOptions({ observation: "pixels" }) // { observation: "pixels", imageSize: 64 }
 * readNavigationOptions({ imageSize: 3 }) // throws InvalidValueError, field "options.imageSize"
 * ```
 */
export const readNavigationOptions = (options: unknown): Required<NavigationOptions> => {
  if (options === undefined) return { observation: "state", imageSize: navigationImageSizes.default }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidValueError({
      field: "options",
      expected: "an object { observation?, imageSize? }",
      received: describeValue(options)
    })
  }
  const values = options as Readonly<Record<string, unknown>>
  checkOptionNames(values, ["observation", "imageSize"])
  const observation = values.observation ?? "state"
  if (observation !== "state" && observation !== "pixels") {
    throw new InvalidValueError({
      field: "options.observation",
      expected: '"state" or "pixels"',
      received: describeValue(observation)
    })
  }
  const imageSize = values.imageSize ?? navigationImageSizes.default
  const { minimum, maximum } = navigationImageSizes
  if (
    typeof imageSize !== "number" ||
    !Number.isInteger(imageSize) ||
    imageSize < minimum ||
    imageSize > maximum
  ) {
    throw new InvalidValueError({
      field: "options.imageSize",
      expected: `an integer in [${minimum}, ${maximum}]`,
      received: describeValue(imageSize)
    })
  }
  return { observation, imageSize }
}

/**
 * A persistent drift added to every move of an episode, in pixels per step.
 *
 * @example
 * ```ts
 * const east: Wind = { name: "east", x: 0.75, y: 0 }
 * ```
 */
export interface Wind {
  /** A label for the wind (`east`, say). */
  readonly name: string
  /** Drift along x, in pixels per step. */
  readonly x: number
  /** Drift along y, in pixels per step. */
  readonly y: number
}

/**
 * Start and goal of an episode.
 *
 * @example
 * ```ts
 * const placement: EpisodePlacement = { start: { x: 10, y: 10 }, goal: { x: 50, y: 50 } }
 * ```
 */
export interface EpisodePlacement {
  readonly start: ArenaPoint
  readonly goal: ArenaPoint
}

/**
 * A world's own physics, in place of {@link moveWithWalls} over its layout (which then only draws
 * the SVG picture).
 *
 * @example
 * ```ts
 * const open: NavigationPhysics = {
 *   insideWall: (x, y) => !(x > 0 && x < 64 && y > 0 && y < 64),
 *   move: (x, y, dx, dy, _rng, target) => {
 *     const blocked = open.insideWall(x + dx, y + dy)
 *     target[0] = blocked ? x : x + dx
 *     target[1] = blocked ? y : y + dy
 *     return blocked
 *   }
 * }
 * ```
 */
export interface NavigationPhysics {
  /** Whether `(x, y)` is blocked: starts and goals given as reset options must not be. */
  insideWall(x: number, y: number): boolean
  /**
   * Moves the agent from `(x, y)`, a free point, by `(dx, dy)`, writes where it ends into
   * `target[0]`, `target[1]`, and returns whether the move touched a wall. Any randomness comes
   * from `rng`, so that a seed fixes the trajectory.
   */
  move(x: number, y: number, dx: number, dy: number, rng: Random, target: Float64Array): boolean
}

/**
 * One navigation world, as {@link defineNavigationEnv} needs it.
 *
 * @example
 * ```ts
 * const world: NavigationWorld = {
 *   id: "corridor", description: "An empty 64 x 16 corridor.",
 *   layout: { width: 64, height: 16, walls: [] }, freeBounds: { x: 0, y: 0, width: 64, height: 16 },
 *   maxEpisodeSteps: 100, successSquaredDistance: 2, observation: "state", imageSize: 64,
 *   placeEpisode: (rng, fixed) => ({
 *     start: fixed.start ?? { x: rng.uniformIn(1, 8), y: 8 },
 *     goal: fixed.goal ?? { x: rng.uniformIn(56, 63), y: 8 }
 *   })
 * }
 * ```
 */
export interface NavigationWorld {
  readonly id: string
  readonly description: string
  readonly layout: WallLayout
  /** A rectangle that holds every free point: the box of state observations. */
  readonly freeBounds: Rectangle
  readonly maxEpisodeSteps: number
  /** The episode succeeds (terminates) once the squared distance to the goal is below this. */
  readonly successSquaredDistance: number
  readonly observation: NavigationObservation
  readonly imageSize: number
  /**
   * Draws the start and goal of an episode from `rng`, keeping the fixed ones (from the reset
   * options `start` and `goal`, already checked to lie outside every wall).
   */
  placeEpisode(
    rng: Random,
    fixed: { readonly start: ArenaPoint | undefined; readonly goal: ArenaPoint | undefined }
  ): EpisodePlacement
  /** The winds an episode draws from, uniformly, after its start and goal; none when absent. */
  readonly winds?: ReadonlyArray<Wind>
  /** The differentiable dynamics, for state observations. */
  readonly groundTruthModel?: () => WorldModel
  /** Doors that exploration may be sent through (state observations only: they are positions). */
  readonly doorways?: ReadonlyArray<Doorway>
  /**
   * The world's own collision rule and free-space test; absent: {@link moveWithWalls} over
   * `layout`. A world with its own physics reports `info.wallHit`.
   */
  readonly physics?: NavigationPhysics
  /** Draws the world at a given image size; absent: {@link navigationImage} of `layout`. */
  readonly image?: (size: number) => ImageRenderer<ArenaPoint>
  /** What `step` does with an action outside the box (see `EnvDefinition`); absent: `"reject"`. */
  readonly outOfRangeActions?: "reject" | "clip"
}

const toPoint = (vector: Float64Array | undefined): ArenaPoint | undefined =>
  vector === undefined ? undefined : { x: vector[0] as number, y: vector[1] as number }

const drawWind = (winds: ReadonlyArray<Wind>, rng: Random, options: ResetOptionValues): Wind => {
  // Drawn even when the options fix it, so that fixing the wind leaves later draws unchanged.
  const drawn = winds[rng.integer(winds.length)] as Wind
  const named = options?.wind
  if (named === undefined) return drawn
  const fixed = winds.find((wind) => wind.name === named)
  if (fixed === undefined) {
    throw new InvalidValueError({
      field: "options.wind",
      expected: `one of ${winds.map((wind) => `"${wind.name}"`).join(", ")}`,
      received: describeValue(named)
    })
  }
  return fixed
}

/**
 * Builds a navigation environment. Observation: `[x, y]` in `freeBounds`, or, for pixels, the
 * `[2, size, size]` image (the world's own, or {@link navigationImage}) divided by 255. Action: a
 * displacement in `[-2.45, 2.45]^2`, plus the episode's wind, moved under the world's physics or
 * {@link moveWithWalls}. Reward: minus the distance to the goal after the move. Success
 * (termination): squared distance below `successSquaredDistance`. Reset options: `{ start?: [x,
 * y], goal?: [x, y] }` (points outside every wall) and, with winds, `{ wind?: name }`. Info: `{
 * goal: Float64Array [gx, gy], position: Float64Array [x, y], success, distance }` (the position
 * is for evaluation, e.g. of guardrails: a pixel agent sees only its image), plus `goalImage` (the
 * goal's `uint8` image) for pixel observations, `wallHit` (whether the last move touched a wall)
 * for worlds with their own physics, and `wind` (`Float64Array [wx, wy]`) for windy worlds, which
 * is there for evaluation only: an agent that reads it is told what it should infer.
 *
 * @example
 * ```ts
 * const corridor = defineNavigationEnv(world)
 * const env = corridor.make()
 * env.reset({ seed: 1 })
 * env.step([2, 0])
 * ```
 */
export const defineNavigationEnv = (world: NavigationWorld): EnvSpec<NavigationState, Box> => {
  const { freeBounds, successSquaredDistance, winds, physics } = world
  const walls = compileWalls(world.layout)
  const insideAnyWall =
    physics === undefined
      ? (x: number, y: number) => insideCompiledWall(walls, x, y)
      : (x: number, y: number) => physics.insideWall(x, y)
  const image = (world.image ?? ((size) => navigationImage(world.layout, size)))(world.imageSize)
  const positionSpace = new Box({
    low: [freeBounds.x, freeBounds.y],
    high: [freeBounds.x + freeBounds.width, freeBounds.y + freeBounds.height]
  })
  const pixels = world.observation === "pixels"
  const observationSpace = pixels
    ? new Box({ low: 0, high: 1, shape: [2, world.imageSize, world.imageSize] })
    : positionSpace
  // Scratch buffers, safe to share between copies: every use finishes before the call returns.
  const moved = new Float64Array(2)
  const frame = new Uint8Array(2 * world.imageSize * world.imageSize)

  const readPoint = (options: ResetOptionValues, name: string): ArenaPoint | undefined => {
    const point = toPoint(readVectorOption(options, name, positionSpace))
    if (point !== undefined && insideAnyWall(point.x, point.y)) {
      throw new InvalidValueError({
        field: `options.${name}`,
        expected: "a point outside every wall",
        received: `[${point.x}, ${point.y}], inside a wall`
      })
    }
    return point
  }

  const initialState = (rng: Random, options: ResetOptionValues): NavigationState => {
    checkOptionNames(options, winds === undefined ? ["start", "goal"] : ["start", "goal", "wind"])
    const fixed = { start: readPoint(options, "start"), goal: readPoint(options, "goal") }
    const { start, goal } = world.placeEpisode(rng, fixed)
    const wind = winds === undefined ? undefined : drawWind(winds, rng, options)
    const state = {
      x: start.x,
      y: start.y,
      goalX: goal.x,
      goalY: goal.y,
      windX: wind?.x ?? 0,
      windY: wind?.y ?? 0
    }
    return physics === undefined ? state : { ...state, wallHit: false }
  }

  const transition = (
    state: NavigationState,
    action: Float64Array,
    rng: Random
  ): TransitionResult<NavigationState> => {
    const dx = (action[0] as number) + state.windX
    const dy = (action[1] as number) + state.windY
    // Explicit literals (not spreads) keep one object shape per world on this hot path.
    let next: NavigationState
    if (physics === undefined) {
      moveWithWalls(walls, state.x, state.y, dx, dy, rng, moved)
      next = {
        x: moved[0] as number,
        y: moved[1] as number,
        goalX: state.goalX,
        goalY: state.goalY,
        windX: state.windX,
        windY: state.windY
      }
    } else {
      const wallHit = physics.move(state.x, state.y, dx, dy, rng, moved)
      next = {
        x: moved[0] as number,
        y: moved[1] as number,
        goalX: state.goalX,
        goalY: state.goalY,
        windX: state.windX,
        windY: state.windY,
        wallHit
      }
    }
    const squared = (next.x - next.goalX) ** 2 + (next.y - next.goalY) ** 2
    return { state: next, reward: -Math.sqrt(squared), terminated: squared < successSquaredDistance }
  }

  const observe = (state: NavigationState): Float64Array => {
    if (!pixels) return Float64Array.of(state.x, state.y)
    image.render(state, frame)
    const observation = new Float64Array(frame.length)
    for (let index = 0; index < frame.length; index++) observation[index] = (frame[index] as number) / 255
    return observation
  }

  const info = (state: NavigationState) => {
    const squared = (state.x - state.goalX) ** 2 + (state.y - state.goalY) ** 2
    return {
      goal: Float64Array.of(state.goalX, state.goalY),
      position: Float64Array.of(state.x, state.y),
      success: squared < successSquaredDistance,
      distance: Math.sqrt(squared),
      ...(pixels ? { goalImage: image.render({ x: state.goalX, y: state.goalY }) } : {}),
      ...(winds === undefined ? {} : { wind: Float64Array.of(state.windX, state.windY) }),
      ...(physics === undefined ? {} : { wallHit: state.wallHit === true })
    }
  }

  const successRadius = Math.sqrt(successSquaredDistance)
  const { width, height } = world.layout
  const wallRectangles = world.layout.walls
    .map((wall) => `<rect x="${wall.x}" y="${wall.y}" width="${wall.width}" height="${wall.height}"/>`)
    .join("")
  const render = (state: NavigationState): string =>
    svgDocument(
      { width: 256, height: Math.round((256 * height) / width), viewBox: `0 0 ${width} ${height}` },
      `<rect width="${width}" height="${height}" fill="#fafafa"/>` +
        `<g fill="#333">${wallRectangles}</g>` +
        `<circle cx="${state.goalX}" cy="${state.goalY}" r="${successRadius}" fill="#2a9d4a" opacity="0.6"/>` +
        `<circle cx="${state.x}" cy="${state.y}" r="1.3" fill="#1f5fbf"/>`
    )

  return defineEnv<NavigationState, Box>({
    id: world.id,
    description: world.description,
    observationSpace,
    actionSpace: navigationActionSpace,
    maxEpisodeSteps: world.maxEpisodeSteps,
    ...(world.outOfRangeActions === undefined ? {} : { outOfRangeActions: world.outOfRangeActions }),
    initialState,
    transition,
    observe,
    info,
    render,
    image,
    ...(world.groundTruthModel === undefined || pixels ? {} : { groundTruthModel: world.groundTruthModel }),
    ...(world.doorways === undefined || pixels ? {} : { doorways: world.doorways })
  })
}
