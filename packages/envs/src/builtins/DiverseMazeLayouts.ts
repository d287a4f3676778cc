/**
 * The layouts of PLDM's "Diverse Maze" family: 8 x 8 grids of blocks whose border is wall and
 * whose 6 x 6 interior is drawn at random, smoothed by a cellular rule and kept only when it is
 * open, connected and small enough to cross in fewer than 8 blocks. One fixed seeded stream of
 * unique layouts numbers them; training sets take its first indices and held-out sets the ones
 * after, so a held-out layout is never one seen in training ({@link diverseMazeSplits}).
 *
 * The rules restate PLDM's map generator with the settings of its five-map experiments; the
 * stream and its seed are telos' own, so the layouts are not PLDM's.
 *
 * @module
 */
import { describeValue, InvalidValueError, Random } from "@telos/core"
import { DiverseMazeCandidate } from "./DiverseMazeCandidate.js"
import { mazeDistances } from "./MazeDistance.js"
import { type MazeMap, parseMazeMap } from "./MazeMap.js"

/**
 * The rules a diverse-maze layout is drawn and accepted by, and the seed of the stream that numbers
 * the layouts: a record of the constants the generator is written for, not settings (the bit
 * tricks that make it fast assume 8 blocks a side and the threshold 6).
 *
 * - `side`: blocks per side, border included; the border is always wall.
 * - `freeProbability`: each interior block of a candidate is free with this probability.
 * - `smoothingPasses`, `crowdedNeighbours`: passes of the cellular rule; in each, a free block with
 *   more than `crowdedNeighbours` free blocks among its 8 neighbours (diagonals included) becomes
 *   a wall, all blocks judged on the grid as it was before the pass.
 * - `freePercent`: the share of free blocks among the interior's 36 must lie in this range
 *   (bounds included).
 * - `maxPathLength`: every shortest path between two free blocks (4-neighbour moves) must be
 *   shorter than this; all free blocks must be connected.
 *
 * @example
 * ```ts
 * diverseMazeRules.maxPathLength // 8: any two free blocks at most 7 moves apart
 * ```
 */
export const diverseMazeRules = {
  /** Blocks per side, border included. */
  side: 8,
  /** The chance that an interior block of a candidate is free. */
  freeProbability: 0.5,
  /** Passes of the cellular rule. */
  smoothingPasses: 2,
  /** A free block with more free neighbours than this becomes a wall. */
  crowdedNeighbours: 6,
  /** The accepted share of free interior blocks, in percent, bounds included. */
  freePercent: {
    /** The least share. */
    minimum: 50,
    /** The largest share. */
    maximum: 75
  },
  /** Every shortest path between free blocks is shorter than this, in blocks. */
  maxPathLength: 8,
  /** The seed of the numbered stream. */
  seed: 0x5eed
} as const

/**
 * Layout indices run from 0 to `diverseMazeLayoutLimit - 1`. Finding one layout takes about 83 000
 * candidates (some 10 ms), so an index in the millions would take hours to reach; the bound (about
 * 10 s of drawing) turns a mistaken index into an error instead.
 *
 * @example
 * ```ts
 * diverseMazeLayout(diverseMazeLayoutLimit) // throws InvalidValueError, field "index"
 * ```
 */
export const diverseMazeLayoutLimit = 1000

/**
 * One layout of the family.
 *
 * @example
 * ```ts
 * const layout: DiverseMazeLayout = diverseMazeLayout(0)
 * parseMazeMap(layout.map).rows // 8
 * ```
 */
export interface DiverseMazeLayout {
  /** Its index in the stream (for layouts of {@link generateDiverseMazeLayouts}, in that batch). */
  readonly id: number
  /** The map as text, 8 rows of `#` (wall) and `.` (free) joined with `"\n"`, as `parseMazeMap` reads. */
  readonly map: string
  /** The 64 blocks row by row, `#` and `.`, without separators: equal keys, equal layouts. */
  readonly key: string
  /** Free blocks, of the interior's 36. */
  readonly freeBlocks: number
  /** The longest shortest path between two free blocks, in blocks (below `maxPathLength`). */
  readonly diameter: number
}

/**
 * Options of {@link generateDiverseMazeLayouts}.
 *
 * @example
 * ```ts
 * const options: DiverseMazeGenerationOptions = { seed: 7, exclude: [diverseMazeLayout(0).map] }
 * ```
 */
export interface DiverseMazeGenerationOptions {
  /** Seeds the stream (default `diverseMazeRules.seed`, the numbered stream's). */
  readonly seed?: number
  /** Maps (text, 8 x 8) the batch must not repeat, as PLDM's `exclude_maps`. */
  readonly exclude?: ReadonlyArray<string>
}

/**
 * What {@link generateDiverseMazeLayouts} drew: the layouts, and how many candidates it took.
 *
 * @example
 * ```ts
 * const { layouts, candidates } = generateDiverseMazeLayouts(2, { seed: 1 })
 * candidates / layouts.length // tens of thousands
 * ```
 */
export interface DiverseMazeBatch {
  /** The accepted layouts, in the order drawn. */
  readonly layouts: ReadonlyArray<DiverseMazeLayout>
  /** Candidates drawn in all, rejected ones included. */
  readonly candidates: number
}

const side = diverseMazeRules.side
const interiorBlocks = (side - 2) * (side - 2)
const minimumFree = Math.ceil((diverseMazeRules.freePercent.minimum * interiorBlocks) / 100)
const maximumFree = Math.floor((diverseMazeRules.freePercent.maximum * interiorBlocks) / 100)
/** A seeded stream of unique accepted layouts, drawn one at a time. */
class LayoutStream {
  private readonly rng: Random
  private readonly candidate = new DiverseMazeCandidate()
  private readonly seen: Set<string>
  candidates = 0

  constructor(seed: number, exclude: ReadonlySet<string>) {
    this.rng = Random.fromSeed(seed)
    this.seen = new Set(exclude)
  }

  next(): { readonly key: string; readonly freeBlocks: number; readonly diameter: number } {
    const { candidate, rng } = this
    const limit = diverseMazeRules.maxPathLength - 1
    for (;;) {
      this.candidates++
      candidate.draw(rng)
      for (let pass = 0; pass < diverseMazeRules.smoothingPasses; pass++) candidate.smooth()
      const freeBlocks = candidate.freeCount()
      if (freeBlocks < minimumFree || freeBlocks > maximumFree || !candidate.connected()) continue
      const diameter = candidate.diameter(limit)
      if (diameter > limit) continue
      const key = candidate.key()
      if (this.seen.has(key)) continue
      this.seen.add(key)
      return { key, freeBlocks, diameter }
    }
  }
}

const mapOfKey = (key: string): string =>
  Array.from({ length: side }, (_, row) => key.slice(row * side, (row + 1) * side)).join("\n")

const keyOfMap = (map: MazeMap): string => Array.from(map.free, (free) => (free === 1 ? "." : "#")).join("")

const checkCount = (value: unknown, field: string, low: number, high: number): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < low || value > high) {
    throw new InvalidValueError({
      field,
      expected: `an integer in [${low}, ${high}]`,
      received: describeValue(value)
    })
  }
  return value
}

/**
 * Draws `count` new layouts from a stream of one's own: candidates are drawn and tested by
 * {@link diverseMazeRules} until `count` distinct ones pass, none equal to a map of `exclude`.
 * With the default seed and no exclusions, the batch is the numbered stream's first `count`
 * layouts. Each layout takes about 83 000 candidates (some 10 ms).
 *
 * @example
 * ```ts
 * const training = [0, 1, 2, 3, 4].map((index) => diverseMazeLayout(index).map)
 * const fresh = generateDiverseMazeLayouts(3, { seed: 11, exclude: training }).layouts
 * ```
 */
export const generateDiverseMazeLayouts = (
  count: number,
  options: DiverseMazeGenerationOptions = {}
): DiverseMazeBatch => {
  checkCount(count, "count", 0, diverseMazeLayoutLimit)
  const seed = options.seed ?? diverseMazeRules.seed
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new InvalidValueError({
      field: "options.seed",
      expected: "a finite number",
      received: describeValue(seed)
    })
  }
  const exclude = new Set<string>()
  ;(options.exclude ?? []).forEach((text, position) => {
    const map = parseMazeMap(text)
    if (map.rows !== side || map.columns !== side) {
      throw new InvalidValueError({
        field: `options.exclude[${position}]`,
        expected: `a ${side} x ${side} map`,
        received: `${map.rows} rows and ${map.columns} columns`
      })
    }
    exclude.add(keyOfMap(map))
  })
  const stream = new LayoutStream(seed, exclude)
  const layouts = Array.from({ length: count }, (_, id) => {
    const { key, freeBlocks, diameter } = stream.next()
    return { id, map: mapOfKey(key), key, freeBlocks, diameter }
  })
  return { layouts, candidates: stream.candidates }
}

// The numbered stream's first layouts, as `generateDiverseMazeLayouts(64)` draws them (a test
// checks that it still does), each the 64 blocks row by row. Drawing them takes over 5 million
// candidates, most of a second: too long to spend whenever the registry is imported. Past them the
// stream is drawn on demand.
const recordedKeys: ReadonlyArray<string> = [
  "##########.....####.#.####..#..###....######..######.###########",
  "############..###..#.#.###.....##..#.#.###...###################",
  "############...###..#.###......###.#.#.####..#.#################",
  "###########.#..####....###..#..###....#####.#.#######.##########",
  "############.#####.#..###......##...#.#####...#####..###########",
  "###################.#..###.....####.##.###...#.####....#########",
  "###########.#######.#.###.#.#.###......####.#..###...###########",
  "###########.#.####.....####.#..##.....####.#.######..###########",
  "#############.#####....###..#..###....####..#..####.############",
  "##########.#.####.....####.#..####.#..####...#####..############",
  "#########..######.....###.##...##....####..#.#####.#############",
  "##########.##.###..#..###.....####.#...###.#..##################",
  "###########..####...#######.#.####.....##...#.#####..###########",
  "############..####....####.#.#.###.....###.#..######.###########",
  "##########.#..###......###.#.#.####....####...######.###########",
  "##########...#####.#.####..#...###.....###..#.####..############",
  "#############.####..#.###......###.#.######...#####...##########",
  "##########.######....#####.#.####..#...##....####..#.###########",
  "##########..######..######....###..#.#####.#..###....###########",
  "###########..#####....####.#...##....#####.#..####....##########",
  "############..#####....###..#.###......####..#.####..###########",
  "#############.######...##......####.#.####..#.#####...##########",
  "###########.#.####.....##...#..###..#.####....######..##########",
  "###########.##.####.##.###.....###...#.#####...#####..##########",
  "###########.######.....###...#######...###....#####..###########",
  "###########.#####.....#####.#..##......####.#.#####.############",
  "###########.######...#.###.#...##....#.####....#####.###########",
  "###########...####....####.##..###.....###....#######.##########",
  "##########...####.#.#.###......##..#..####...#####.#.###########",
  "############.#####...####..#...###..#.###......#####.###########",
  "############.######....###..##.##......###..#..####.##.#########",
  "############.#####.#..###......##..#.#####.#..####....##########",
  "##########.#.#####....####.##..##.....###....###################",
  "###########.#######...#####.#.###...#..##......######.##########",
  "###########..#####.....###.##..###....######...######.##########",
  "##################.....##..#...##....######...#####..###########",
  "###########..#####.....##...##.####....###..#..####.############",
  "############.######..####....####.##...##.....####.##.##########",
  "##########..#####......####.#.###...#.#####...######.###########",
  "############.######..######....##...#..##.....####.##..#########",
  "############.####..#.#####.....####.#..##.....####.#.###########",
  "##########.#######..#####..#.####......##.#...###...############",
  "###########...#####..#.###.#...##....#######...######.##########",
  "#########...#####.#.#.###......###.#..###..#.###################",
  "##########..######...####.#.#.###......##.#.######...###########",
  "###########.#######.#.###......###.#..###....#######..##########",
  "############.######..####......##..#.#.###.....####...##########",
  "############.#####.#..####...#####.#..###......###..############",
  "##########.#..###....#.###.#...##....#.###.#.#######.###########",
  "############.#######...###...#.####....####.#.#####....#########",
  "###########..######....####.#..####.#..###....######..##########",
  "###########.#######..####...#####.#....##......##.##.###########",
  "###########..######...####...#####.#...###.....###.#.###########",
  "##########..#####.....####.##..###.....##...######..############",
  "############..###......###.#..####.#..####....#####.############",
  "##########...####..#...##......###..##.###..####################",
  "##################..#####.#..#.##......##..#.#.###.#.###########",
  "##########....######.####......###.#.#.####...######.###########",
  "##########....###...#.#####....###..#.####....##################",
  "###########...####....###..#.#####...#####.#...#####.###########",
  "###########.######....####.#.#####.#..###......###.#..##########",
  "##################...####.#.#####......##.#.#..##.....##########",
  "###########...####.....###.#.#####.#...###.....#####.###########",
  "###########..######...####..#..###....#####.#..###..#.##########"
]

// The stream past the recorded layouts, drawn from the start on first need and kept.
let numbered: { readonly stream: LayoutStream; readonly layouts: Array<DiverseMazeLayout> } | undefined

const layoutOfKey = (id: number, key: string): DiverseMazeLayout => {
  const text = mapOfKey(key)
  const map = parseMazeMap(text)
  let diameter = 0
  let freeBlocks = 0
  map.free.forEach((free, block) => {
    if (free !== 1) return
    freeBlocks++
    for (const distance of mazeDistances(map, { row: Math.floor(block / side), column: block % side })) {
      diameter = Math.max(diameter, distance)
    }
  })
  return { id, map: text, key, freeBlocks, diameter }
}

const recorded: Array<DiverseMazeLayout | undefined> = []

/**
 * The `index`-th layout of the family's numbered stream: the stream of unique layouts seeded with
 * `diverseMazeRules.seed`, the same on every run and every machine. Indices 0 to 63 are recorded;
 * later ones are drawn on first use (about 10 ms each) and kept. `index` must be an integer in
 * `[0, diverseMazeLayoutLimit)`, else an `InvalidValueError` (field `index`).
 *
 * @example
 * ```ts
 * diverseMazeLayout(0).map.split("\n").length // 8
 * diverseMazeLayout(40).key === diverseMazeLayout(3).key // false: the stream never repeats
 * ```
 */
export const diverseMazeLayout = (index: number): DiverseMazeLayout => {
  checkCount(index, "index", 0, diverseMazeLayoutLimit - 1)
  if (index < recordedKeys.length) {
    const known = recorded[index] ?? layoutOfKey(index, recordedKeys[index] as string)
    recorded[index] = known
    return known
  }
  numbered ??= { stream: new LayoutStream(diverseMazeRules.seed, new Set()), layouts: [] }
  const { stream, layouts } = numbered
  while (layouts.length <= index) {
    const { key, freeBlocks, diameter } = stream.next()
    layouts.push({ id: layouts.length, map: mapOfKey(key), key, freeBlocks, diameter })
  }
  return layouts[index] as DiverseMazeLayout
}

const indexRange = (first: number, count: number): ReadonlyArray<number> =>
  Array.from({ length: count }, (_, offset) => first + offset)

/**
 * How the numbered stream is split, after PLDM's protocol: the training pool is indices 0 to 39,
 * a run trains on the first `N` of them (PLDM's `N` is 5, 10, 20 or 40), and the held-out layouts
 * are indices 40 onwards (24 by default). The stream never repeats a layout, so no held-out layout
 * equals a training one; `validation()` (20 to 39) is for choosing settings of models trained on at
 * most 20. `training(n)` takes `n` in `[1, 40]`; `heldOut(count)` `count` in
 * `[1, diverseMazeLayoutLimit - 40]`; either throws `InvalidValueError` naming its argument.
 *
 * @example
 * ```ts
 * diverseMazeSplits.training(5) // [0, 1, 2, 3, 4]
 * diverseMazeSplits.heldOut() // [40, 41, ..., 63]
 * ```
 */
export const diverseMazeSplits = {
  /** Training layouts are indices `0 .. trainingPool - 1`. */
  trainingPool: 40,
  /** The training set sizes PLDM compares. */
  trainingSizes: [5, 10, 20, 40] as const,
  /** The first held-out index. */
  heldOutFirst: 40,
  /** Held-out layouts by default. */
  heldOutCount: 24,
  /** The first `n` training layouts' indices. */
  training: (n: number): ReadonlyArray<number> => indexRange(0, checkCount(n, "n", 1, 40)),
  /** `count` held-out layouts' indices, from 40. */
  heldOut: (count = 24): ReadonlyArray<number> =>
    indexRange(40, checkCount(count, "count", 1, diverseMazeLayoutLimit - 40)),
  /**
   * Layouts to choose settings on: the training pool's last 20 (20 to 39), which a model trained
   * on at most 20 layouts never saw, so settings are never chosen on the held-out layouts that
   * report the results.
   */
  validation: (): ReadonlyArray<number> => indexRange(20, 20)
} as const
