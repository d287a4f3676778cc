import { access, cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { main } from "@telos/bench"
import { crc32 } from "@telos/core"
import { claimOutputFolder } from "@telos/core/node"
import { envRegistry } from "@telos/envs"
import { disposeWeights, loadCheckpoint, writeDataset } from "@telos/worldmodel/node"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
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
      resume: false,
      overwrite: false
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

/** Every file of a directory, by name, for a before-and-after comparison. */
const contentsOf = async (directory: string): Promise<Map<string, Buffer>> =>
  new Map(
    await Promise.all(
      (await readdir(directory)).map(async (name) => [name, await readFile(join(directory, name))] as const)
    )
  )

interface ManifestEntry {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  crc32: number
}

/** A checkpoint's manifest entries with each tensor's byte offset in weights.bin. */
const tensorsOf = async (checkpoint: string) => {
  const manifest = JSON.parse(await readFile(join(checkpoint, "model.json"), "utf8")) as {
    weightsManifest: [{ weights: Array<ManifestEntry> }]
  }
  let offset = 0
  const tensors = manifest.weightsManifest[0].weights.map((entry) => {
    const length = 4 * entry.shape.reduce((product, dimension) => product * dimension, 1)
    offset += length
    return { entry, offset: offset - length, length }
  })
  return { manifest, tensors }
}

/** Rewrites weights.bin with `change`; with `recompute`, the manifest's checksums too, to match (a hostile edit). */
const editWeights = async (checkpoint: string, change: (bytes: Uint8Array) => void, recompute: boolean) => {
  const bytes = new Uint8Array(await readFile(join(checkpoint, "weights.bin")))
  change(bytes)
  await writeFile(join(checkpoint, "weights.bin"), bytes)
  if (!recompute) return
  const { manifest, tensors } = await tensorsOf(checkpoint)
  for (const { entry, offset, length } of tensors)
    entry.crc32 = crc32(bytes.subarray(offset, offset + length))
  await writeFile(join(checkpoint, "model.json"), JSON.stringify(manifest))
}

/**
 * A copy of a dataset file with one observation replaced, its block's checksum and the header's
 * rewritten to match: bad values that only a check of the values can catch.
 */
const withObservation = async (source: string, target: string, index: number, value: number) => {
  const bytes = new Uint8Array(await readFile(source))
  const headerLength = new DataView(bytes.buffer).getUint32(8, true)
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)))
  const data = bytes.slice(16 + headerLength)
  const field = header.fields.find((candidate: { name: string }) => candidate.name === "observations")
  new DataView(data.buffer).setFloat32(field.offset + 4 * index, value, true)
  field.crc32 = crc32(data.subarray(field.offset, field.offset + field.length))
  const json = new TextEncoder().encode(JSON.stringify(header))
  const prefix = new Uint8Array(16 + json.length + ((8 - ((16 + json.length) % 8)) % 8)).fill(0x20)
  prefix.set(bytes.subarray(0, 8))
  prefix.set(json, 16)
  new DataView(prefix.buffer).setUint32(8, prefix.length - 16, true)
  new DataView(prefix.buffer).setUint32(12, crc32(prefix.subarray(16)), true)
  await mkdir(target, { recursive: true })
  await writeFile(join(target, "dataset.bin"), Buffer.concat([prefix, data]))
}

describe("telos train", () => {
  // main() activates the backend TELOS_BACKEND names (wasm here); the files after this one expect theirs back.
  let startingBackend = ""
  beforeAll(() => {
    startingBackend = tf.getBackend()
  })
  afterAll(async () => {
    await tf.setBackend(startingBackend)
  })
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

  it("--resume starts from the checkpoint's weights, every one bit for bit", async () => {
    const out = freshOut()
    expect((await train(out)).code).toBe(0)
    const saved = await loadCheckpoint(out)
    // A learning rate far below any weight's float32 spacing: the resumed epoch's steps move no
    // weight, so its checkpoint holds what the resume restored. Only the exact zeros of units that
    // had no gradient in epoch 1 can move (to about the learning rate).
    const resumed = await train(out, ["--epochs", "2", "--resume", "--learning-rate", "1e-30"])
    expect(resumed.error).toEqual([])
    const after = await loadCheckpoint(out)
    try {
      expect(after.metadata.epoch).toBe(2)
      expect([...after.weights.keys()]).toEqual([...saved.weights.keys()])
      for (const [name, weight] of saved.weights) {
        const before = weight.dataSync() as Float32Array
        const now = (after.weights.get(name)?.dataSync() ?? new Float32Array(0)) as Float32Array
        const bitsNow = new Uint32Array(now.buffer, now.byteOffset, now.length)
        const moved = [...new Uint32Array(before.buffer, before.byteOffset, before.length)].flatMap(
          (bits, index) => (bits === bitsNow[index] ? [] : [[index, before[index], now[index]]])
        )
        expect(now.length, name).toBe(before.length)
        for (const [index, was, is] of moved) {
          expect(was, `${name}[${index}]`).toBe(0)
          expect(Math.abs(is as number), `${name}[${index}]`).toBeLessThan(1e-25)
        }
      }
    } finally {
      disposeWeights(saved.weights)
      disposeWeights(after.weights)
    }
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
    expect((await train(out, ["--resume", "--overwrite"])).error[0]).toContain(
      "--overwrite: not with --resume"
    )
    // Asked for, the checkpoint is replaced by the new run's.
    const replaced = await train(out, ["--overwrite", "--latent-size", "8"])
    expect(replaced.code).toBe(0)
    expect((await metadataOf(out)).config).toMatchObject({ latentSize: 8 })
  })

  it("refuses a second writer to the same checkpoint folder while one trains, naming it", async () => {
    const out = freshOut()
    const claim = await Effect.runPromise(claimOutputFolder(out, "telos train", { lockBeside: true }))
    try {
      const second = await train(out)
      expect(second.code).toBe(1)
      expect(second.error[0]).toContain(`is in use by process ${process.pid}, running "telos train"`)
    } finally {
      claim.release()
    }
    expect((await train(out)).code).toBe(0)
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

  describe("on a damaged checkpoint in --out", () => {
    let trained = ""
    beforeAll(async () => {
      trained = freshOut()
      expect((await train(trained)).code).toBe(0)
    })
    const damaged =
      "holds an incomplete or damaged checkpoint, which neither --resume nor a fresh run will use: remove it, pass --overwrite to replace it, or choose another --out"

    /** Same-shape tensors: the first two of one shape in the manifest. */
    const twins = async (out: string) => {
      const { tensors } = await tensorsOf(out)
      for (const [index, first] of tensors.entries()) {
        const second = tensors
          .slice(index + 1)
          .find((other) => `${other.entry.shape}` === `${first.entry.shape}`)
        if (second !== undefined) return [first, second] as const
      }
      throw new Error("no two tensors of one shape")
    }

    // Each damage returns what the message must name.
    it.each([
      {
        case: "its weights file missing",
        damage: async (out: string) => {
          await rm(join(out, "weights.bin"))
          return "weights.bin: missing (an incomplete checkpoint)"
        }
      },
      {
        case: "its weights file cut short",
        damage: async (out: string) => {
          await writeFile(join(out, "weights.bin"), "cut")
          return "weights.bin: 3 bytes, the manifest describes"
        }
      },
      {
        case: "an exponent bit flipped in one weight (finite, but 2^64 times larger or smaller)",
        damage: async (out: string) => {
          await editWeights(out, (bytes) => (bytes[3] = (bytes[3] as number) ^ 0x40), false)
          return "encoder/layer0/kernel: its 512 bytes have the checksum"
        }
      },
      {
        case: "two tensors of one shape swapped",
        damage: async (out: string) => {
          const [first, second] = await twins(out)
          await editWeights(
            out,
            (bytes) => {
              const saved = bytes.slice(first.offset, first.offset + first.length)
              bytes.copyWithin(first.offset, second.offset, second.offset + second.length)
              bytes.set(saved, second.offset)
            },
            false
          )
          return `${first.entry.name}: its ${first.length} bytes have the checksum`
        }
      },
      {
        case: "a NaN weight, the checksums rewritten to match",
        damage: async (out: string) => {
          await editWeights(out, (bytes) => new DataView(bytes.buffer).setFloat32(4, Number.NaN, true), true)
          return "encoder/layer0/kernel: element [0, 1] of [2, 64] is NaN"
        }
      }
    ])(
      "reports $case as damaged, alike with and without --resume, and leaves it as it was",
      async ({ damage }) => {
        const out = freshOut()
        await cp(trained, out, { recursive: true })
        const names = await damage(out)
        const before = await contentsOf(out)
        const resumed = await train(out, ["--epochs", "2", "--resume"])
        const fresh = await train(out, ["--epochs", "2"])
        for (const result of [resumed, fresh]) {
          expect(result.code).toBe(1)
          expect(result.error).toHaveLength(1)
          expect(result.error[0]).toContain(names)
          expect(result.error[0]).toContain(`${out} ${damaged}`)
          expect(result.error[0]).not.toMatch(/diverged|remains|found none|pass --resume/)
        }
        expect(fresh.error).toEqual(resumed.error)
        expect(await contentsOf(out)).toEqual(before)
      }
    )
  })

  describe("on data that does not fit --env or holds bad values", () => {
    const chunk = (observationSize: number, actionSize: number, imageSize = 0) => ({
      episodeLengths: [10],
      terminated: [false],
      observations: new Float32Array(11 * observationSize),
      actions: new Float32Array(10 * actionSize),
      images: imageSize === 0 ? undefined : new Uint8Array(11 * imageSize)
    })
    const twoRooms = envRegistry.get("two-rooms").definition

    it.each([
      {
        case: "observations and actions of other sizes",
        sizes: { observationSize: 4, actionSize: 3 },
        flags: [],
        names:
          "observations of 4 numbers, the environment's have 2; actions of 3 numbers, the environment's have 2"
      },
      {
        case: "images of another shape",
        sizes: { observationSize: 2, actionSize: 2, imageShape: [1, 8, 8] as const },
        flags: ["--obs", "pixels"],
        names: `images of [1, 8, 8], the environment's are [${twoRooms.image?.channels}, ${twoRooms.image?.height}, ${twoRooms.image?.width}]`
      }
    ])("refuses a two-rooms dataset with $case, naming both sizes", async ({ sizes, flags, names }) => {
      const dataset = join(directory, `misfit-${run}`)
      const imageSize =
        sizes.imageShape === undefined ? 0 : sizes.imageShape.reduce<number>((a, b) => a * b, 1)
      await writeDataset(
        join(dataset, "dataset.bin"),
        { envId: "two-rooms", seed: 0, collector: {}, ...sizes },
        [chunk(sizes.observationSize, sizes.actionSize, imageSize)]
      )
      const result = await train(freshOut(), ["--data", dataset, "--rollout-steps", "2", ...flags])
      expect(result.code).toBe(1)
      expect(result.error).toEqual([
        `telos: ${join(dataset, "dataset.bin")}: the data does not fit the environment "two-rooms" (--env): ${names}`
      ])
    })

    it.each([
      { value: Number.NaN, shown: "NaN" },
      { value: 3e38, shown: "3e+38, beyond the plausible ±1e+9 (a corrupt value)" }
    ])(
      "names an observation of $value in the dataset, where it lies, instead of diverging",
      async ({ value, shown }) => {
        const dataset = join(directory, `bad-values-${run}`)
        // Step 70 is the 10th step of the second episode (60 transitions, so 61 steps, each).
        await withObservation(join(data, "dataset.bin"), dataset, 70 * 2 + 1, value)
        const result = await train(freshOut(), ["--data", dataset])
        expect(result.code).toBe(1)
        expect(result.error).toEqual([
          `telos: ${join(dataset, "dataset.bin")}: observations: step 70 (episode 1, its step 9), element 1 is ${shown}`
        ])
      }
    )
  })

  it("refuses an --out that holds other files", async () => {
    const out = freshOut()
    await mkdir(out)
    await writeFile(join(out, "notes.txt"), "mine")
    const result = await train(out)
    expect(result.code).toBe(2)
    expect(result.error).toEqual([expect.stringContaining("--out: a new or empty directory")])
  })

  it("a last step that leaves the weights non-finite (the loss still finite) is a divergence naming the weight; nothing is saved over the last good checkpoint", async () => {
    const out = freshOut()
    expect((await train(out)).code).toBe(0)
    // A learning rate beyond float32's range: the first update makes the weights infinite.
    const overflowing = ["--learning-rate", "1e39", "--steps-per-epoch", "1"]
    const resumed = await train(out, ["--epochs", "2", "--resume", ...overflowing])
    expect(resumed.code).toBe(1)
    expect(resumed.error).toEqual([
      expect.stringMatching(
        new RegExp(
          `^telos: training diverged in epoch 2 \\(weight [a-z0-9/]+: element \\[[0-9, ]*\\] of \\[[0-9, ]*\\] is -?(Infinity|NaN); try a lower --learning-rate\\); the checkpoint of epoch 1 remains in ${out}$`
        )
      )
    ])
    expect((await metadataOf(out)).metadata.epoch).toBe(1)
    const fresh = freshOut()
    const first = await train(fresh, overflowing)
    expect(first.error).toEqual([
      expect.stringMatching(/^telos: training diverged in epoch 1 \(weight .*; no checkpoint was saved$/)
    ])
    await expect(access(fresh)).rejects.toThrow()
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
