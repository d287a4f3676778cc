/**
 * What the agents imagine, next to what happens: for a row's drawn episodes, the latent each level-0
 * plan predicts a few steps ahead, decoded to an image by the run's decoder, beside the
 * environment's own image of the state the episode reached that many steps later. One PNG per
 * episode: the real frames in the top row, the imagined ones under them.
 *
 * @module
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import type { Info } from "@telos/core"
import { channelsToRgb, encodePng, writeFileAtomic } from "@telos/core/node"
import { defineEnv, type EnvSpec } from "@telos/envs"
import type { PlanEvent } from "@telos/planner"
import type { Decoder } from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import type { RowFigure } from "../report/Report.js"

/** Model steps between a plan and the step whose frame it imagines (or the plan's horizon, if shorter). */
export const imaginedStepsAhead = 4

/** Frame pairs drawn per episode at most, spread evenly over it. */
export const imaginedFramesPerEpisode = 6

/** The info field through which a {@link framedSpec}'s environments render their current state. */
export const frameField = "renderFrame"

/**
 * The environment of `spec`, whose every info carries `renderFrame`, a function that draws the
 * state it reports on as an image (`definition.image`), called only for the frames kept; the
 * episodes are unchanged. `undefined` when the environment draws no images.
 *
 * @example
 * ```ts
 * const framed = framedSpec(twoRooms)
 * const { info } = framed!.make().reset({ seed: 0 })
 * (info.renderFrame as () => Uint8Array)() // Uint8Array(2 * 64 * 64)
 * ```
 */
export const framedSpec = (spec: EnvSpec<unknown>): EnvSpec<unknown> | undefined => {
  const { definition } = spec
  const image = definition.image
  if (image === undefined) return undefined
  return defineEnv({
    ...definition,
    info: (state) => ({ ...(definition.info?.(state) ?? {}), [frameField]: () => image.render(state) })
  })
}

/** One episode's imagined frames beside the real ones, as written. */
export interface ImaginedStrip {
  /** The episode's seed. */
  readonly seed: number
  /** The steps whose frames it shows, left to right (0: the reset). */
  readonly steps: ReadonlyArray<number>
  /** Model steps between each plan and the step whose frame it imagined. */
  readonly ahead: number
  /** The PNG, relative to the folder it was written into. */
  readonly path: string
}

/** What records a row's drawn episodes' real and imagined frames while it runs. */
export interface FrameRecorder {
  /** For `runEpisodes`' `onReset` (the environments must be a {@link framedSpec}'s). */
  readonly onReset: (episode: number, info: Info) => void
  /** For `runEpisodes`' `onTransition`. */
  readonly onTransition: (episode: number, info: Info) => void
  /** For the agent's `onPlan`. */
  readonly onPlan: (event: PlanEvent) => void
  /**
   * Decodes the kept plans' latents with `decoder` and writes one strip per episode into
   * `<directory>/frames/` (real frames on top, imagined below); episodes without a frame to show
   * get none.
   */
  write(directory: string, decoder: Decoder): Promise<ReadonlyArray<ImaginedStrip>>
}

/** Options of {@link frameRecorder}. */
export interface FrameRecorderOptions {
  /** Model steps ahead each frame is imagined (default {@link imaginedStepsAhead}). */
  readonly ahead?: number
  /** Frame pairs per episode at most (default {@link imaginedFramesPerEpisode}). */
  readonly frames?: number
}

/** `count` indices spread evenly over `0 ... total - 1`, the first and the last included. */
const spread = (total: number, count: number): ReadonlyArray<number> =>
  total <= count
    ? Array.from({ length: total }, (_, index) => index)
    : [
        ...new Set(
          Array.from({ length: count }, (_, index) => Math.round((index * (total - 1)) / (count - 1)))
        )
      ]

/**
 * Records the first `count` episodes of a row (seeds `seeds[0..count)`): the environment's frame of
 * every step, and for every level-0 plan the latent it predicts `ahead` steps later. Episodes run
 * in consecutive batches are told apart by their resets, which `runEpisodes` makes for a whole batch
 * before its first plan.
 *
 * @example
 * ```ts
 * const frames = frameRecorder(2, seeds)
 * const agent = agentOf("flat", { ...parts, onPlan: frames.onPlan })
 * runEpisodes(envs, seeds, agent, { rng, onReset: frames.onReset, onTransition: frames.onTransition })
 * await frames.write(directory, decoder)
 * ```
 */
export const frameRecorder = (
  count: number,
  seeds: ReadonlyArray<number>,
  options: FrameRecorderOptions = {}
): FrameRecorder => {
  const ahead = options.ahead ?? imaginedStepsAhead
  const perEpisode = options.frames ?? imaginedFramesPerEpisode
  const frames: Array<Array<(() => Uint8Array) | undefined>> = Array.from({ length: count }, () => [])
  const imagined: Array<Map<number, Float32Array>> = Array.from({ length: count }, () => new Map())
  // The plans' episode indices count from their batch's first episode.
  let batchFirst = 0
  let planned = true
  const record = (episode: number, info: Info) => {
    const render = info[frameField]
    frames[episode]?.push(typeof render === "function" ? (render as () => Uint8Array) : undefined)
  }
  return {
    onReset: (episode, info) => {
      if (planned) {
        batchFirst = episode
        planned = false
      }
      if (episode < count) frames[episode] = []
      record(episode, info)
    },
    onTransition: record,
    onPlan: ({ step, episodes, plan }) => {
      planned = true
      const steps = Math.min(ahead, plan.horizon)
      episodes.forEach((relative, row) => {
        const episode = batchFirst + relative
        if (episode >= count) return
        const start = (row * (plan.horizon + 1) + steps) * plan.latentSize
        imagined[episode]?.set(step + steps, plan.predictedStates.slice(start, start + plan.latentSize))
      })
    },
    write: async (directory, decoder) => {
      const strips: Array<ImaginedStrip> = []
      const { channels, height, width } = decoder.config.image
      for (let episode = 0; episode < count; episode++) {
        const seen = frames[episode] ?? []
        const predicted = imagined[episode] ?? new Map<number, Float32Array>()
        const candidates = [...predicted.keys()]
          .filter((step) => seen[step] !== undefined)
          .sort((a, b) => a - b)
        const steps = spread(candidates.length, perEpisode).map((index) => candidates[index] as number)
        if (steps.length === 0) continue
        const latents = new Float32Array(steps.length * decoder.config.latentSize)
        steps.forEach((step, index) => {
          latents.set(predicted.get(step) as Float32Array, index * decoder.config.latentSize)
        })
        const decoded = tf.tidy(() =>
          decoder.decode(tf.tensor2d(latents, [steps.length, decoder.config.latentSize])).dataSync()
        )
        const size = channels * height * width
        const dreams = steps.map((_, index) =>
          Uint8Array.from(decoded.subarray(index * size, (index + 1) * size), (value) =>
            Math.round(value * 255)
          )
        )
        const real = steps.map((step) => (seen[step] as () => Uint8Array)())
        const seed = seeds[episode] as number
        const path = join("frames", `seed${seed}.png`)
        await Effect.runPromise(
          writeFileAtomic(join(directory, path), framePairsPng(real, dreams, { channels, height, width }))
        )
        strips.push({ seed, steps, ahead, path })
      }
      return strips
    }
  }
}

/**
 * Two rows of frames as one PNG, `top[i]` above `bottom[i]`, on white with a gap between frames;
 * each frame channel-major `[channels, height, width]`, coloured as `channelsToRgb` colours it and
 * enlarged to about 128 pixels a side.
 *
 * @example
 * ```ts
 * const png = framePairsPng([real], [imagined], { channels: 2, height: 64, width: 64 })
 * ```
 */
export const framePairsPng = (
  top: ReadonlyArray<Uint8Array>,
  bottom: ReadonlyArray<Uint8Array>,
  shape: { readonly channels: number; readonly height: number; readonly width: number }
): Uint8Array => {
  const upscale = Math.max(1, Math.floor(128 / Math.max(shape.height, shape.width)))
  const gap = 4
  const cellHeight = shape.height * upscale
  const cellWidth = shape.width * upscale
  const columns = Math.max(top.length, bottom.length)
  const width = gap + columns * (cellWidth + gap)
  const height = gap + 2 * (cellHeight + gap)
  const data = new Uint8Array(width * height * 3).fill(255)
  ;[top, bottom].forEach((frames, row) => {
    frames.forEach((frame, column) => {
      const rgb = channelsToRgb(frame, shape.channels, shape.height, shape.width, { upscale })
      const left = gap + column * (cellWidth + gap)
      const upper = gap + row * (cellHeight + gap)
      for (let y = 0; y < cellHeight; y++) {
        data.set(
          rgb.data.subarray(y * cellWidth * 3, (y + 1) * cellWidth * 3),
          ((upper + y) * width + left) * 3
        )
      }
    })
  })
  return encodePng({ width, height, channels: 3, data })
}

/**
 * Copies a row's strips from the folder they were written into (`from`, the row's stage folder)
 * into `<directory>/figures/`, named after the row (`name`), and returns them as the row's figures.
 *
 * @example
 * ```ts
 * const figures = await copyImaginedFrames("runs/x", "two-rooms-flat", entry.directory, strips, (strip) => `seed ${strip.seed}`)
 * ```
 */
export const copyImaginedFrames = async (
  directory: string,
  name: string,
  from: string,
  strips: ReadonlyArray<ImaginedStrip>,
  captionOf: (strip: ImaginedStrip) => string
): Promise<ReadonlyArray<RowFigure>> => {
  const slug = name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")
  const figures: Array<RowFigure> = []
  for (const strip of strips) {
    const path = join("figures", `${slug}-seed${strip.seed}-imagined.png`)
    const bytes = new Uint8Array(await readFile(join(from, strip.path)))
    await Effect.runPromise(writeFileAtomic(join(directory, path), bytes))
    figures.push({ path, caption: captionOf(strip) })
  }
  return figures
}
