/**
 * A memory of where the agent has been: landmarks in latent space, joined where recorded experience
 * went from one to the other. A cost on latent distance cannot see that a wall stands between the
 * agent and its goal; the graph can, because no recorded transition crosses the wall. Shortest
 * paths over it give a route around obstacles that a short-horizon planner then follows, landmark
 * by landmark (the idea of search on the replay buffer, Eysenbach et al. 2019).
 *
 * Landmarks are k-means centroids of recorded latents, each split where its members fall apart
 * into groups no chain of nearby latents joins (the two sides of a wall), and again where recorded
 * visits to it come from and go to separate places that no visit passes between (the two cells
 * diagonal to each other at a wall corner, see `LandmarkPassages`); an edge `a -> b` exists where at least
 * `minimumTransitions` recorded steps went from a latent nearest `a` to one nearest `b`, and its
 * length is the latent distance between the two centroids.
 *
 * @module
 */
import { InvalidValueError, type Random } from "@telos/core"
import { separatePassages } from "./LandmarkPassages.js"
import { nearestRow, squaredDistance } from "./Rows.js"
import { disjointSets, join, rootOf } from "./UnionFind.js"

/** Recorded latents, episode after episode. */
export interface LatentTrajectories {
  /** Size `D` of a latent. */
  readonly latentSize: number
  /** `[S, D]`: every step's latent, the episodes one after another. */
  readonly latents: Float32Array
  /** How many latents each episode holds (they sum to `S`). */
  readonly episodeLengths: ReadonlyArray<number>
}

/** Options of {@link buildLandmarkGraph}. */
export interface LandmarkGraphOptions {
  /** How many landmarks (k-means centroids); default 256. */
  readonly landmarks?: number
  /** Lloyd iterations of k-means; default 12. */
  readonly iterations?: number
  /**
   * Recorded steps needed before an edge is believed (default 2): one step that lands just across
   * a thin wall in the other landmark's region must not open a passage through it.
   */
  readonly minimumTransitions?: number
  /** At most this many latents, drawn evenly, are clustered (default 20 000); all of them make edges. */
  readonly clusteringSample?: number
  /**
   * Latents closer than this fraction of the median recorded step are neighbours (default 1). A
   * cluster whose members fall apart into groups that no chain of neighbours joins, such as the two
   * sides of a thin wall, is split into one landmark per group: a centroid between them would sit
   * in the wall and join the rooms through it.
   */
  readonly linkFraction?: number
}

/** One directed edge of the graph. */
export interface LandmarkEdge {
  /** Index of the landmark the edge leads to. */
  readonly to: number
  /** Latent distance between the two landmarks' centroids. */
  readonly length: number
  /** Recorded steps along it. */
  readonly transitions: number
}

/** Landmarks and the recorded passages between them. */
export interface LandmarkGraph {
  /** Size `D` of a latent. */
  readonly latentSize: number
  /** `[K, D]` */
  readonly landmarks: Float32Array
  /** Number `K` of landmarks. */
  readonly count: number
  /** Outgoing edges of each landmark. */
  readonly edges: ReadonlyArray<ReadonlyArray<LandmarkEdge>>
}

const positiveInteger = (value: number, field: string): number => {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidValueError({ field, expected: "a positive integer", received: String(value) })
  }
  return value
}

const checkTrajectories = (trajectories: LatentTrajectories): number => {
  const size = positiveInteger(trajectories.latentSize, "trajectories.latentSize")
  const steps = trajectories.episodeLengths.reduce((sum, length) => {
    positiveInteger(length, "trajectories.episodeLengths")
    return sum + length
  }, 0)
  if (steps * size !== trajectories.latents.length) {
    throw new InvalidValueError({
      field: "trajectories.latents",
      expected: `${steps} latents of size ${size} (${steps * size} numbers, as episodeLengths say)`,
      received: `${trajectories.latents.length} numbers`
    })
  }
  if (!trajectories.latents.every(Number.isFinite)) {
    throw new InvalidValueError({
      field: "trajectories.latents",
      expected: "finite numbers",
      received: "NaN or Infinity"
    })
  }
  return steps
}

/** k-means++ seeding, then Lloyd iterations; empty clusters are re-seeded at the worst-served point. */
const kMeans = (
  points: Float32Array,
  size: number,
  count: number,
  iterations: number,
  rng: Random
): Float32Array => {
  const total = points.length / size
  const centroids = new Float32Array(count * size)
  const nearestSquared = new Float64Array(total).fill(Number.POSITIVE_INFINITY)
  const updateNearest = (centroid: number) => {
    for (let point = 0; point < total; point++) {
      const squared = squaredDistance(points, point * size, centroids, centroid * size, size)
      if (squared < (nearestSquared[point] as number)) nearestSquared[point] = squared
    }
  }
  const first = rng.integer(total)
  centroids.set(points.subarray(first * size, first * size + size), 0)
  updateNearest(0)
  for (let centroid = 1; centroid < count; centroid++) {
    const sum = nearestSquared.reduce((accumulated, value) => accumulated + value, 0)
    let threshold = rng.uniform() * sum
    let chosen = total - 1
    for (let point = 0; point < total; point++) {
      threshold -= nearestSquared[point] as number
      if (threshold <= 0) {
        chosen = point
        break
      }
    }
    centroids.set(points.subarray(chosen * size, chosen * size + size), centroid * size)
    updateNearest(centroid)
  }
  const assignment = new Int32Array(total)
  for (let iteration = 0; iteration < iterations; iteration++) {
    const sums = new Float64Array(count * size)
    const members = new Int32Array(count)
    let worstPoint = 0
    let worstSquared = -1
    for (let point = 0; point < total; point++) {
      const { index, squared } = nearestRow(centroids, size, points, point)
      assignment[point] = index
      members[index] = (members[index] as number) + 1
      for (let dimension = 0; dimension < size; dimension++) {
        sums[index * size + dimension] =
          (sums[index * size + dimension] as number) + (points[point * size + dimension] as number)
      }
      if (squared > worstSquared) {
        worstSquared = squared
        worstPoint = point
      }
    }
    for (let centroid = 0; centroid < count; centroid++) {
      const memberCount = members[centroid] as number
      if (memberCount === 0) {
        centroids.set(points.subarray(worstPoint * size, worstPoint * size + size), centroid * size)
        continue
      }
      for (let dimension = 0; dimension < size; dimension++) {
        centroids[centroid * size + dimension] = (sums[centroid * size + dimension] as number) / memberCount
      }
    }
  }
  return centroids
}

/**
 * The median latent distance between consecutive recorded steps (at most 20 000 of them): how far
 * one environment step moves a latent, the unit of the memories' radii.
 *
 * @example
 * ```ts
 * stallMemory({ stepLength: medianStepLength(recorded) })
 * ```
 */
export const medianStepLength = (trajectories: LatentTrajectories): number => {
  const size = trajectories.latentSize
  const lengths: Array<number> = []
  let episodeStart = 0
  for (const length of trajectories.episodeLengths) {
    for (let step = episodeStart; step < episodeStart + length - 1 && lengths.length < 20_000; step++) {
      lengths.push(
        Math.sqrt(
          squaredDistance(trajectories.latents, step * size, trajectories.latents, (step + 1) * size, size)
        )
      )
    }
    episodeStart += length
  }
  lengths.sort((a, b) => a - b)
  return lengths[Math.floor(lengths.length / 2)] ?? 0
}

/**
 * One landmark per group of each cluster's members that chains of links join: two members are
 * linked when they are closer than `linkRadius` or when one is the recorded step right after the
 * other (`follows[p]`: point `p + 1` came next), which never crosses a wall. Groups of fewer than
 * three members are noise and dropped. Returns the new centroids `[K', D]`.
 */
const splitDisconnected = (
  points: Float32Array,
  follows: Uint8Array,
  size: number,
  centroids: Float32Array,
  count: number,
  linkRadius: number
): Float32Array => {
  const total = points.length / size
  const members = Array.from({ length: count }, () => [] as Array<number>)
  for (let point = 0; point < total; point++) {
    members[nearestRow(centroids, size, points, point).index]?.push(point)
  }
  const limit = linkRadius * linkRadius
  const parents = disjointSets(total)
  const clusterOf = new Int32Array(total)
  members.forEach((cluster, index) => {
    for (const point of cluster) clusterOf[point] = index
  })
  for (let point = 0; point + 1 < total; point++) {
    if (follows[point] === 1 && clusterOf[point] === clusterOf[point + 1]) {
      join(parents, point, point + 1)
    }
  }
  const split: Array<number> = []
  for (const cluster of members) {
    if (cluster.length === 0) continue
    for (let first = 0; first < cluster.length; first++) {
      for (let second = first + 1; second < cluster.length; second++) {
        const a = cluster[first] as number
        const b = cluster[second] as number
        if (squaredDistance(points, a * size, points, b * size, size) < limit) {
          join(parents, a, b)
        }
      }
    }
    const groups = new Map<number, Array<number>>()
    for (const point of cluster) {
      const root = rootOf(parents, point)
      const group = groups.get(root)
      if (group === undefined) groups.set(root, [point])
      else group.push(point)
    }
    const kept = [...groups.values()].filter((group) => group.length >= 3)
    // A cluster with no group of three (too sparse to judge) keeps its centroid.
    for (const group of kept.length === 0 ? [cluster] : kept) {
      for (let dimension = 0; dimension < size; dimension++) {
        let sum = 0
        for (const point of group) sum += points[point * size + dimension] as number
        split.push(sum / group.length)
      }
    }
  }
  return Float32Array.from(split)
}

/**
 * Builds the graph from recorded latent trajectories.
 *
 * @example
 * ```ts
 * const graph = buildLandmarkGraph({ latentSize: 2, latents, episodeLengths }, { landmarks: 200 }, Random.fromSeed(0))
 * graph.edges[0] // [{ to: 17, length: 2.1, transitions: 9 }, ...]
 * ```
 */
export const buildLandmarkGraph = (
  trajectories: LatentTrajectories,
  options: LandmarkGraphOptions,
  rng: Random
): LandmarkGraph => {
  const steps = checkTrajectories(trajectories)
  const size = trajectories.latentSize
  let count = positiveInteger(options.landmarks ?? 256, "landmarks")
  const iterations = positiveInteger(options.iterations ?? 12, "iterations")
  const minimumTransitions = positiveInteger(options.minimumTransitions ?? 2, "minimumTransitions")
  const sampleSize = Math.min(steps, positiveInteger(options.clusteringSample ?? 20_000, "clusteringSample"))
  if (count > sampleSize) {
    throw new InvalidValueError({
      field: "landmarks",
      expected: `at most the ${sampleSize} latents clustered`,
      received: String(count)
    })
  }
  const sample = new Float32Array(sampleSize * size)
  const sources = new Int32Array(sampleSize)
  for (let row = 0; row < sampleSize; row++) {
    const source = Math.floor((row * steps) / sampleSize)
    sources[row] = source
    sample.set(trajectories.latents.subarray(source * size, source * size + size), row * size)
  }
  // Whether sample row r + 1 is the recorded step right after row r (same episode, next step).
  const episodeOf = new Int32Array(steps)
  let firstStep = 0
  trajectories.episodeLengths.forEach((length, episode) => {
    episodeOf.fill(episode, firstStep, firstStep + length)
    firstStep += length
  })
  const sampleFollows = Uint8Array.from({ length: sampleSize }, (_, row) => {
    if (row + 1 >= sampleSize) return 0
    const here = sources[row] as number
    const next = sources[row + 1] as number
    return next === here + 1 && episodeOf[next] === episodeOf[here] ? 1 : 0
  })
  const centroids = kMeans(sample, size, count, iterations, rng)
  const linkRadius = (options.linkFraction ?? 1) * medianStepLength(trajectories)
  const grouped = splitDisconnected(sample, sampleFollows, size, centroids, count, linkRadius)
  const nearestGrouped = new Int32Array(steps)
  for (let step = 0; step < steps; step++) {
    nearestGrouped[step] = nearestRow(grouped, size, trajectories.latents, step).index
  }
  const { landmarks, nearest } = separatePassages(
    trajectories.latents,
    size,
    trajectories.episodeLengths,
    grouped,
    nearestGrouped,
    minimumTransitions
  )
  count = landmarks.length / size
  const transitions = Array.from({ length: count }, () => new Map<number, number>())
  let episodeStart = 0
  for (const length of trajectories.episodeLengths) {
    for (let step = episodeStart; step < episodeStart + length - 1; step++) {
      const from = nearest[step] as number
      const to = nearest[step + 1] as number
      if (from !== to) transitions[from]?.set(to, (transitions[from]?.get(to) ?? 0) + 1)
    }
    episodeStart += length
  }
  const edges = transitions.map((targets, from) =>
    [...targets]
      .filter(([, recorded]) => recorded >= minimumTransitions)
      .map(([to, recorded]) => ({
        to,
        length: Math.sqrt(squaredDistance(landmarks, from * size, landmarks, to * size, size)),
        transitions: recorded
      }))
  )
  return { latentSize: size, landmarks, count, edges }
}

/**
 * The landmark nearest a latent (optionally among some candidates only), and its squared distance.
 *
 * @example
 * ```ts
 * closestLandmark(graph, [20, 30]) // { index: 42, squared: 1.3 }
 * ```
 */
export const closestLandmark = (
  graph: LandmarkGraph,
  latent: ArrayLike<number>,
  candidates?: Iterable<number>
): {
  /** The landmark's index. */
  readonly index: number
  /** Its squared distance to the latent. */
  readonly squared: number
} => {
  if (latent.length !== graph.latentSize) {
    throw new InvalidValueError({
      field: "latent",
      expected: `length ${graph.latentSize}`,
      received: `length ${latent.length}`
    })
  }
  return nearestRow(graph.landmarks, graph.latentSize, latent, 0, candidates)
}

/**
 * The landmark nearest a latent (optionally among some candidates only).
 *
 * @example
 * ```ts
 * nearestLandmark(graph, [20, 30]) // 42
 * ```
 */
export const nearestLandmark = (
  graph: LandmarkGraph,
  latent: ArrayLike<number>,
  candidates?: Iterable<number>
): number => closestLandmark(graph, latent, candidates).index

/**
 * Shortest-path length from every landmark to `target` along the graph's edges (Dijkstra over the
 * reversed edges); `Infinity` where no recorded route leads there.
 *
 * @example
 * ```ts
 * const toGoal = distancesTo(graph, nearestLandmark(graph, goal))
 * ```
 */
export const distancesTo = (graph: LandmarkGraph, target: number): Float64Array => {
  if (!Number.isInteger(target) || target < 0 || target >= graph.count) {
    throw new InvalidValueError({
      field: "target",
      expected: `a landmark index from 0 to ${graph.count - 1}`,
      received: String(target)
    })
  }
  const incoming = Array.from({ length: graph.count }, () => [] as Array<{ from: number; length: number }>)
  graph.edges.forEach((outgoing, from) => {
    for (const edge of outgoing) incoming[edge.to]?.push({ from, length: edge.length })
  })
  const distances = new Float64Array(graph.count).fill(Number.POSITIVE_INFINITY)
  const settled = new Uint8Array(graph.count)
  distances[target] = 0
  // K is a few hundred: a linear scan for the closest unsettled landmark is simpler than a heap and fast enough.
  for (;;) {
    let current = -1
    for (let index = 0; index < graph.count; index++) {
      if (settled[index] === 0 && (distances[index] as number) < Number.POSITIVE_INFINITY) {
        if (current === -1 || (distances[index] as number) < (distances[current] as number)) current = index
      }
    }
    if (current === -1) return distances
    settled[current] = 1
    for (const { from, length } of incoming[current] ?? []) {
      const through = (distances[current] as number) + length
      if (through < (distances[from] as number)) distances[from] = through
    }
  }
}

/**
 * The graph without the landmarks `keep` rejects, and without every edge to or from them: routes
 * then avoid those regions, e.g. landmarks whose probed position lies in a keep-out zone, so that
 * no subgoal is handed out where a guardrail forbids the agent to go.
 *
 * @example
 * ```ts
 * const guarded = keepLandmarks(graph, (latent) => !insideZone(probe(latent)))
 * ```
 */
export const keepLandmarks = (
  graph: LandmarkGraph,
  keep: (latent: Float32Array, index: number) => boolean
): LandmarkGraph => {
  const size = graph.latentSize
  const renumbered = new Int32Array(graph.count).fill(-1)
  let count = 0
  for (let index = 0; index < graph.count; index++) {
    if (keep(graph.landmarks.slice(index * size, index * size + size), index)) renumbered[index] = count++
  }
  if (count === 0) {
    throw new InvalidValueError({
      field: "keep",
      expected: "to keep at least one landmark",
      received: "none kept"
    })
  }
  const landmarks = new Float32Array(count * size)
  const edges: Array<ReadonlyArray<LandmarkEdge>> = []
  graph.edges.forEach((outgoing, from) => {
    const kept = renumbered[from] as number
    if (kept === -1) return
    landmarks.set(graph.landmarks.subarray(from * size, from * size + size), kept * size)
    edges[kept] = outgoing.flatMap((edge) =>
      renumbered[edge.to] === -1 ? [] : [{ ...edge, to: renumbered[edge.to] as number }]
    )
  })
  return { latentSize: size, landmarks, count, edges }
}
