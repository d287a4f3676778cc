/**
 * Landmarks that join places recorded experience never joined, split by the traffic through them.
 *
 * Two free cells of a maze that touch only at a corner (the other two cells round that corner are
 * walls) look almost the same from either side of the corner point: the latents are close, and
 * k-means can put one landmark over both sides, which no distance threshold separates. Recorded
 * steps then enter that landmark from one side's landmarks and leave it towards the other side's,
 * and a shortest route passes through the wall. What tells the two sides apart is the traffic: no
 * recorded visit to the landmark enters from one side and leaves to the other, and no recorded
 * step goes between the two sides' landmarks directly. Such a landmark is split into one landmark
 * per side. Internal to the planner package.
 *
 * @module
 */
import { nearestRow } from "./Rows.js"
import { disjointSets, join, rootOf } from "./UnionFind.js"

/** One stay of the agent at a landmark: the recorded steps `[start, end)` nearest it. */
interface Visit {
  readonly start: number
  readonly end: number
  /** The landmark of the step before (-1 at an episode's start) and of the step after (-1 at its end). */
  readonly entry: number
  readonly exit: number
}

/** The visits of every landmark, from the recorded steps' nearest landmarks. */
const visitsOf = (
  nearest: Int32Array,
  episodeLengths: ReadonlyArray<number>,
  count: number
): Array<Array<Visit>> => {
  const visits = Array.from({ length: count }, () => [] as Array<Visit>)
  let episodeStart = 0
  for (const length of episodeLengths) {
    const episodeEnd = episodeStart + length
    let start = episodeStart
    while (start < episodeEnd) {
      const landmark = nearest[start] as number
      let end = start + 1
      while (end < episodeEnd && nearest[end] === landmark) end++
      visits[landmark]?.push({
        start,
        end,
        entry: start > episodeStart ? (nearest[start - 1] as number) : -1,
        exit: end < episodeEnd ? (nearest[end] as number) : -1
      })
      start = end
    }
    episodeStart = episodeEnd
  }
  return visits
}

/**
 * Recorded steps between two landmarks, either way: `passages.get(a * count + b)`. Every step from
 * one landmark to another ends a visit, so the visits' exits count them all.
 */
const passagesOf = (visits: ReadonlyArray<ReadonlyArray<Visit>>, count: number): Map<number, number> => {
  const passages = new Map<number, number>()
  visits.forEach((landmarkVisits, landmark) => {
    for (const { exit } of landmarkVisits) {
      if (exit < 0) continue
      for (const key of [landmark * count + exit, exit * count + landmark])
        passages.set(key, (passages.get(key) ?? 0) + 1)
    }
  })
  return passages
}

/**
 * The groups of a landmark's visits that belong to separate places, or one group when they all
 * belong together. A neighbour counts once `minimumTransitions` visits enter from it or leave to
 * it; two neighbours are on the same side when `minimumTransitions` visits pass from one to the
 * other, or as many recorded steps join them directly. Visits whose neighbours do not count join
 * the side whose members they lie nearest.
 */
const sidesOf = (
  visits: ReadonlyArray<Visit>,
  latents: Float32Array,
  size: number,
  count: number,
  passages: ReadonlyMap<number, number>,
  minimumTransitions: number
): Array<Array<Visit>> => {
  const traffic = new Map<number, number>()
  for (const visit of visits) {
    for (const neighbour of [visit.entry, visit.exit]) {
      if (neighbour >= 0) traffic.set(neighbour, (traffic.get(neighbour) ?? 0) + 1)
    }
  }
  const neighbours = [...traffic]
    .filter(([, visitCount]) => visitCount >= minimumTransitions)
    .map(([neighbour]) => neighbour)
  if (neighbours.length < 2) return [[...visits]]
  const local = new Map(neighbours.map((neighbour, index) => [neighbour, index]))
  const parents = disjointSets(neighbours.length)
  const through = new Map<number, number>()
  for (const visit of visits) {
    const entry = local.get(visit.entry)
    const exit = local.get(visit.exit)
    if (entry === undefined || exit === undefined || entry === exit) continue
    const key = Math.min(entry, exit) * neighbours.length + Math.max(entry, exit)
    const passed = (through.get(key) ?? 0) + 1
    through.set(key, passed)
    if (passed >= minimumTransitions) join(parents, entry, exit)
  }
  neighbours.forEach((a, first) => {
    neighbours.forEach((b, second) => {
      if (second > first && (passages.get(a * count + b) ?? 0) >= minimumTransitions)
        join(parents, first, second)
    })
  })
  const sideIndex = new Map<number, number>()
  for (let index = 0; index < neighbours.length; index++) {
    const root = rootOf(parents, index)
    if (!sideIndex.has(root)) sideIndex.set(root, sideIndex.size)
  }
  if (sideIndex.size < 2) return [[...visits]]
  const sides = Array.from({ length: sideIndex.size }, () => [] as Array<Visit>)
  const unplaced: Array<Visit> = []
  for (const visit of visits) {
    const neighbour = local.get(visit.entry) ?? local.get(visit.exit)
    if (neighbour === undefined) unplaced.push(visit)
    else sides[sideIndex.get(rootOf(parents, neighbour)) as number]?.push(visit)
  }
  const centres = new Float32Array(sides.length * size)
  sides.forEach((side, index) => {
    centres.set(meanOf(side, latents, size), index * size)
  })
  for (const visit of unplaced) {
    sides[nearestRow(centres, size, meanOf([visit], latents, size), 0).index]?.push(visit)
  }
  return sides
}

/** The mean latent of the visits' steps. */
const meanOf = (visits: ReadonlyArray<Visit>, latents: Float32Array, size: number): Float32Array => {
  const sum = new Float64Array(size)
  let steps = 0
  for (const visit of visits) {
    for (let step = visit.start; step < visit.end; step++) {
      for (let dimension = 0; dimension < size; dimension++) {
        sum[dimension] = (sum[dimension] as number) + (latents[step * size + dimension] as number)
      }
      steps++
    }
  }
  return Float32Array.from(sum, (value) => value / Math.max(steps, 1))
}

/**
 * Splits every landmark whose visits fall into separate places (see the module) into one landmark
 * per place, at the mean of its steps; the first place keeps the landmark's index, the others are
 * appended. Returns the new landmarks `[K', D]` and each recorded step's landmark among them.
 */
export const separatePassages = (
  latents: Float32Array,
  size: number,
  episodeLengths: ReadonlyArray<number>,
  landmarks: Float32Array,
  nearest: Int32Array,
  minimumTransitions: number
): { readonly landmarks: Float32Array; readonly nearest: Int32Array } => {
  const count = landmarks.length / size
  const visits = visitsOf(nearest, episodeLengths, count)
  const passages = passagesOf(visits, count)
  const separated = Int32Array.from(nearest)
  const added: Array<Float32Array> = []
  const kept = Float32Array.from(landmarks)
  visits.forEach((landmarkVisits, landmark) => {
    const sides = sidesOf(landmarkVisits, latents, size, count, passages, minimumTransitions)
    if (sides.length < 2) return
    sides.forEach((side, index) => {
      const target = index === 0 ? landmark : count + added.length
      const centre = meanOf(side, latents, size)
      if (index === 0) kept.set(centre, landmark * size)
      else added.push(centre)
      for (const visit of side) separated.fill(target, visit.start, visit.end)
    })
  })
  const all = new Float32Array((count + added.length) * size)
  all.set(kept, 0)
  added.forEach((centre, index) => {
    all.set(centre, (count + index) * size)
  })
  return { landmarks: all, nearest: separated }
}
