/**
 * Subgoals: the target each plan aims at when the final goal is too far, or behind an obstacle,
 * for the planner's horizon. The control loop asks for fresh targets before every plan; a
 * {@link landmarkSubgoals} director hands out the landmark a few hops ahead on the shortest recorded
 * route to the goal, and the goal itself once it is that close.
 *
 * @module
 */
import { InvalidValueError } from "@telos/core"
import { closestLandmark, distancesTo, type LandmarkGraph, nearestLandmark } from "../memory/LandmarkGraph.js"
import type { EpisodeMemory } from "../memory/OnlineMemory.js"

/** The targets of one run of episodes, kept up to date as the agents move. */
export interface SubgoalTracker {
  /**
   * The latent each episode should aim at now, `[N, D]`, given where each is, `[N, D]` (both
   * row-major), and which episodes are still running (all when absent); the rows of episodes that
   * have ended are not read by the controller.
   */
  next(states: Float32Array, running?: ReadonlyArray<boolean>): Float32Array
}

/** Starts a {@link SubgoalTracker} for a batch of episodes with the given goal latents. */
export interface SubgoalDirector {
  /** A short name for reports. */
  readonly name: string
  /**
   * Starts tracking a batch of episodes with goal latents `goals` (`[N, D]`, row-major); `online`
   * is the batch's online memory when the agent has one (a director that plans adds its cost).
   */
  start(goals: Float32Array, online?: EpisodeMemory): SubgoalTracker
}

/** Options of {@link landmarkSubgoals}. */
export interface LandmarkSubgoalOptions {
  /** Hops along the route between the agent's landmark and its target (default 3). */
  readonly lookahead?: number
  /**
   * Landmarks within this many hops of the previous one are where the agent is looked for (default
   * 2): the nearest landmark in latent space can lie across a wall, the previous landmark's
   * neighbours cannot.
   */
  readonly trackingHops?: number
}

/** Squared distances: a landmark at under half the tracked one's distance relocates the agent. */
const relocationRatio = 0.25

const neighbourhood = (
  adjacency: ReadonlyArray<ReadonlyArray<number>>,
  start: number,
  hops: number
): Set<number> => {
  const reached = new Set([start])
  let frontier = [start]
  for (let hop = 0; hop < hops; hop++) {
    const next: Array<number> = []
    for (const node of frontier) {
      for (const neighbour of adjacency[node] ?? []) {
        if (!reached.has(neighbour)) {
          reached.add(neighbour)
          next.push(neighbour)
        }
      }
    }
    frontier = next
  }
  return reached
}

/**
 * Subgoals from a {@link LandmarkGraph}: each episode is located on the graph (tracked from its
 * previous landmark), and its target is the landmark `lookahead` hops further along the shortest
 * route to the goal's landmark, or the goal itself when the route is shorter than that or when no
 * recorded route leads there.
 *
 * @example
 * ```ts
 * const task = { model, planner, horizon: 16, cost, goalOf, subgoals: landmarkSubgoals(graph, { lookahead: 3 }) }
 * ```
 */
export const landmarkSubgoals = (
  graph: LandmarkGraph,
  options: LandmarkSubgoalOptions = {}
): SubgoalDirector => {
  const lookahead = options.lookahead ?? 3
  const trackingHops = options.trackingHops ?? 2
  for (const [field, value] of [
    ["lookahead", lookahead],
    ["trackingHops", trackingHops]
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidValueError({
        field: `landmarkSubgoals.${field}`,
        expected: "a positive integer",
        received: String(value)
      })
    }
  }
  const size = graph.latentSize
  // Either direction of a recorded passage counts for tracking: the agent may have come either way.
  const adjacency = graph.edges.map((outgoing) => outgoing.map((edge) => edge.to))
  graph.edges.forEach((outgoing, from) => {
    for (const edge of outgoing) (adjacency[edge.to] as Array<number>).push(from)
  })
  const routes = new Map<number, { readonly remaining: Float64Array; readonly nextHop: Int32Array }>()
  const routeTo = (goal: number) => {
    const cached = routes.get(goal)
    if (cached !== undefined) return cached
    const remaining = distancesTo(graph, goal)
    const nextHop = new Int32Array(graph.count).fill(-1)
    graph.edges.forEach((outgoing, from) => {
      let best = Number.POSITIVE_INFINITY
      for (const edge of outgoing) {
        const through = edge.length + (remaining[edge.to] as number)
        if (through < best) {
          best = through
          nextHop[from] = edge.to
        }
      }
    })
    const route = { remaining, nextHop }
    routes.set(goal, route)
    return route
  }
  // Tracked from the previous landmark; an agent found far from every tracked landmark (it was
  // moved, or the tracking went astray) is located afresh.
  const locate = (state: Float32Array, previous: number): number => {
    const nearest = closestLandmark(graph, state)
    if (previous === -1) return nearest.index
    const tracked = closestLandmark(graph, state, neighbourhood(adjacency, previous, trackingHops))
    return nearest.squared < relocationRatio * tracked.squared ? nearest.index : tracked.index
  }
  return {
    name: `landmark subgoals (${graph.count} landmarks, lookahead ${lookahead})`,
    start: (goals) => {
      if (goals.length % size !== 0) {
        throw new InvalidValueError({
          field: "goals",
          expected: `rows of ${size}`,
          received: `${goals.length} numbers`
        })
      }
      const episodes = goals.length / size
      const goalLandmarks = Array.from({ length: episodes }, (_, episode) =>
        nearestLandmark(graph, goals.subarray(episode * size, episode * size + size))
      )
      const located = new Int32Array(episodes).fill(-1)
      return {
        next: (states) => {
          if (states.length !== goals.length) {
            throw new InvalidValueError({
              field: "states",
              expected: `[${episodes}, ${size}]`,
              received: `${states.length} numbers`
            })
          }
          const targets = new Float32Array(goals.length)
          for (let episode = 0; episode < episodes; episode++) {
            const state = states.subarray(episode * size, episode * size + size)
            const previous = located[episode] as number
            const here = locate(state, previous)
            located[episode] = here
            const goalLandmark = goalLandmarks[episode] as number
            const { remaining, nextHop } = routeTo(goalLandmark)
            let target = here
            for (let hop = 0; hop < lookahead && target !== goalLandmark && nextHop[target] !== -1; hop++) {
              target = nextHop[target] as number
            }
            const aimAtGoal = target === goalLandmark || !Number.isFinite(remaining[here] as number)
            targets.set(
              aimAtGoal
                ? goals.subarray(episode * size, episode * size + size)
                : graph.landmarks.subarray(target * size, target * size + size),
              episode * size
            )
          }
          return targets
        }
      }
    }
  }
}
