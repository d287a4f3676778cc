import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { decodePngHeader } from "@telos/core/node"
import { twoRooms } from "@telos/envs"
import { createDecoder } from "@telos/worldmodel"
import * as tf from "@tensorflow/tfjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { main } from "../src/cli/CommandLine.js"
import { framedSpec, framePairsPng, frameRecorder } from "../src/pipeline/ImaginedFrames.js"
import { decoderArchitecture } from "../src/pipeline/Stages.js"
import { fakeTerminal, makeTempDir, readResults, removeTempDir, useWasmBackend } from "./fixtures.js"

const plan = (horizon: number, rows: number, fill: (row: number, step: number) => number) => ({
  problems: rows,
  horizon,
  actionSize: 2,
  latentSize: 2,
  actions: new Float32Array(rows * horizon * 2),
  predictedStates: Float32Array.from({ length: rows * (horizon + 1) * 2 }, (_, index) =>
    fill(Math.floor(index / ((horizon + 1) * 2)), Math.floor(index / 2) % (horizon + 1))
  ),
  cost: new Float32Array(rows),
  initialCost: new Float32Array(rows),
  trace: [0]
})

describe("decoderArchitecture", () => {
  it("upsamples by 16 where the sides allow, by less where they do not", () => {
    expect(decoderArchitecture(32, { channels: 2, height: 64, width: 64 })).toEqual({
      latentSize: 32,
      image: { channels: 2, height: 64, width: 64 },
      hidden: [256],
      upsampleFactors: [4, 4],
      upsampleChannels: [32, 16]
    })
    expect(decoderArchitecture(8, { channels: 1, height: 8, width: 8 }).upsampleFactors).toEqual([4, 2])
    expect(decoderArchitecture(8, { channels: 3, height: 6, width: 10 }).upsampleFactors).toEqual([2])
    expect(decoderArchitecture(8, { channels: 3, height: 5, width: 7 }).upsampleFactors).toEqual([])
    // Every one builds.
    for (const image of [
      { channels: 2, height: 64, width: 64 },
      { channels: 3, height: 6, width: 10 },
      { channels: 1, height: 5, width: 7 }
    ]) {
      createDecoder(decoderArchitecture(4, image), 0).dispose()
    }
  })
})

describe("frameRecorder", () => {
  const frame = (value: number) => () => Uint8Array.of(value, value, value, value)
  const decoder = () => createDecoder(decoderArchitecture(2, { channels: 1, height: 2, width: 2 }), 0)

  it("pairs each kept plan's latent, ahead steps on, with the frame of that step, across batches", async () => {
    const recorder = frameRecorder(3, [10, 11, 12, 13], { ahead: 2, frames: 2 })
    // Batch 1: episodes 0 and 1; episode 1 has ended by the second plan.
    recorder.onReset(0, { renderFrame: frame(0) })
    recorder.onReset(1, { renderFrame: frame(100) })
    recorder.onPlan({ step: 0, episodes: [0, 1], plan: plan(3, 2, (row, step) => row * 10 + step) })
    for (let step = 1; step <= 3; step++) {
      recorder.onTransition(0, { renderFrame: frame(step) })
      if (step === 1) recorder.onTransition(1, { renderFrame: frame(101) })
      recorder.onPlan({ step, episodes: [0], plan: plan(3, 1, (_, ahead) => step + ahead) })
    }
    // Batch 2: episodes 2 and 3 (only 2 is drawn), the plans count their rows from 0 again.
    recorder.onReset(2, { renderFrame: frame(200) })
    recorder.onReset(3, { renderFrame: frame(300) })
    recorder.onPlan({ step: 0, episodes: [0, 1], plan: plan(1, 2, (row) => row) })
    recorder.onTransition(2, { renderFrame: frame(201) })
    recorder.onTransition(3, { renderFrame: frame(301) })
    const directory = await makeTempDir()
    const decoding = decoder()
    const before = tf.memory().numTensors
    try {
      const strips = await recorder.write(directory, decoding)
      expect(tf.memory().numTensors).toBe(before)
      // Episode 0: frames at steps 0-3, plans at 0-3 imagine steps 2-5: steps 2 and 3 pair up.
      // Episode 1: frames at 0-1, its plan imagines step 2: nothing to show. Episode 2: a horizon of 1.
      expect(strips).toEqual([
        { seed: 10, steps: [2, 3], ahead: 2, path: join("frames", "seed10.png") },
        { seed: 12, steps: [1], ahead: 2, path: join("frames", "seed12.png") }
      ])
      const header = decodePngHeader(new Uint8Array(await readFile(join(directory, "frames", "seed10.png"))))
      // Two columns and two rows of 2 x 2 frames enlarged 64 times, with 4-pixel gaps.
      expect([header.width, header.height]).toEqual([4 + 2 * (128 + 4), 4 + 2 * (128 + 4)])
    } finally {
      decoding.dispose()
      await removeTempDir(directory)
    }
  })

  it("spreads at most `frames` pairs over the episode, the first and the last included", async () => {
    const recorder = frameRecorder(1, [0], { ahead: 1, frames: 3 })
    recorder.onReset(0, { renderFrame: frame(0) })
    for (let step = 0; step < 10; step++) {
      recorder.onPlan({ step, episodes: [0], plan: plan(4, 1, () => 0) })
      recorder.onTransition(0, { renderFrame: frame(step + 1) })
    }
    const directory = await makeTempDir()
    const decoding = decoder()
    try {
      expect((await recorder.write(directory, decoding))[0]?.steps).toEqual([1, 6, 10])
    } finally {
      decoding.dispose()
      await removeTempDir(directory)
    }
  })
})

describe("framedSpec and framePairsPng", () => {
  it("renders the state each info reports on, and leaves the episodes as they were", () => {
    const framed = framedSpec(twoRooms)
    if (framed === undefined) throw new Error("two-rooms draws images")
    const plain = twoRooms.make()
    const env = framed.make()
    expect(env.reset({ seed: 3 }).observation).toEqual(plain.reset({ seed: 3 }).observation)
    const stepped = env.step([2, 1])
    expect(stepped.observation).toEqual(plain.step([2, 1]).observation)
    const image = (stepped.info.renderFrame as () => Uint8Array)()
    expect(image).toHaveLength(2 * 64 * 64)
    // The agent's channel is bright where the agent is.
    const [x, y] = Array.from(stepped.observation, Math.round)
    expect(image[(y as number) * 64 + (x as number)]).toBeGreaterThan(100)
  })

  it("lays two rows of frames on white", () => {
    const png = framePairsPng([new Uint8Array(2 * 64 * 64)], [new Uint8Array(2 * 64 * 64)], {
      channels: 2,
      height: 64,
      width: 64
    })
    const header = decodePngHeader(png)
    expect([header.width, header.height]).toEqual([4 + 128 + 4, 4 + 2 * (128 + 4)])
  })
})

/** A two-rooms run small enough for a test, with a decoder and one drawn episode. */
const tiny = (decoderEpochs: number, decoderTransitions = 400) =>
  [
    "data.transitions=400",
    "data.episodeLength=40",
    "worldModel.epochs=1",
    "worldModel.stepsPerEpoch=5",
    "worldModel.batchSize=16",
    "evaluation.episodes=1",
    "evaluation.drawnEpisodes=1",
    'evaluation.agents=["flat"]',
    "actor.iterations=1",
    "actor.warmStartIterations=1",
    "actor.candidates=1",
    "actor.horizon=6",
    `decoder.epochs=${decoderEpochs}`,
    "decoder.stepsPerEpoch=3",
    "decoder.batchSize=8",
    `decoder.transitions=${decoderTransitions}`
  ].flatMap((setting) => ["--set", setting])

interface Stage {
  readonly stage: string
  readonly cached: boolean
  readonly key: string
  readonly figures: Readonly<Record<string, number>>
}

describe("telos run with a decoder", () => {
  let directory = ""
  let backend = "cpu"
  let previousBackend: string | undefined
  const run = async (name: string, settings: ReadonlyArray<string>) => {
    const terminal = fakeTerminal({ TELOS_BACKEND: backend })
    const code = await main(
      [
        "run",
        "--env",
        "two-rooms",
        "--cache",
        join(directory, "cache"),
        "--out",
        join(directory, name),
        ...settings
      ],
      terminal.terminal
    )
    expect(
      terminal.error.filter((line) => line.startsWith("telos:")),
      terminal.error.join("\n")
    ).toEqual([])
    expect(code).toBe(0)
    const results = await readResults(join(directory, name))
    return { results, stages: results.stages as ReadonlyArray<Stage> }
  }

  beforeAll(async () => {
    previousBackend = tf.getBackend() as string | undefined
    backend = await useWasmBackend()
    directory = await makeTempDir()
  })
  afterAll(async () => {
    await removeTempDir(directory)
    if (previousBackend !== undefined && previousBackend !== backend) await tf.setBackend(previousBackend)
  })

  it("trains the decoder on the state JEPA, reports its error and draws the imagined frames", async () => {
    const { results, stages } = await run("decoded", tiny(1))
    const decoder = stages.find((stage) => stage.stage === "decoder")
    expect(decoder?.figures.relativeError).toBeGreaterThan(0)
    expect(decoder?.figures.reconstructionMse).toBeGreaterThan(0)
    const row = (results.rows as ReadonlyArray<Record<string, unknown>>)[0] as Record<string, unknown>
    const frames = row.imaginedFrames as ReadonlyArray<{ path: string; caption: string }>
    expect(frames).toHaveLength(1)
    const png = new Uint8Array(await readFile(join(directory, "decoded", frames[0]?.path as string)))
    expect(decodePngHeader(png).height).toBe(4 + 2 * (128 + 4))
    const html = await readFile(join(directory, "decoded", "report.html"), "utf8")
    expect(html).toContain("real | imagined")
    expect(html).toContain(`src="${frames[0]?.path}"`)
    expect(await readFile(join(directory, "decoded", "report.md"), "utf8")).toContain(frames[0]?.path)
    // A rerun reuses the decoder and the row.
    const again = await run("again", tiny(1))
    expect(again.stages.find((stage) => stage.stage === "decoder")?.cached).toBe(true)
    expect(again.stages.map((stage) => stage.key)).toEqual(stages.map((stage) => stage.key))
  }, 120_000)

  it("without epochs has no decoder stage, and its settings change no key", async () => {
    const plain = await run("plain", tiny(0))
    const other = await run("other", tiny(0, 999))
    expect(plain.stages.map((stage) => stage.stage)).toEqual(["collect", "world-model", "episodes (flat)"])
    expect(other.stages.map((stage) => stage.key)).toEqual(plain.stages.map((stage) => stage.key))
    const row = (plain.results.rows as ReadonlyArray<Record<string, unknown>>)[0] as Record<string, unknown>
    expect(row.imaginedFrames).toBeUndefined()
  }, 120_000)
})
