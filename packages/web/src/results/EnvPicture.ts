/**
 * The map a trajectory is drawn over: the environment's own SVG picture of the episode's start,
 * as the bench's figures use it, redrawn in the browser from the environment's id and the
 * episode's seed.
 *
 * @module
 */
import { envRegistry } from "@telos/envs"
import type { EpisodeTrace } from "./ResultsFile.js"

/**
 * The picture of environment `env` reset with the trace's seed, when telos ships that environment
 * and its picture is in the units of its positions (a view box `0 0 width height`: the navigation
 * worlds and mazes); `undefined` otherwise (an environment of the user's own, a picture in other
 * units, an environment that fails to reset), and the trajectory is drawn on a plain background.
 * The id only selects a registered environment: nothing from the file reaches the markup.
 *
 * @example
 * ```ts
 * trajectoryPlot(trace, { background: envPicture("maze-medium", trace), title: "seed 3" })
 * ```
 */
export const envPicture = (
  env: string | undefined,
  trace: Pick<EpisodeTrace, "seed">
): string | undefined => {
  if (env === undefined || !envRegistry.has(env)) return undefined
  try {
    const made = envRegistry.make(env)
    made.reset({ seed: trace.seed })
    const picture = made.render()
    return /^<svg\b[^>]*\bviewBox="0 0 [\d.]+ [\d.]+"/.test(picture) && picture.endsWith("</svg>")
      ? picture
      : undefined
  } catch {
    // A seed the environment refuses is no reason to lose the trajectory: it gets a plain map.
    return undefined
  }
}
