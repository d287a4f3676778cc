/**
 * One step of model-predictive control at a time, as the page plays it, on the shipped models:
 * the episode reaches its goal, the views carry the predicted path, the subgoals, the real and the
 * imagined frames, a goal of the user's replaces the episode's own, and nothing leaks.
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type LoadedAgentBundle, readAgentBundle } from "@telos/bench/bundle"
import { resolveBackend } from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type StepView, startEpisode } from "../../src/plan/PlanRun.js"

const models = fileURLToPath(new URL("../../public/models", import.meta.url))

const openBundle = (folder: string): Promise<LoadedAgentBundle> =>
  readAgentBundle(async (path) => {
    const file = join(models, folder, path)
    return { name: file, bytes: new Uint8Array(await readFile(file)) }
  })

const play = (bundle: LoadedAgentBundle, options: Parameters<typeof startEpisode>[1]) => {
  const episode = startEpisode(bundle, options)
  const views: Array<StepView> = [episode.start]
  while (!(views.at(-1) as StepView).done) views.push(episode.step())
  episode.dispose()
  return views
}

let original = ""
beforeAll(async () => {
  original = tf.getBackend()
  // The native backend: the models' pixel encoders are slow on plain JavaScript.
  await Effect.runPromise(resolveBackend({ preferred: "native", environment: {} }))
})
afterAll(async () => {
  await tf.setBackend(original)
})

describe("an episode played step by step", () => {
  it("reaches the goal with the predicted path and each level's subgoal in every view, and frees its tensors", async () => {
    const bundle = await openBundle("point-mass")
    const before = tf.memory().numTensors
    const views = play(bundle, { kind: "hierarchical", seed: 0 })
    const last = views.at(-1) as StepView
    expect(last.success).toBe(true)
    expect(last.step).toBe(views.length - 1)
    const horizon = bundle.manifest.config.actor.horizon
    for (const view of views.slice(1)) {
      expect(view.predicted).toHaveLength(horizon + 1)
      expect(view.subgoals).toHaveLength(1)
      expect(view.planMs).toBeGreaterThan(0)
      expect(Number.isFinite(view.plannedCost)).toBe(true)
    }
    expect(views.some((view) => view.subgoals[0] !== undefined)).toBe(true)
    // The first predicted point is the probe's reading of where the agent is.
    const [x, y] = last.position as readonly [number, number]
    const [px, py] = (views.at(-2) as StepView).predicted[1] as readonly [number, number]
    expect(Math.hypot(px - x, py - y)).toBeLessThan(0.2)
    expect(tf.memory().numTensors).toBe(before)
    bundle.dispose()
  }, 120_000)

  it("takes a goal of the user's in place of the episode's own", async () => {
    const bundle = await openBundle("point-mass")
    const views = play(bundle, { kind: "flat", seed: 3, goal: [0.5, -0.5], start: [-0.5, 0.5] })
    expect(views[0]?.goal).toEqual([0.5, -0.5])
    expect(views[0]?.position?.map((value) => Math.round(value * 100) / 100)).toEqual([-0.5, 0.5])
    expect(views.at(-1)?.success).toBe(true)
    bundle.dispose()
  }, 120_000)

  it("shows the real frame and the decoder's images of the plan, each an image of the world's size", async () => {
    const bundle = await openBundle("two-rooms")
    const episode = startEpisode(bundle, { kind: "flat+memory", seed: 0, imagineAhead: [1, 4] })
    expect(episode.start.frame).toMatchObject({ channels: 2, height: 64, width: 64 })
    const view = episode.step()
    episode.dispose()
    expect(view.imagined.map((frame) => frame.ahead)).toEqual([1, 4])
    for (const { frame } of view.imagined) {
      expect(frame.pixels).toHaveLength(2 * 64 * 64)
      // The walls channel of the imagined frame is the real one's, nearly everywhere.
      const real = view.frame?.pixels as Uint8Array
      let agree = 0
      for (let index = 64 * 64; index < 2 * 64 * 64; index++) {
        if (Math.abs((frame.pixels[index] as number) - (real[index] as number)) < 64) agree++
      }
      expect(agree / (64 * 64)).toBeGreaterThan(0.95)
    }
    bundle.dispose()
  }, 120_000)
})
