/**
 * `diverse-maze-*`: PLDM's "Diverse Maze" protocol. Each episode plays one layout of a set drawn
 * from the family of {@link diverseMazeLayout} (8 x 8 blocks of 8 px, border walls), so a model
 * trained on a few layouts can be tested on layouts it never saw. Start and goal blocks are drawn
 * with their shortest path in a chosen range of lengths, PLDM's way of bucketing test difficulty.
 * The agent moves as in the mazes (`moveWithWalls`, displacements in `[-2.45, 2.45]^2`),
 * where PLDM moves MuJoCo's point mass with action repeat 4.
 *
 * @module
 */
import { Box, describeValue, InvalidValueError, type Random } from "@telos/core"
import { defineEnv, type EnvSpec } from "../define/DefineEnv.js"
import type { ImageRenderer, TransitionResult } from "../define/EnvDefinition.js"
import { checkOptionNames, type ResetOptionValues, readVectorOption } from "../define/Options.js"
import { svgDocument } from "../define/Svg.js"
import type { WallLayout } from "../physics/WallLayout.js"
import {
  type CompiledWalls,
  compileWalls,
  insideCompiledWall,
  moveWithWalls
} from "../physics/WallPhysics.js"
import {
  diverseMazeLayout,
  diverseMazeLayoutLimit,
  diverseMazeRules,
  diverseMazeSplits
} from "./DiverseMazeLayouts.js"
import { mazeDistances } from "./MazeDistance.js"
import { type MazeMap, mazeWallLayout, parseMazeMap } from "./MazeMap.js"
import { type NavigationObservation, navigationActionSpace, readNavigationOptions } from "./Navigation.js"
import { type ArenaPoint, navigationImage } from "./NavigationImage.js"
import { wallModel } from "./WallModel.js"

/**
 * Pixels per block of a diverse maze: the arena is `8 * 8 = 64` px square.
 *
 * @example
 * ```ts
 * diverseMazeBlockSize * diverseMazeRules.side // 64
 * ```
 */
export const diverseMazeBlockSize = 8

const arenaSide = diverseMazeBlockSize * diverseMazeRules.side
const blocks = diverseMazeRules.side * diverseMazeRules.side
// Success within half a block of the goal, as in the mazes.
const successRadius = diverseMazeBlockSize / 2

/**
 * The state of a diverse maze: the agent and goal in arena pixels, the episode's layout (its
 * index in the family's stream) and the shortest path in blocks from the start's block to the
 * goal's, fixed at reset.
 *
 * @example
 * ```ts
 * const state: DiverseMazeState = { x: 12, y: 12, goalX: 44, goalY: 28, layout: 40, pathLength: 6 }
 * ```
 */
export interface DiverseMazeState {
  /** The agent's x, in arena pixels. */
  readonly x: number
  /** The agent's y. */
  readonly y: number
  /** The goal's x. */
  readonly goalX: number
  /** The goal's y. */
  readonly goalY: number
  /** The episode's layout: its index in the stream of {@link diverseMazeLayout}. */
  readonly layout: number
  /** Blocks from the start's block to the goal's along the maze, fixed at reset. */
  readonly pathLength: number
}

/**
 * Options of {@link makeDiverseMaze}.
 *
 * @example
 * ```ts
 * const options: DiverseMazeOptions = {
 *   name: "held-out-long",
 *   layouts: diverseMazeSplits.heldOut(),
 *   pathLength: { minimum: 5, maximum: 7 },
 *   observation: "pixels"
 * }
 * ```
 */
export interface DiverseMazeOptions {
  /** Names the environment: its id is `diverse-maze-<name>` (lowercase words joined by hyphens). */
  readonly name: string
  /** The layouts episodes draw from, uniformly: distinct indices of {@link diverseMazeLayout}. */
  readonly layouts: ReadonlyArray<number>
  /** The shortest path from the start's block to the goal's, in blocks: integers, `1 <= minimum <= maximum`. */
  readonly pathLength: {
    /** The shortest path allowed, at least 1. */
    readonly minimum: number
    /** The longest path allowed, at least `minimum`. */
    readonly maximum: number
  }
  /** `"state"` (default): `[x, y]`; `"pixels"`: the `[2, size, size]` image scaled to `[0, 1]`. */
  readonly observation?: NavigationObservation
  /** The side of the square image (default 64), as for the other navigation worlds. */
  readonly imageSize?: number
  /** Steps before truncation (default 100). */
  readonly maxEpisodeSteps?: number
}

/** One layout, made ready to play; built once per layout index, the walls and images on first use. */
interface PreparedLayout {
  readonly map: MazeMap
  readonly walls: WallLayout
  /** `distances[a * 64 + b]`: blocks from block `a` to block `b` (-1: a wall). */
  readonly distances: Int8Array
  compiled?: CompiledWalls
  svg?: string
  readonly images: Map<number, ImageRenderer<ArenaPoint>>
}

const prepared = new Map<number, PreparedLayout>()

const prepareLayout = (index: number): PreparedLayout => {
  const known = prepared.get(index)
  if (known !== undefined) return known
  const map = parseMazeMap(diverseMazeLayout(index).map)
  const distances = new Int8Array(blocks * blocks)
  for (let block = 0; block < blocks; block++) {
    const from = { row: Math.floor(block / map.columns), column: block % map.columns }
    distances.set(mazeDistances(map, from), block * blocks)
  }
  const layout: PreparedLayout = {
    map,
    walls: mazeWallLayout(map, diverseMazeBlockSize),
    distances,
    images: new Map()
  }
  prepared.set(index, layout)
  return layout
}

const compiledWalls = (layout: PreparedLayout): CompiledWalls => {
  layout.compiled ??= compileWalls(layout.walls)
  return layout.compiled
}

const imageOf = (layout: PreparedLayout, size: number): ImageRenderer<ArenaPoint> => {
  let image = layout.images.get(size)
  if (image === undefined) {
    image = navigationImage(layout.walls, size)
    layout.images.set(size, image)
  }
  return image
}

const wallSvg = (layout: PreparedLayout): string => {
  layout.svg ??= layout.walls.walls
    .map((wall) => `<rect x="${wall.x}" y="${wall.y}" width="${wall.width}" height="${wall.height}"/>`)
    .join("")
  return layout.svg
}

const blockOf = (point: ArenaPoint): number =>
  Math.floor(point.y / diverseMazeBlockSize) * diverseMazeRules.side +
  Math.floor(point.x / diverseMazeBlockSize)

/** A uniform point in the middle half of a block (a quarter block from each side), clear of walls. */
const drawInBlock = (block: number, rng: Random): ArenaPoint => {
  const size = diverseMazeBlockSize
  const left = (block % diverseMazeRules.side) * size
  const top = Math.floor(block / diverseMazeRules.side) * size
  return {
    x: left + rng.uniformIn(size / 4, (3 * size) / 4),
    y: top + rng.uniformIn(size / 4, (3 * size) / 4)
  }
}

const namePattern = /^[a-z0-9]+(-[a-z0-9]+)*$/

const readOptions = (options: unknown) => {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidValueError({
      field: "options",
      expected: "an object { name, layouts, pathLength, observation?, imageSize?, maxEpisodeSteps? }",
      received: describeValue(options)
    })
  }
  const values = options as Readonly<Record<string, unknown>>
  checkOptionNames(values, ["name", "layouts", "pathLength", "observation", "imageSize", "maxEpisodeSteps"])
  const { name, layouts, pathLength } = values
  if (typeof name !== "string" || !namePattern.test(name)) {
    throw new InvalidValueError({
      field: "options.name",
      expected: 'lowercase letters and digits in hyphen-separated words, e.g. "held-out"',
      received: describeValue(name)
    })
  }
  if (!Array.isArray(layouts) || layouts.length === 0) {
    throw new InvalidValueError({
      field: "options.layouts",
      expected: "a non-empty array of layout indices",
      received: describeValue(layouts)
    })
  }
  layouts.forEach((index: unknown, position) => {
    if (
      typeof index !== "number" ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= diverseMazeLayoutLimit
    ) {
      throw new InvalidValueError({
        field: `options.layouts[${position}]`,
        expected: `a layout index, an integer in [0, ${diverseMazeLayoutLimit - 1}]`,
        received: describeValue(index)
      })
    }
    if (layouts.indexOf(index) !== position) {
      throw new InvalidValueError({
        field: `options.layouts[${position}]`,
        expected: "a layout not already in the list",
        received: `${index}, also at position ${layouts.indexOf(index)}`
      })
    }
  })
  if (typeof pathLength !== "object" || pathLength === null) {
    throw new InvalidValueError({
      field: "options.pathLength",
      expected: "an object { minimum, maximum }",
      received: describeValue(pathLength)
    })
  }
  const { minimum, maximum } = pathLength as Readonly<Record<string, unknown>>
  if (typeof minimum !== "number" || !Number.isInteger(minimum) || minimum < 1) {
    throw new InvalidValueError({
      field: "options.pathLength.minimum",
      expected: "an integer of at least 1",
      received: describeValue(minimum)
    })
  }
  if (typeof maximum !== "number" || !Number.isInteger(maximum) || maximum < minimum) {
    throw new InvalidValueError({
      field: "options.pathLength.maximum",
      expected: `an integer of at least the minimum, ${minimum}`,
      received: describeValue(maximum)
    })
  }
  const maxEpisodeSteps = values.maxEpisodeSteps ?? 100
  if (typeof maxEpisodeSteps !== "number" || !Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
    throw new InvalidValueError({
      field: "options.maxEpisodeSteps",
      expected: "a positive integer",
      received: describeValue(maxEpisodeSteps)
    })
  }
  const { observation, imageSize } = readNavigationOptions({
    ...(values.observation === undefined ? {} : { observation: values.observation }),
    ...(values.imageSize === undefined ? {} : { imageSize: values.imageSize })
  })
  return {
    name,
    layouts: layouts as ReadonlyArray<number>,
    minimum,
    maximum,
    observation,
    imageSize,
    maxEpisodeSteps
  }
}

// "0-4", "0-19, 25": a set of indices as runs, for descriptions.
const describeIndices = (indices: ReadonlyArray<number>): string => {
  const sorted = [...indices].sort((a, b) => a - b)
  const runs: Array<string> = []
  for (let start = 0; start < sorted.length; ) {
    let end = start
    while (end + 1 < sorted.length && sorted[end + 1] === (sorted[end] as number) + 1) end++
    runs.push(end === start ? `${sorted[start]}` : `${sorted[start]}-${sorted[end]}`)
    start = end + 1
  }
  return runs.join(", ")
}

/**
 * Makes a diverse-maze environment over a set of layouts. Reset draws a layout uniformly among
 * those of the set that have a start/goal block pair whose shortest path is within `pathLength`
 * (at least one must, else an `InvalidValueError` here, field `options.pathLength`), then such a
 * pair uniformly, then start and goal uniformly in the middle half of their blocks. Observation:
 * `[x, y]` in `[0, 64]^2`, or the `[2, size, size]` image of the episode's layout divided by 255
 * (channel 0 the agent's dot, channel 1 the walls; see `navigationImage`). Action: a displacement
 * in `[-2.45, 2.45]^2` under `moveWithWalls`. Reward: minus the distance to the goal.
 * Success (termination): closer than half a block (4 px). Reset options: `{ layout?: index of the
 * set, start?: [x, y], goal?: [x, y] }`, points outside the layout's walls; with one end fixed the
 * other is drawn at a path length within the range, with both the range does not apply. Info: `{
 * goal, position, success, distance, layout, pathLength }` (`goal` and `position` as
 * `Float64Array`s), plus `goalImage` (the goal's `uint8` image in the same layout) for pixels.
 * Ids: `diverse-maze-<name>`, `diverse-maze-<name>-pixels` (`-<size>` appended for a size other
 * than 64). An environment of one layout with state observations has that layout's
 * {@link wallModel} as its ground-truth model; over several layouts the position alone does not say
 * which walls apply, and there is none. Other options, or bad values, are `InvalidValueError`s
 * naming the field.
 *
 * @example
 * ```ts
 * const heldOutLong = makeDiverseMaze({
 *   name: "held-out-long",
 *   layouts: diverseMazeSplits.heldOut(),
 *   pathLength: { minimum: 5, maximum: 7 }
 * })
 * const { info } = heldOutLong.make().reset({ seed: 0 })
 * info.pathLength // 5, 6 or 7
 * ```
 */
export const makeDiverseMaze = (options: DiverseMazeOptions): EnvSpec<DiverseMazeState, Box> => {
  const { name, layouts, minimum, maximum, observation, imageSize, maxEpisodeSteps } = readOptions(options)
  const within = (distance: number) => distance >= minimum && distance <= maximum
  // Each layout's start/goal block pairs within the range, as `start * 64 + goal`.
  const pairs = new Map<number, Int32Array>()
  for (const index of layouts) {
    const { distances } = prepareLayout(index)
    const found: Array<number> = []
    distances.forEach((distance, pair) => {
      if (within(distance)) found.push(pair)
    })
    pairs.set(index, Int32Array.from(found))
  }
  const playable = layouts.filter((index) => (pairs.get(index) as Int32Array).length > 0)
  if (playable.length === 0) {
    throw new InvalidValueError({
      field: "options.pathLength",
      expected: "a range some start and goal blocks of the layouts lie within, along the maze",
      received: `[${minimum}, ${maximum}], which no pair of blocks of layouts ${describeIndices(layouts)} does`
    })
  }

  const pixels = observation === "pixels"
  const positionSpace = new Box({ low: 0, high: arenaSide, shape: [2] })
  const observationSpace = pixels
    ? new Box({ low: 0, high: 1, shape: [2, imageSize, imageSize] })
    : positionSpace
  // Scratch buffers, safe to share between copies: every use finishes before the call returns.
  const moved = new Float64Array(2)
  const frame = new Uint8Array(2 * imageSize * imageSize)

  const readLayout = (options: ResetOptionValues, drawn: number): number => {
    const index = options?.layout
    if (index === undefined) return drawn
    if (typeof index !== "number" || !layouts.includes(index)) {
      throw new InvalidValueError({
        field: "options.layout",
        expected: `a layout of the set, ${describeIndices(layouts)}`,
        received: describeValue(index)
      })
    }
    return index
  }

  const readPoint = (
    options: ResetOptionValues,
    field: string,
    layout: PreparedLayout
  ): ArenaPoint | undefined => {
    const vector = readVectorOption(options, field, positionSpace)
    if (vector === undefined) return undefined
    const point = { x: vector[0] as number, y: vector[1] as number }
    if (insideCompiledWall(compiledWalls(layout), point.x, point.y)) {
      throw new InvalidValueError({
        field: `options.${field}`,
        expected: "a point outside every wall of the episode's layout",
        received: `[${point.x}, ${point.y}], inside a wall`
      })
    }
    return point
  }

  // A block whose path from `block` is within the range, uniformly; for an episode with one end fixed.
  const drawOtherEnd = (layout: PreparedLayout, block: number, rng: Random, field: string): number => {
    const candidates: Array<number> = []
    for (let other = 0; other < blocks; other++) {
      if (within(layout.distances[block * blocks + other] as number)) candidates.push(other)
    }
    if (candidates.length === 0) {
      throw new InvalidValueError({
        field: `options.${field}`,
        expected: `a point with a free block ${minimum} to ${maximum} blocks away along the maze`,
        received: "a point in a block with none"
      })
    }
    return candidates[rng.integer(candidates.length)] as number
  }

  const initialState = (rng: Random, options: ResetOptionValues): DiverseMazeState => {
    checkOptionNames(options, ["layout", "start", "goal"])
    // Drawn even when the options fix it, so that fixing the layout leaves later draws unchanged.
    const index = readLayout(options, playable[rng.integer(playable.length)] as number)
    const layout = prepareLayout(index)
    const fixedStart = readPoint(options, "start", layout)
    const fixedGoal = readPoint(options, "goal", layout)
    let startBlock: number
    let goalBlock: number
    if (fixedStart !== undefined && fixedGoal !== undefined) {
      startBlock = blockOf(fixedStart)
      goalBlock = blockOf(fixedGoal)
    } else if (fixedStart !== undefined) {
      startBlock = blockOf(fixedStart)
      goalBlock = drawOtherEnd(layout, startBlock, rng, "start")
    } else if (fixedGoal !== undefined) {
      // Distances are symmetric, so the blocks in range of the goal are the starts it allows.
      goalBlock = blockOf(fixedGoal)
      startBlock = drawOtherEnd(layout, goalBlock, rng, "goal")
    } else {
      const layoutPairs = pairs.get(index) as Int32Array
      if (layoutPairs.length === 0) {
        throw new InvalidValueError({
          field: "options.layout",
          expected: `a layout with start and goal blocks ${minimum} to ${maximum} blocks apart along the maze`,
          received: `${index}, which has none`
        })
      }
      const pair = layoutPairs[rng.integer(layoutPairs.length)] as number
      startBlock = Math.floor(pair / blocks)
      goalBlock = pair % blocks
    }
    const start = drawInBlock(startBlock, rng)
    const goal = drawInBlock(goalBlock, rng)
    return {
      x: fixedStart?.x ?? start.x,
      y: fixedStart?.y ?? start.y,
      goalX: fixedGoal?.x ?? goal.x,
      goalY: fixedGoal?.y ?? goal.y,
      layout: index,
      pathLength: layout.distances[startBlock * blocks + goalBlock] as number
    }
  }

  const transition = (
    state: DiverseMazeState,
    action: Float64Array,
    rng: Random
  ): TransitionResult<DiverseMazeState> => {
    const walls = compiledWalls(prepareLayout(state.layout))
    moveWithWalls(walls, state.x, state.y, action[0] as number, action[1] as number, rng, moved)
    const next: DiverseMazeState = {
      x: moved[0] as number,
      y: moved[1] as number,
      goalX: state.goalX,
      goalY: state.goalY,
      layout: state.layout,
      pathLength: state.pathLength
    }
    const squared = (next.x - next.goalX) ** 2 + (next.y - next.goalY) ** 2
    return { state: next, reward: -Math.sqrt(squared), terminated: squared < successRadius ** 2 }
  }

  const image: ImageRenderer<DiverseMazeState> = {
    channels: 2,
    height: imageSize,
    width: imageSize,
    render: (state, target) => imageOf(prepareLayout(state.layout), imageSize).render(state, target)
  }

  const observe = (state: DiverseMazeState): Float64Array => {
    if (!pixels) return Float64Array.of(state.x, state.y)
    image.render(state, frame)
    const observed = new Float64Array(frame.length)
    for (let index = 0; index < frame.length; index++) observed[index] = (frame[index] as number) / 255
    return observed
  }

  const info = (state: DiverseMazeState) => {
    const squared = (state.x - state.goalX) ** 2 + (state.y - state.goalY) ** 2
    return {
      goal: Float64Array.of(state.goalX, state.goalY),
      position: Float64Array.of(state.x, state.y),
      success: squared < successRadius ** 2,
      distance: Math.sqrt(squared),
      layout: state.layout,
      pathLength: state.pathLength,
      ...(pixels
        ? {
            goalImage: imageOf(prepareLayout(state.layout), imageSize).render({
              x: state.goalX,
              y: state.goalY
            })
          }
        : {})
    }
  }

  const render = (state: DiverseMazeState): string =>
    svgDocument(
      { width: 256, height: 256, viewBox: `0 0 ${arenaSide} ${arenaSide}` },
      `<rect width="${arenaSide}" height="${arenaSide}" fill="#fafafa"/>` +
        `<g fill="#333">${wallSvg(prepareLayout(state.layout))}</g>` +
        `<circle cx="${state.goalX}" cy="${state.goalY}" r="${successRadius}" fill="#2a9d4a" opacity="0.6"/>` +
        `<circle cx="${state.x}" cy="${state.y}" r="1.3" fill="#1f5fbf"/>`
    )

  const pixelSuffix = imageSize === 64 ? "" : `-${imageSize}`
  const range = minimum === maximum ? `${minimum}` : `${minimum}-${maximum}`
  return defineEnv<DiverseMazeState, Box>({
    id: pixels ? `diverse-maze-${name}-pixels${pixelSuffix}` : `diverse-maze-${name}`,
    description:
      `PLDM's diverse-maze family (layouts ${describeIndices(layouts)}, 8x8 blocks of 8 px) with point ` +
      `dynamics (telos moves by displacements where PLDM moves MuJoCo's point mass, action repeat 4): ` +
      `reach a goal ${range} blocks away along the maze` +
      (pixels ? ` from ${imageSize}x${imageSize} images.` : "; state [x, y]."),
    observationSpace,
    actionSpace: navigationActionSpace,
    maxEpisodeSteps,
    initialState,
    transition,
    observe,
    info,
    render,
    image,
    // With one layout the state needs nothing but the position to know its walls.
    ...(pixels || layouts.length !== 1
      ? {}
      : {
          groundTruthModel: () =>
            wallModel(prepareLayout(layouts[0] as number).walls, `diverse-maze-${name}-dynamics`)
        })
  })
}

const anyPair = { minimum: 1, maximum: diverseMazeRules.maxPathLength - 1 }

/**
 * The registered diverse mazes by name (each registered as `diverse-maze-<name>` and, seen
 * through 64 x 64 images, `diverse-maze-<name>-pixels`): `5` and `20` play the first 5 and 20
 * training layouts, `held-out` the 24 held-out layouts (indices 40 to 63), all with any start and
 * goal (1 to 7 blocks apart); `held-out-short`, `-medium` and `-long` the held-out layouts with
 * paths of 1-2, 3-4 and 5-7 blocks; `validation-long` the validation layouts (20 to 39, never
 * trained on by `5` or `20`) with paths of 5-7 blocks, to choose settings on.
 *
 * @example
 * ```ts
 * makeDiverseMaze({ name: "held-out-long", ...diverseMazeVariants["held-out-long"] }).id
 * // "diverse-maze-held-out-long"
 * ```
 */
export const diverseMazeVariants: Readonly<
  Record<string, Pick<DiverseMazeOptions, "layouts" | "pathLength">>
> = {
  "5": { layouts: diverseMazeSplits.training(5), pathLength: anyPair },
  "20": { layouts: diverseMazeSplits.training(20), pathLength: anyPair },
  "held-out": { layouts: diverseMazeSplits.heldOut(), pathLength: anyPair },
  "held-out-short": { layouts: diverseMazeSplits.heldOut(), pathLength: { minimum: 1, maximum: 2 } },
  "held-out-medium": { layouts: diverseMazeSplits.heldOut(), pathLength: { minimum: 3, maximum: 4 } },
  "held-out-long": { layouts: diverseMazeSplits.heldOut(), pathLength: { minimum: 5, maximum: 7 } },
  "validation-long": { layouts: diverseMazeSplits.validation(), pathLength: { minimum: 5, maximum: 7 } }
}
