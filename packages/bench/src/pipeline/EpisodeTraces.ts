/**
 * The first few episodes of a row, recorded for its report: where the agent went (the
 * environment's `info.position`), its goal, and the subgoal each level above 0 handed down, read
 * as positions through the run's position probe; then drawn over the environment's own picture of
 * the episode's start.
 *
 * @module
 */
import { join } from "node:path"
import type { Info } from "@telos/core"
import { writeFileAtomic } from "@telos/core/node"
import type { EnvSpec } from "@telos/envs"
import { Effect } from "effect"

/** A point on the plane of the environment's positions. */
export type TracePoint = readonly [number, number]

/** A subgoal a level above 0 handed down, read as a position. */
export interface TraceSubgoal {
  /** The level that handed it down (1 is the lowest above 0). */
  readonly level: number
  /** The episode's step it was handed down at (0: before the first action). */
  readonly step: number
  /** Where it lies. */
  readonly at: TracePoint
}

/** One recorded episode. */
export interface EpisodeTrace {
  /** The episode's seed. */
  readonly seed: number
  /** Positions from the reset on, one per step. */
  readonly positions: ReadonlyArray<TracePoint>
  /** The goal's position (the reset's `info.goal`), when the environment reports one. */
  readonly goal?: TracePoint
  /** Each subgoal a level above 0 handed down: the level, the step it was handed down at, where. */
  readonly subgoals: ReadonlyArray<TraceSubgoal>
  /** The episode's layout (`info.layout`), for environments whose layout changes between episodes. */
  readonly layout?: number
  /** Whether the last step recorded reported success (`info.success`); absent in older records. */
  readonly success?: boolean
}

const pointOf = (value: unknown): TracePoint | undefined => {
  if (typeof value !== "object" || value === null || !("length" in value)) return undefined
  const vector = value as ArrayLike<unknown>
  const x = vector[0]
  const y = vector[1]
  return typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y)
    ? [x, y]
    : undefined
}

/** What records the traced episodes while a row runs. */
export interface TraceRecorder {
  /** For `runEpisodes`' `onReset`. */
  readonly onReset: (episode: number, info: Info) => void
  /** For `runEpisodes`' `onTransition`. */
  readonly onTransition: (episode: number, info: Info) => void
  /** For a hierarchy's `onSubgoals`. */
  readonly onSubgoals: (level: number, episodes: ReadonlyArray<number>, subgoals: Float32Array) => void
  /** The traces recorded so far (episodes whose environment reports positions). */
  traces(): ReadonlyArray<EpisodeTrace>
}

/**
 * Records the first `count` episodes of a row (seeds `seeds[0..count)`); `positionOf` reads a
 * subgoal latent of `latentSize` numbers as a position (no subgoals are kept without it).
 *
 * @example
 * ```ts
 * const recorder = traceRecorder(3, seeds, 16, probe.positionOf)
 * runEpisodes(envs, seeds, agent, { rng, onReset: recorder.onReset, onTransition: recorder.onTransition })
 * recorder.traces()[0]?.positions.length
 * ```
 */
export const traceRecorder = (
  count: number,
  seeds: ReadonlyArray<number>,
  latentSize: number,
  positionOf?: (latent: Float32Array) => TracePoint
): TraceRecorder => {
  const positions: Array<Array<TracePoint>> = Array.from({ length: count }, () => [])
  const subgoals: Array<Array<TraceSubgoal>> = Array.from({ length: count }, () => [])
  const goals: Array<TracePoint | undefined> = Array.from({ length: count }, () => undefined)
  const layouts: Array<number | undefined> = Array.from({ length: count }, () => undefined)
  const successes: Array<boolean> = Array.from({ length: count }, () => false)
  const record = (episode: number, info: Info) => {
    const at = pointOf(info.position)
    if (episode >= count || at === undefined) return
    positions[episode]?.push(at)
    successes[episode] = info.success === true
  }
  return {
    onReset: (episode, info) => {
      if (episode >= count) return
      goals[episode] = pointOf(info.goal)
      layouts[episode] = typeof info.layout === "number" ? info.layout : undefined
      record(episode, info)
    },
    onTransition: record,
    onSubgoals: (level, episodes, latents) => {
      if (positionOf === undefined) return
      for (const episode of episodes) {
        if (episode >= count) continue
        const latent = latents.slice(episode * latentSize, (episode + 1) * latentSize)
        const step = Math.max(0, (positions[episode]?.length ?? 1) - 1)
        subgoals[episode]?.push({ level, step, at: positionOf(latent) })
      }
    },
    traces: () =>
      positions.flatMap((path, episode) =>
        path.length === 0
          ? []
          : [
              {
                seed: seeds[episode] as number,
                positions: path,
                subgoals: subgoals[episode] ?? [],
                success: successes[episode] === true,
                ...(goals[episode] === undefined ? {} : { goal: goals[episode] }),
                ...(layouts[episode] === undefined ? {} : { layout: layouts[episode] })
              }
            ]
      )
  }
}

/** Marker colours of the levels' subgoals: level 1, 2, 3, ... */
const levelColours = ["#9c36b5", "#e8590c", "#1971c2", "#2f9e44"]

const round = (value: number): string => String(Math.round(value * 100) / 100)

/**
 * Draws a trace over an environment's SVG picture (whose view box is in the units of its
 * positions): the path as a line, each level's subgoals as numbered markers in the level's colour,
 * and a caption. `undefined` when the picture is not such an SVG.
 *
 * @example
 * ```ts
 * traceSvg(env.render(), trace, "flat, seed 0: success")
 * ```
 */
export const traceSvg = (picture: string, trace: EpisodeTrace, caption: string): string | undefined => {
  const box = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(picture)
  if (box === null || !picture.endsWith("</svg>")) return undefined
  const unit = Math.max(Number(box[1]), Number(box[2])) / 64
  const path = trace.positions.map(([x, y]) => `${round(x)},${round(y)}`).join(" ")
  const marks = trace.subgoals.map(({ level, at: [x, y] }) => {
    const colour = levelColours[(level - 1) % levelColours.length] as string
    const size = (1.2 + 0.4 * level) * unit
    return level === 1
      ? `<circle cx="${round(x)}" cy="${round(y)}" r="${round(size / 2)}" fill="${colour}" opacity="0.5"/>`
      : `<rect x="${round(x - size / 2)}" y="${round(y - size / 2)}" width="${round(size)}" height="${round(size)}" fill="none" stroke="${colour}" stroke-width="${round(0.4 * unit)}"/>`
  })
  const legend = [...new Set(trace.subgoals.map((subgoal) => subgoal.level))]
    .sort()
    .map((level) => `level ${level}`)
    .join(", ")
  const overlay =
    `<g class="trace"><polyline points="${path}" fill="none" stroke="#1f5fbf" stroke-width="${round(0.5 * unit)}" opacity="0.8"/>` +
    marks.join("") +
    `<text x="${round(unit)}" y="${round(2.5 * unit)}" font-size="${round(1.9 * unit)}" font-family="sans-serif">${caption.replace(/[<>&]/g, "")}</text>` +
    `<text x="${round(unit)}" y="${round(5 * unit)}" font-size="${round(1.9 * unit)}" font-family="sans-serif">${trace.success === undefined ? "" : trace.success ? "success" : "failure"}${legend === "" ? "" : `${trace.success === undefined ? "" : "; "}subgoals of ${legend}`}</text></g>`
  return `${picture.slice(0, -"</svg>".length)}${overlay}</svg>`
}

/** A figure of a row, as the report links it. */
export interface TraceFigure {
  /** Relative to the run directory. */
  readonly path: string
  /** The figure's caption. */
  readonly caption: string
}

/**
 * Writes one SVG per trace into `<directory>/figures/`, each drawn over the environment's picture
 * of the episode's start (the environment reset with the trace's seed), and returns the figures
 * for the row. Environments whose picture is not an SVG in position units get none.
 *
 * @example
 * ```ts
 * const figures = await writeTraceFigures("runs/x", "diverse-maze-5-long-flat", spec, traces, (trace) => `seed ${trace.seed}`)
 * ```
 */
export const writeTraceFigures = async (
  directory: string,
  name: string,
  spec: EnvSpec<unknown>,
  traces: ReadonlyArray<EpisodeTrace>,
  captionOf: (trace: EpisodeTrace) => string
): Promise<ReadonlyArray<TraceFigure>> => {
  const figures: Array<TraceFigure> = []
  const slug = name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")
  for (const trace of traces) {
    const env = spec.make()
    env.reset({ seed: trace.seed })
    const caption = captionOf(trace)
    const drawn = traceSvg(env.render(), trace, caption)
    if (drawn === undefined) continue
    const path = join("figures", `${slug}-seed${trace.seed}.svg`)
    await Effect.runPromise(writeFileAtomic(join(directory, path), drawn))
    figures.push({ path, caption })
  }
  return figures
}
