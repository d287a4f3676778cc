/**
 * A checkpoint read over HTTP (`fetchCheckpoint`, what the browser app uses) goes through the
 * same checks as one read from disk: same weights bit for bit, the same typed errors for the same
 * damage, and a failed request names its URL.
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { CheckpointError, FileError } from "@telos/core"
import { disposeWeights, type Fetcher, fetchCheckpoint } from "@telos/worldmodel"
import { loadCheckpoint, saveCheckpoint } from "@telos/worldmodel/node"
import * as tf from "@tensorflow/tfjs"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeTempDir, rejectionOf, removeTempDir } from "../datasetSupport.js"

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  await removeTempDir(directory)
})

const base = "https://models.example/two-rooms/world-model"

/** Serves the files of `folder` at `base`, after `damage` had its way with them. */
const serving =
  (
    folder: string,
    damage: (name: string, bytes: Uint8Array) => Uint8Array | number = (_, bytes) => bytes
  ): Fetcher =>
  async (url) => {
    const name = url.slice(base.length + 1)
    if (!url.startsWith(`${base}/`) || name.includes("/")) return new Response("not found", { status: 404 })
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(join(folder, name)))
    } catch {
      return new Response("not found", { status: 404 })
    }
    const served = damage(name, bytes)
    return typeof served === "number"
      ? new Response("failed", { status: served, statusText: "Server Error" })
      : new Response(served)
  }

const saveSmall = async (): Promise<string> => {
  const folder = join(directory, "checkpoint")
  const parameters = new Map<string, tf.Variable>([
    [
      "encoder/kernel",
      tf.variable(
        tf.tensor2d([
          [1.5, -2],
          [0.25, 3e-39]
        ])
      )
    ],
    ["encoder/bias", tf.variable(tf.tensor1d([0, -0]))]
  ])
  await saveCheckpoint(folder, { parameters, config: { latentSize: 2 }, metadata: { epoch: 3 } })
  for (const variable of parameters.values()) variable.dispose()
  return folder
}

const bitsOf = (tensor: tf.Tensor): Array<number> => Array.from(new Uint32Array(tensor.dataSync().buffer))

describe("fetchCheckpoint", () => {
  it("reads what loadCheckpoint reads, bit for bit", async () => {
    const folder = await saveSmall()
    const before = tf.memory().numTensors
    const fetched = await fetchCheckpoint(base, {}, serving(folder))
    const loaded = await loadCheckpoint(folder)
    expect(fetched.config).toEqual({ latentSize: 2 })
    expect(fetched.metadata.epoch).toBe(3)
    expect([...fetched.weights.keys()]).toEqual([...loaded.weights.keys()])
    for (const [name, tensor] of fetched.weights) {
      expect(bitsOf(tensor)).toEqual(bitsOf(loaded.weights.get(name) as tf.Tensor))
    }
    disposeWeights(fetched.weights)
    disposeWeights(loaded.weights)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("refuses a flipped bit in the weights by the tensor's name", async () => {
    const folder = await saveSmall()
    const flip = (name: string, bytes: Uint8Array) => {
      if (name === "weights.bin") bytes[1] = (bytes[1] as number) ^ 0x10
      return bytes
    }
    const error = await rejectionOf(fetchCheckpoint(base, {}, serving(folder, flip)))
    expect(error).toBeInstanceOf(CheckpointError)
    expect((error as CheckpointError).problem).toBe("checksum-mismatch")
    expect(String((error as CheckpointError).message)).toContain("encoder/kernel")
  })

  it("refuses damaged metadata and parameters of the wrong shape before making a tensor", async () => {
    const folder = await saveSmall()
    const before = tf.memory().numTensors
    const edit = (name: string, bytes: Uint8Array) =>
      name === "metadata.json"
        ? new TextEncoder().encode(new TextDecoder().decode(bytes).replace("2", "3"))
        : bytes
    const damaged = await rejectionOf(fetchCheckpoint(base, {}, serving(folder, edit)))
    expect((damaged as CheckpointError).problem).toBe("checksum-mismatch")
    const expected = new Map([["encoder/kernel", tf.tidy(() => tf.variable(tf.zeros([3, 2])))]])
    const mismatch = await rejectionOf(fetchCheckpoint(base, { parameters: expected }, serving(folder)))
    expect(mismatch).toBeInstanceOf(CheckpointError)
    expect(String((mismatch as Error).message)).toContain("encoder/kernel")
    for (const variable of expected.values()) variable.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it("names the URL of a missing file and of a failed request", async () => {
    const folder = await saveSmall()
    const missing = await rejectionOf(
      fetchCheckpoint(
        base,
        {},
        serving(folder, (name, bytes) => (name === "metadata.json" ? 404 : bytes))
      )
    )
    expect((missing as CheckpointError).problem).toBe("missing-file")
    expect((missing as CheckpointError).path).toBe(`${base}/metadata.json`)
    const failed = await rejectionOf(
      fetchCheckpoint(
        `${base}/`,
        {},
        serving(folder, (name, bytes) => (name === "weights.bin" ? 500 : bytes))
      )
    )
    expect(failed).toBeInstanceOf(FileError)
    expect(String((failed as Error).message)).toContain(`${base}/weights.bin`)
    const offline = await rejectionOf(
      fetchCheckpoint(base, {}, () => Promise.reject(new TypeError("offline")))
    )
    expect(offline).toBeInstanceOf(FileError)
  })
})
