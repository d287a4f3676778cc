import { mkdir, readdir, readFile, rename, rm, truncate, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { CheckpointError, crc32, FileError, Random } from "@telos/core"
import { checkpointFiles, disposeParameters, nonFiniteParameter, type ParameterSet } from "@telos/worldmodel"
import {
  checkpointDirectoryState,
  disposeWeights,
  loadCheckpoint,
  restoreParameters,
  saveCheckpoint,
  verifyCheckpoint
} from "@telos/worldmodel/node"
import * as tf from "@tensorflow/tfjs"
import * as fc from "fast-check"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { bitsOf, makeTempDir, rejectionOf, removeTempDir } from "../datasetSupport.js"

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  await removeTempDir(directory)
})

/**
 * Float32 values that are random bit patterns of finite numbers: -0, subnormals and the largest
 * magnitudes must survive a round trip bit for bit. (NaN and the infinities are refused.)
 */
const randomBits = (count: number, rng: Random): Float32Array =>
  new Float32Array(
    Uint32Array.from({ length: count }, () => {
      const bits = rng.nextUint32()
      // An all-ones exponent is NaN or an infinity: clear its top bit.
      return (bits & 0x7f800000) === 0x7f800000 ? (bits ^ 0x40000000) >>> 0 : bits
    }).buffer
  )

const makeParameters = (
  shapes: ReadonlyMap<string, ReadonlyArray<number>>,
  seed: number
): Map<string, tf.Variable> => {
  const rng = Random.fromSeed(seed)
  const parameters = new Map<string, tf.Variable>()
  for (const [name, shape] of shapes) {
    const values = randomBits(
      shape.reduce((product, dimension) => product * dimension, 1),
      rng
    )
    parameters.set(name, tf.variable(tf.tensor(values, [...shape], "float32"), true))
  }
  return parameters
}

const modelShapes = new Map<string, ReadonlyArray<number>>([
  ["encoder/layer0/kernel", [4, 3]],
  ["encoder/layer0/bias", [3]],
  ["predictor/layer0/kernel", [5, 3]],
  ["predictor/scale", []]
])

const config = { latentSize: 32, encoder: { hiddenSizes: [64, 64], activation: "relu" }, seed: 0 }

const metadata = {
  dataset: { path: "runs/data/dataset.bin", envId: "two-rooms", transitions: 1000, checksum: 12345 },
  metrics: { loss: 0.25, effectiveRank: 12.5 },
  epoch: 3,
  createdAt: "2025-01-01T00:00:00.000Z"
}

const bitsOfParameters = (parameters: ParameterSet): Map<string, Array<number>> =>
  new Map([...parameters].map(([name, variable]) => [name, [...bitsOf(variable.dataSync() as Float32Array)]]))

const bitsOfWeights = (weights: ReadonlyMap<string, tf.Tensor>): Map<string, Array<number>> =>
  new Map([...weights].map(([name, tensor]) => [name, [...bitsOf(tensor.dataSync() as Float32Array)]]))

/** Saves a good checkpoint of `modelShapes` at `path`; returns its parameters. */
const saveGood = async (path: string, seed = 1): Promise<Map<string, tf.Variable>> => {
  const parameters = makeParameters(modelShapes, seed)
  await saveCheckpoint(path, { parameters, config, metadata })
  return parameters
}

const checkpointErrorOf = async (promise: Promise<unknown>): Promise<CheckpointError> => {
  const error = await rejectionOf(promise)
  expect(error).toBeInstanceOf(CheckpointError)
  return error as CheckpointError
}

describe("saveCheckpoint and loadCheckpoint", () => {
  it("round-trip random parameter sets bit for bit, with config and metadata", async () => {
    const shapeArbitrary = fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 3 })
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,6}(\/[a-z0-9]{1,6}){0,2}$/), shapeArbitrary), {
          minLength: 1,
          maxLength: 5,
          selector: ([name]) => name
        }),
        fc.nat(),
        async (entries, seed) => {
          const parameters = makeParameters(new Map(entries), seed)
          const path = join(directory, "round-trip")
          await saveCheckpoint(path, { parameters, config, metadata })
          const loaded = await loadCheckpoint(path, { config, parameters })
          expect(loaded.config).toEqual(config)
          expect(loaded.metadata).toEqual(metadata)
          expect([...loaded.weights.keys()]).toEqual(entries.map(([name]) => name))
          for (const [name, tensor] of loaded.weights)
            expect(tensor.shape).toEqual(parameters.get(name)?.shape)
          expect(bitsOfWeights(loaded.weights)).toEqual(bitsOfParameters(parameters))
          disposeWeights(loaded.weights)
          disposeParameters(parameters)
        }
      ),
      { numRuns: 15 }
    )
  })

  it("writes TensorFlow.js's manifest, the weights and the metadata, and nothing else", async () => {
    const path = join(directory, "checkpoint")
    const parameters = await saveGood(path)
    await saveCheckpoint(path, { parameters, config, metadata: { epoch: 4 } })
    expect(await readdir(directory)).toEqual(["checkpoint"])
    expect((await readdir(path)).sort()).toEqual(["metadata.json", "model.json", "weights.bin"])
    const manifest = JSON.parse(await readFile(join(path, checkpointFiles.model), "utf8"))
    // The weights file is what tf.io decodes with that manifest, and each tensor's checksum is its bytes'.
    const bytes = await readFile(join(path, checkpointFiles.weights))
    let offset = 0
    const checksums = [...modelShapes].map(([, shape]) => {
      const length = 4 * shape.reduce((product, dimension) => product * dimension, 1)
      offset += length
      return crc32(bytes.subarray(offset - length, offset))
    })
    expect(manifest).toEqual({
      format: "telos-world-model",
      formatVersion: 2,
      metadataCrc32: expect.any(Number),
      weightsManifest: [
        {
          paths: ["weights.bin"],
          weights: [...modelShapes].map(([name, shape], index) => ({
            name,
            shape,
            dtype: "float32",
            crc32: checksums[index]
          }))
        }
      ]
    })
    const decoded = tf.io.decodeWeights(new Uint8Array(bytes).buffer, manifest.weightsManifest[0].weights)
    expect(bitsOfWeights(new Map(Object.entries(decoded)))).toEqual(bitsOfParameters(parameters))
    tf.dispose(Object.values(decoded))
    const written = JSON.parse(await readFile(join(path, checkpointFiles.metadata), "utf8"))
    expect(written.config).toEqual(config)
    expect(written.epoch).toBe(4)
    expect(Date.parse(written.createdAt)).not.toBeNaN()
    disposeParameters(parameters)
  })

  it("restores into existing variables and returns the tensor count to its baseline", async () => {
    const path = join(directory, "checkpoint")
    const saved = makeParameters(modelShapes, 2)
    const model = makeParameters(modelShapes, 3)
    const baseline = tf.memory().numTensors
    await saveCheckpoint(path, { parameters: saved, config, metadata })
    const loaded = await loadCheckpoint(path, { config, parameters: model })
    restoreParameters(model, loaded.weights)
    disposeWeights(loaded.weights)
    expect(tf.memory().numTensors).toBe(baseline)
    expect(bitsOfParameters(model)).toEqual(bitsOfParameters(saved))
    disposeParameters(saved)
    disposeParameters(model)
  })
})

describe("loadCheckpoint on a corrupt or foreign checkpoint", () => {
  let path = ""
  let parameters = new Map<string, tf.Variable>()
  beforeEach(async () => {
    path = join(directory, "checkpoint")
    parameters = await saveGood(path)
  })
  afterEach(() => {
    disposeParameters(parameters)
  })

  it("reports a truncated or overlong weights file", async () => {
    const weightsPath = join(path, checkpointFiles.weights)
    await truncate(weightsPath, 20)
    const error = await checkpointErrorOf(loadCheckpoint(path))
    expect(error.problem).toBe("weights-size-mismatch")
    expect(error.path).toBe(weightsPath)
    expect(error.message).toContain("20 bytes, the manifest describes 124")
    await writeFile(weightsPath, new Uint8Array(180))
    expect((await checkpointErrorOf(loadCheckpoint(path))).problem).toBe("weights-size-mismatch")
  })

  it("reports a model.json that is not JSON, of another format, version or layout", async () => {
    const modelPath = join(path, checkpointFiles.model)
    const manifest = JSON.parse(await readFile(modelPath, "utf8"))
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ['{"format": "telos-world-model", ', "bad-json", "not valid JSON"],
      [JSON.stringify({ ...manifest, format: "layers-model" }), "wrong-format", 'format is "layers-model"'],
      [
        JSON.stringify({ ...manifest, formatVersion: 3 }),
        "unsupported-version",
        "formatVersion 3 is not supported (this reader knows 1 and 2)"
      ],
      [
        JSON.stringify({
          ...manifest,
          weightsManifest: [
            {
              ...manifest.weightsManifest[0],
              weights: manifest.weightsManifest[0].weights.map(
                ({ crc32: _, ...entry }: Record<string, unknown>) => entry
              )
            }
          ]
        }),
        "bad-manifest",
        "weightsManifest[0].weights[0].crc32: expected a CRC-32"
      ],
      [
        JSON.stringify({
          ...manifest,
          weightsManifest: [{ ...manifest.weightsManifest[0], paths: ["a.bin", "b.bin"] }]
        }),
        "bad-manifest",
        "weightsManifest[0].paths"
      ],
      [
        JSON.stringify({
          ...manifest,
          weightsManifest: [
            { paths: ["weights.bin"], weights: [{ name: "x", shape: [2, -1], dtype: "float32" }] }
          ]
        }),
        "bad-manifest",
        "weightsManifest[0].weights[0].shape: expected an array of non-negative integers"
      ]
    ]
    for (const [text, problem, detail] of cases) {
      await writeFile(modelPath, text)
      const error = await checkpointErrorOf(loadCheckpoint(path))
      expect(error.problem).toBe(problem)
      expect(error.path).toBe(modelPath)
      expect(error.message).toContain(detail)
    }
  })

  it("reports a missing file or directory", async () => {
    await rm(join(path, checkpointFiles.metadata))
    const error = await checkpointErrorOf(loadCheckpoint(path))
    expect(error.problem).toBe("missing-file")
    expect(error.path).toBe(join(path, checkpointFiles.metadata))
    const absent = await checkpointErrorOf(loadCheckpoint(join(directory, "nowhere")))
    expect(absent.problem).toBe("missing-file")
  })

  it("names every config field that differs, with both values", async () => {
    const mismatch = await checkpointErrorOf(loadCheckpoint(path, { config: { ...config, latentSize: 64 } }))
    expect(mismatch.problem).toBe("config-mismatch")
    expect(mismatch.message).toContain("latentSize: checkpoint 32, expected 64")
    const nested = await checkpointErrorOf(
      loadCheckpoint(path, {
        config: {
          latentSize: 32,
          encoder: { hiddenSizes: [64, 128], activation: "gelu" },
          seed: 0,
          extra: true
        }
      })
    )
    expect(nested.message).toContain("encoder.hiddenSizes[1]: checkpoint 64, expected 128")
    expect(nested.message).toContain('encoder.activation: checkpoint "relu", expected "gelu"')
    expect(nested.message).toContain("extra: checkpoint (absent), expected true")
  })

  it("names a parameter whose shape differs, with both shapes, or that is missing or extra", async () => {
    const reshaped = makeParameters(new Map([...modelShapes, ["encoder/layer0/kernel", [5, 3]]]), 4)
    const shape = await checkpointErrorOf(loadCheckpoint(path, { parameters: reshaped }))
    expect(shape.problem).toBe("shape-mismatch")
    expect(shape.message).toContain("encoder/layer0/kernel: checkpoint [4, 3], model [5, 3]")

    const larger = makeParameters(new Map([...modelShapes, ["predictor/layer1/bias", [3]]]), 5)
    const missing = await checkpointErrorOf(loadCheckpoint(path, { parameters: larger }))
    expect(missing.problem).toBe("missing-parameter")
    expect(missing.message).toContain("missing from the checkpoint: predictor/layer1/bias")

    const smaller = makeParameters(new Map([...modelShapes].slice(1)), 6)
    const extra = await checkpointErrorOf(loadCheckpoint(path, { parameters: smaller }))
    expect(extra.problem).toBe("extra-parameter")
    expect(extra.message).toContain("not in the model: encoder/layer0/kernel")
    for (const set of [reshaped, larger, smaller]) disposeParameters(set)
  })

  it("restores nothing when one parameter does not fit", async () => {
    const loaded = await loadCheckpoint(path)
    const model = makeParameters(new Map([...modelShapes, ["predictor/layer0/kernel", [5, 4]]]), 7)
    const before = bitsOfParameters(model)
    expect(() => restoreParameters(model, loaded.weights)).toThrow(
      "predictor/layer0/kernel: checkpoint [5, 3], model [5, 4]"
    )
    expect(bitsOfParameters(model)).toEqual(before)
    disposeWeights(loaded.weights)
    disposeParameters(model)
  })
})

const readManifest = async (path: string) =>
  JSON.parse(await readFile(join(path, checkpointFiles.model), "utf8")) as {
    formatVersion: number
    weightsManifest: [{ weights: Array<{ name: string; shape: Array<number>; crc32?: number }> }]
  }

/** Rewrites `weights.bin` with `change`, then, when asked, the manifest's checksums to match it (a hostile edit). */
const editWeights = async (
  path: string,
  change: (bytes: Uint8Array) => void,
  recompute: "keep checksums" | "recompute checksums"
): Promise<void> => {
  const weightsPath = join(path, checkpointFiles.weights)
  const bytes = new Uint8Array(await readFile(weightsPath))
  change(bytes)
  await writeFile(weightsPath, bytes)
  if (recompute === "keep checksums") return
  const manifest = await readManifest(path)
  let offset = 0
  for (const entry of manifest.weightsManifest[0].weights) {
    const length = 4 * entry.shape.reduce((product, dimension) => product * dimension, 1)
    entry.crc32 = crc32(bytes.subarray(offset, offset + length))
    offset += length
  }
  await writeFile(join(path, checkpointFiles.model), JSON.stringify(manifest))
}

/** Sets the float32 at `byteOffset` of a weights file's bytes. */
const setFloat = (bytes: Uint8Array, byteOffset: number, value: number): void => {
  new DataView(bytes.buffer, bytes.byteOffset).setFloat32(byteOffset, value, true)
}

// Byte offsets in the weights of `modelShapes`: the kernel [4, 3] is 48 bytes, the bias [3] 12.
const biasOffset = 48
const predictorKernelOffset = 60

describe("loadCheckpoint verifies every tensor", () => {
  let path = ""
  let parameters = new Map<string, tf.Variable>()
  beforeEach(async () => {
    path = join(directory, "checkpoint")
    parameters = makeParameters(modelShapes, 21)
    ;(parameters.get("encoder/layer0/bias") as tf.Variable).assign(tf.tensor1d([-0.13, 0.5, 0.25]))
    await saveCheckpoint(path, { parameters, config, metadata })
  })
  afterEach(() => {
    disposeParameters(parameters)
  })

  it("catches a bit flip in one float's exponent, which leaves it finite, by the tensor's checksum", async () => {
    await editWeights(
      path,
      (bytes) => {
        bytes[biasOffset + 3] = (bytes[biasOffset + 3] as number) ^ 0x40
        // -0.13 has become about -4.4e37: finite, so only the checksum can tell.
        const flipped = new DataView(bytes.buffer).getFloat32(biasOffset, true)
        expect(Number.isFinite(flipped)).toBe(true)
        expect(flipped).toBeLessThan(-1e37)
      },
      "keep checksums"
    )
    const error = await checkpointErrorOf(loadCheckpoint(path))
    expect(error.problem).toBe("checksum-mismatch")
    expect(error.path).toBe(join(path, checkpointFiles.weights))
    expect(error.message).toMatch(
      /encoder\/layer0\/bias: its 12 bytes have the checksum 0x[0-9a-f]{8}, the manifest records 0x[0-9a-f]{8}/
    )
  })

  it("catches any flipped bit of the weights file", async () => {
    const pristine = new Uint8Array(await readFile(join(path, checkpointFiles.weights)))
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: pristine.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        async (position, bit) => {
          await writeFile(join(path, checkpointFiles.weights), pristine)
          await editWeights(
            path,
            (bytes) => {
              bytes[position] = (bytes[position] as number) ^ (1 << bit)
            },
            "keep checksums"
          )
          expect((await checkpointErrorOf(loadCheckpoint(path))).problem).toBe("checksum-mismatch")
        }
      ),
      { numRuns: 30 }
    )
  })

  it("catches two tensors of one shape swapped, naming the first", async () => {
    const twins = makeParameters(
      new Map([
        ["encoder/a", [2, 3]],
        ["encoder/b", [2, 3]]
      ]),
      22
    )
    const swapped = join(directory, "swapped")
    await saveCheckpoint(swapped, { parameters: twins, config })
    await editWeights(
      swapped,
      (bytes) => {
        const first = bytes.slice(0, 24)
        bytes.copyWithin(0, 24, 48)
        bytes.set(first, 24)
      },
      "keep checksums"
    )
    const error = await checkpointErrorOf(loadCheckpoint(swapped, { config, parameters: twins }))
    expect(error.problem).toBe("checksum-mismatch")
    expect(error.message).toContain("encoder/a: its 24 bytes have the checksum")
    disposeParameters(twins)
  })

  it.each([
    { value: Number.NaN, shown: "NaN" },
    { value: Number.POSITIVE_INFINITY, shown: "Infinity" },
    { value: Number.NEGATIVE_INFINITY, shown: "-Infinity" }
  ])(
    "refuses a $shown weight even when the manifest's checksums are rewritten to match",
    async ({ value, shown }) => {
      // Element [1, 2] of predictor/layer0/kernel [5, 3] is its sixth.
      await editWeights(
        path,
        (bytes) => setFloat(bytes, predictorKernelOffset + 5 * 4, value),
        "recompute checksums"
      )
      const tensors = tf.memory().numTensors
      const error = await checkpointErrorOf(loadCheckpoint(path, { config, parameters }))
      expect(error.problem).toBe("non-finite-value")
      expect(error.path).toBe(join(path, checkpointFiles.weights))
      expect(error.message).toContain(`predictor/layer0/kernel: element [1, 2] of [5, 3] is ${shown}`)
      expect(tf.memory().numTensors).toBe(tensors)
    }
  )

  it("reads a version 1 checkpoint, which has no checksums, and still checks that its values are finite", async () => {
    const manifest = await readManifest(path)
    manifest.formatVersion = 1
    for (const entry of manifest.weightsManifest[0].weights) delete entry.crc32
    await writeFile(join(path, checkpointFiles.model), JSON.stringify(manifest))
    const loaded = await loadCheckpoint(path, { config, parameters })
    expect(bitsOfWeights(loaded.weights)).toEqual(bitsOfParameters(parameters))
    disposeWeights(loaded.weights)
    await editWeights(path, (bytes) => setFloat(bytes, biasOffset + 4, Number.NaN), "keep checksums")
    const error = await checkpointErrorOf(loadCheckpoint(path))
    expect(error.problem).toBe("non-finite-value")
    expect(error.message).toContain("encoder/layer0/bias: element [1] of [3] is NaN")
  })

  it("checks metadata.json against its checksum, and its epoch", async () => {
    const metadataPath = join(path, checkpointFiles.metadata)
    const original = JSON.parse(await readFile(metadataPath, "utf8"))
    await writeFile(metadataPath, JSON.stringify({ ...original, epoch: 99 }))
    const edited = await checkpointErrorOf(loadCheckpoint(path))
    expect(edited.problem).toBe("checksum-mismatch")
    expect(edited.path).toBe(metadataPath)
    // Rewritten with its checksum, an epoch that is no count of epochs is still refused.
    const hostile = JSON.stringify({ ...original, epoch: -1 })
    await writeFile(metadataPath, hostile)
    const manifest = await readManifest(path)
    await writeFile(
      join(path, checkpointFiles.model),
      JSON.stringify({ ...manifest, metadataCrc32: crc32(new TextEncoder().encode(hostile)) })
    )
    expect((await checkpointErrorOf(loadCheckpoint(path))).message).toContain(
      "epoch: expected an integer >= 0"
    )
  })

  it("verifyCheckpoint runs the same checks without making a tensor", async () => {
    const tensors = tf.memory().numTensors
    const verified = await verifyCheckpoint(path, { config, parameters })
    expect(verified).toEqual({ config, metadata })
    expect(tf.memory().numTensors).toBe(tensors)
    await editWeights(path, (bytes) => setFloat(bytes, biasOffset, 0.5), "keep checksums")
    const error = await checkpointErrorOf(verifyCheckpoint(path))
    expect(error.problem).toBe("checksum-mismatch")
    expect(error.message).toBe((await checkpointErrorOf(loadCheckpoint(path))).message)
  })
})

describe("nonFiniteParameter", () => {
  it("names the first value that is NaN or infinite, with its position, and nothing when all are finite", () => {
    const parameters = makeParameters(modelShapes, 24)
    expect(nonFiniteParameter(parameters)).toBeUndefined()
    ;(parameters.get("predictor/layer0/kernel") as tf.Variable).assign(
      tf.tensor2d([0, 0, 0, 0, 0, Number.NEGATIVE_INFINITY, 0, 0, 0, 0, 0, 0, 0, 0, Number.NaN], [5, 3])
    )
    expect(nonFiniteParameter(parameters)).toBe(
      "predictor/layer0/kernel: element [1, 2] of [5, 3] is -Infinity"
    )
    disposeParameters(parameters)
  })
})

describe("checkpointDirectoryState", () => {
  it("tells an absent, empty, checkpoint, partial checkpoint, set-aside checkpoint and other directory apart", async () => {
    const state = (name: string) => checkpointDirectoryState(join(directory, name))
    expect(await state("nowhere")).toBe("absent")
    await mkdir(join(directory, "empty"))
    expect(await state("empty")).toBe("empty")
    const parameters = await saveGood(join(directory, "whole"))
    expect(await state("whole")).toBe("checkpoint")
    await saveCheckpoint(join(directory, "partial"), { parameters, config })
    await rm(join(directory, "partial", checkpointFiles.model))
    expect(await state("partial")).toBe("checkpoint")
    await saveCheckpoint(join(directory, "aside"), { parameters, config })
    await rename(join(directory, "aside"), join(directory, ".aside.previous"))
    expect(await state("aside")).toBe("checkpoint")
    await mkdir(join(directory, "notes"))
    await writeFile(join(directory, "notes", "notes.txt"), "mine")
    expect(await state("notes")).toBe("other")
    await writeFile(join(directory, "file"), "")
    expect(await state("file")).toBe("other")
    disposeParameters(parameters)
  })
})

describe("saveCheckpoint atomicity", () => {
  it("refuses a NaN or infinite weight, keeping the previous checkpoint and writing nothing", async () => {
    const path = join(directory, "checkpoint")
    const good = await saveGood(path)
    const bad = makeParameters(modelShapes, 23)
    ;(bad.get("predictor/scale") as tf.Variable).assign(tf.scalar(Number.NaN))
    const error = await checkpointErrorOf(saveCheckpoint(path, { parameters: bad, config }))
    expect(error.problem).toBe("non-finite-value")
    expect(error.message).toContain("predictor/scale: element [] of [] is NaN")
    expect(await readdir(directory)).toEqual(["checkpoint"])
    const loaded = await loadCheckpoint(path, { config, parameters: good })
    expect(bitsOfWeights(loaded.weights)).toEqual(bitsOfParameters(good))
    disposeWeights(loaded.weights)
    disposeParameters(good)
    disposeParameters(bad)
  })

  it("keeps the previous checkpoint, and no temporary directory, when reading a parameter fails midway", async () => {
    const path = join(directory, "checkpoint")
    const good = await saveGood(path)
    const failing = makeParameters(modelShapes, 8)
    const broken = failing.get("predictor/layer0/kernel") as tf.Variable
    // A device lost between the first parameters and this one: reading its values rejects.
    Object.defineProperty(broken, "data", { value: () => Promise.reject(new Error("device lost")) })
    const error = await checkpointErrorOf(
      saveCheckpoint(path, { parameters: failing, config: { latentSize: 64 } })
    )
    expect(error.problem).toBe("bad-parameter")
    expect(error.message).toContain("predictor/layer0/kernel: its values cannot be read (device lost)")
    expect(await readdir(directory)).toEqual(["checkpoint"])
    const loaded = await loadCheckpoint(path, { config, parameters: good })
    expect(bitsOfWeights(loaded.weights)).toEqual(bitsOfParameters(good))
    disposeWeights(loaded.weights)
    disposeParameters(good)
    disposeParameters(failing)
  })

  it("refuses disposed or non-float32 parameters and a config that is not JSON, writing nothing", async () => {
    const path = join(directory, "checkpoint")
    const disposed = makeParameters(modelShapes, 9)
    ;(disposed.get("encoder/layer0/bias") as tf.Variable).dispose()
    expect((await checkpointErrorOf(saveCheckpoint(path, { parameters: disposed, config }))).problem).toBe(
      "bad-parameter"
    )
    const integers = new Map([["steps", tf.variable(tf.tensor1d([1, 2], "int32"))]])
    const dtype = await checkpointErrorOf(saveCheckpoint(path, { parameters: integers, config }))
    expect(dtype.message).toContain("steps: dtype int32, expected float32")
    const parameters = makeParameters(modelShapes, 10)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect((await checkpointErrorOf(saveCheckpoint(path, { parameters, config: cyclic }))).problem).toBe(
      "bad-json"
    )
    expect(await readdir(directory)).toEqual([])
    for (const set of [disposed, integers, parameters]) disposeParameters(set)
  })

  it("will not replace a directory that is not a checkpoint", async () => {
    const path = join(directory, "results")
    await mkdir(path)
    await writeFile(join(path, "report.md"), "# finished work")
    const parameters = makeParameters(modelShapes, 11)
    const error = await checkpointErrorOf(saveCheckpoint(path, { parameters, config }))
    expect(error.problem).toBe("not-a-checkpoint")
    expect(await readdir(path)).toEqual(["report.md"])
    expect(await readdir(directory)).toEqual(["results"])
    disposeParameters(parameters)
  })

  it("survives a crash between the two renames of a swap", async () => {
    const path = join(directory, "checkpoint")
    const good = await saveGood(path)
    // What a crash right after moving the old checkpoint aside leaves behind.
    await rename(path, join(directory, ".checkpoint.previous"))
    const loaded = await loadCheckpoint(path, { config, parameters: good })
    expect(bitsOfWeights(loaded.weights)).toEqual(bitsOfParameters(good))
    disposeWeights(loaded.weights)
    const next = makeParameters(modelShapes, 12)
    await saveCheckpoint(path, { parameters: next, config })
    expect(await readdir(directory)).toEqual(["checkpoint"])
    const reloaded = await loadCheckpoint(path)
    expect(bitsOfWeights(reloaded.weights)).toEqual(bitsOfParameters(next))
    disposeWeights(reloaded.weights)
    disposeParameters(good)
    disposeParameters(next)
  })

  it("reports a file system failure as a FileError and leaves nothing behind", async () => {
    // A file where the checkpoint's parent directory should be: nothing can be created under it.
    await writeFile(join(directory, "blocked"), "")
    const parameters = makeParameters(modelShapes, 13)
    const error = await rejectionOf(
      saveCheckpoint(join(directory, "blocked", "checkpoint"), { parameters, config })
    )
    expect(error).toBeInstanceOf(FileError)
    expect(await readdir(directory)).toEqual(["blocked"])
    disposeParameters(parameters)
  })
})
