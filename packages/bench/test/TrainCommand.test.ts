import { access, mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { main } from "@telos/bench"
import { disposeWeights, loadCheckpoint } from "@telos/worldmodel/node"
import * as tf from "@tensorflow/tfjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type TrainCommand, usage } from "../src/cli/Arguments.js"
import { trainingSettings } from "../src/cli/TrainCommand.js"
import { fakeTerminal, makeTempDir, parsedFailure, parsedSuccess, removeTempDir } from "./fixtures.js"

const required = [
  "train",
  "--env",
  "two-rooms",
  "--obs",
  "state",
  "--data",
  "runs/data",
  "--out",
  "runs/model"
]

describe("parseArguments for telos train", () => {
  it("documents every train flag in the usage text", () => {
    for (const flag of [
      "telos train",
      "--data",
      "--epochs",
      "--steps-per-epoch",
      "--batch-size",
      "--rollout-steps",
      "--latent-size",
      "--learning-rate",
      "--latent-variable",
      "--resume"
    ]) {
      expect(usage).toContain(flag)
    }
  })

  it("leaves unset options to the observation kind's defaults", () => {
    const command = parsedSuccess(required)
    expect(command).toEqual({
      kind: "train",
      env: "two-rooms",
      observations: "state",
      data: "runs/data",
      out: "runs/model",
      epochs: undefined,
      stepsPerEpoch: undefined,
      batchSize: undefined,
      rolloutSteps: undefined,
      latentSize: undefined,
      learningRate: undefined,
      latentVariableSize: undefined,
      seed: 0,
      resume: false
    })
    expect(trainingSettings(command as TrainCommand)).toEqual({
      epochs: 5,
      stepsPerEpoch: 100,
      batchSize: 64,
      rolloutSteps: 4,
      learningRate: 1e-3,
      seed: 0
    })
    expect(trainingSettings({ ...(command as TrainCommand), observations: "pixels" }).batchSize).toBe(32)
  })

  it("reads every option, in --flag value and --flag=value forms", () => {
    expect(
      parsedSuccess([
        ...required,
        "--epochs",
        "7",
        "--steps-per-epoch=20",
        "--batch-size",
        "8",
        "--rollout-steps",
        "2",
        "--latent-size=32",
        "--learning-rate",
        "3e-4",
        "--latent-variable",
        "2",
        "--seed",
        "5",
        "--resume"
      ])
    ).toMatchObject({
      epochs: 7,
      stepsPerEpoch: 20,
      batchSize: 8,
      rolloutSteps: 2,
      latentSize: 32,
      learningRate: 3e-4,
      latentVariableSize: 2,
      seed: 5,
      resume: true
    })
  })

  it("names every missing required flag", () => {
    const message = parsedFailure(["train"]).message
    for (const flag of ["--env", "--obs", "--data", "--out"]) expect(message).toContain(flag)
  })

  it.each([
    { flags: ["--epochs", "0"], flag: "--epochs" },
    { flags: ["--steps-per-epoch", "2.5"], flag: "--steps-per-epoch" },
    { flags: ["--batch-size", "1"], flag: "--batch-size" },
    { flags: ["--learning-rate", "-1"], flag: "--learning-rate" },
    { flags: ["--learning-rate", "fast"], flag: "--learning-rate" },
    { flags: ["--latent-variable", "-1"], flag: "--latent-variable" },
    { flags: ["--obs", "rgb"], flag: "--obs" },
    { flags: ["--resume=yes"], flag: "--resume" },
    { flags: ["--episodes", "3"], flag: "--episodes" }
  ])("rejects $flags in one line naming $flag", ({ flags, flag }) => {
    const message = parsedFailure([...required, ...flags]).message
    expect(message).toContain(flag)
    expect(message).not.toContain("\n")
  })
})

describe("telos train", () => {
  let directory = ""
  let data = ""
  let run = 0
  beforeAll(async () => {
    directory = await makeTempDir()
    data = join(directory, "data")
    const collect = fakeTerminal()
    const flags = ["--env", "two-rooms", "--transitions", "1200", "--episode-length", "60", "--out", data]
    expect(await main(["collect", ...flags, "--seed", "1"], collect.terminal)).toBe(0)
  })
  afterAll(async () => {
    await removeTempDir(directory)
  })

  const freshOut = (): string => join(directory, `model-${run++}`)
  const train = async (out: string, flags: ReadonlyArray<string> = []) => {
    const terminal = fakeTerminal({ TELOS_BACKEND: "wasm" })
    const quick = ["--steps-per-epoch", "3", "--batch-size", "16", "--epochs", "1"]
    const base = ["train", "--env", "two-rooms", "--obs", "state", "--data", data, "--out", out, ...quick]
    const code = await main([...base, ...flags], terminal.terminal)
    return { code, ...terminal }
  }
  const metadataOf = async (out: string) => {
    const loaded = await loadCheckpoint(out)
    disposeWeights(loaded.weights)
    return loaded
  }

  it("trains, prints a line per epoch and a summary, saves a loadable checkpoint, and frees its tensors", async () => {
    const out = freshOut()
    const tensors = tf.memory().numTensors
    const result = await train(out)
    expect(result.error).toEqual([])
    expect(result.code).toBe(0)
    expect(tf.memory().numTensors).toBe(tensors)
    expect(result.out[0]).toBe("telos: training a state world model for two-rooms on backend wasm")
    expect(result.out[1]).toMatch(
      /^training on 1200 transitions of two-rooms .*1 epochs x 3 steps, batch 16, rollout 4$/
    )
    expect(result.out[2]).toMatch(
      /^epoch 1\/1 {2}loss \S+ {2}probe R\^2 \S+ {2}rank \S+ {2}std \S+ {2}error 1\/4\/16 \S+\/\S+\/\S+ \(relative\)/
    )
    expect(result.out[3]).toMatch(new RegExp(`^trained epochs 1-1 \\(3 steps\\) in .*; checkpoint: ${out}$`))
    for (const file of ["model.json", "weights.bin", "metadata.json"]) await access(join(out, file))
    const { config, metadata } = await metadataOf(out)
    expect(config).toMatchObject({
      observation: { kind: "vector", size: 2 },
      latentSize: 16,
      encoderHidden: [64, 64]
    })
    expect(config.actionLow).toEqual([-2.45, -2.45])
    expect(metadata.epoch).toBe(1)
    expect(metadata.dataset).toMatchObject({
      envId: "two-rooms",
      transitions: 1200,
      path: join(data, "dataset.bin")
    })
    expect(metadata.dataset?.checksum).toEqual(expect.any(Number))
    const history = (metadata.metrics as { history: Array<{ epoch: number; probeR2: number }> }).history
    expect(history.map((epoch) => epoch.epoch)).toEqual([1])
    expect(metadata.training).toMatchObject({ epochs: 1, stepsPerEpoch: 3, batchSize: 16 })
  })

  it("--resume continues from the next epoch, and does nothing once every epoch is done", async () => {
    const out = freshOut()
    expect((await train(out)).code).toBe(0)
    const resumed = await train(out, ["--epochs", "2", "--resume"])
    expect(resumed.error).toEqual([])
    expect(resumed.code).toBe(0)
    expect(resumed.out).toContain("resuming after epoch 1 (the optimiser's state starts afresh)")
    expect(resumed.out.some((line) => line.startsWith("epoch 2/2 "))).toBe(true)
    expect(resumed.out.some((line) => line.startsWith("epoch 1/"))).toBe(false)
    expect(resumed.out.at(-1)).toMatch(/^trained epochs 2-2 \(3 steps\)/)
    const { metadata } = await metadataOf(out)
    expect(metadata.epoch).toBe(2)
    const history = (metadata.metrics as { history: Array<{ epoch: number }> }).history
    expect(history.map((epoch) => epoch.epoch)).toEqual([1, 2])
    const again = await train(out, ["--epochs", "2", "--resume"])
    expect(again.code).toBe(0)
    expect(again.out.at(-1)).toContain("already has 2 epochs; nothing to train")
  })

  it("refuses to resume with another model, or to overwrite a checkpoint without --resume (exit 2, one line)", async () => {
    const out = freshOut()
    expect((await train(out)).code).toBe(0)
    const resized = await train(out, ["--epochs", "2", "--resume", "--latent-size", "8"])
    expect(resized.code).toBe(2)
    expect(resized.error).toHaveLength(1)
    expect(resized.error[0]).toMatch(/^telos: .*--latent-size: .*latentSize: checkpoint 16, expected 8/)
    const overwrite = await train(out)
    expect(overwrite.code).toBe(2)
    expect(overwrite.error).toEqual([
      expect.stringMatching(/--out: .*holds a checkpoint already \(pass --resume/)
    ])
    expect((await metadataOf(out)).metadata.epoch).toBe(1)
  })

  it.each([
    { case: "--resume without a checkpoint", flags: ["--resume"], flag: "--resume" },
    { case: "a dataset from another env", flags: ["--env", "point-mass"], flag: "--env" },
    { case: "--obs pixels on a dataset without images", flags: ["--obs", "pixels"], flag: "--obs" },
    {
      case: "a rollout longer than every episode",
      flags: ["--rollout-steps", "61"],
      flag: "--rollout-steps"
    },
    { case: "an unknown env", flags: ["--env", "nowhere"], flag: '"nowhere"' }
  ])("rejects $case with one line naming $flag, exit 2", async ({ flags, flag }) => {
    const result = await train(freshOut(), flags)
    expect(result.code).toBe(2)
    expect(result.error).toHaveLength(1)
    expect(result.error[0]).toMatch(/^telos: /)
    expect(result.error[0]).toContain(flag)
  })

  it("refuses an --out that holds other files", async () => {
    const out = freshOut()
    await mkdir(out)
    await writeFile(join(out, "notes.txt"), "mine")
    const result = await train(out)
    expect(result.code).toBe(2)
    expect(result.error).toEqual([expect.stringContaining("--out: a new or empty directory")])
  })

  it("a diverging run fails in one line (exit 1) and keeps the last good checkpoint loadable", async () => {
    const out = freshOut()
    expect((await train(out)).code).toBe(0)
    const tensors = tf.memory().numTensors
    const diverged = await train(out, ["--epochs", "3", "--resume", "--learning-rate", "1e6"])
    expect(diverged.code).toBe(1)
    expect(diverged.error).toEqual([
      `telos: training diverged in epoch 2 (loss NaN; try a lower --learning-rate); the checkpoint of epoch 1 remains in ${out}`
    ])
    expect(tf.memory().numTensors).toBe(tensors)
    const { metadata } = await metadataOf(out)
    expect(metadata.epoch).toBe(1)
  })
})
