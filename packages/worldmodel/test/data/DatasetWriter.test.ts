import { readdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { FileError, InvalidValueError } from "@telos/core"
import { createDatasetWriter, type DatasetChunk, openDataset, writeDataset } from "@telos/worldmodel/node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  bitsOf,
  makeDatasetCase,
  makeTempDir,
  rejectionOf,
  removeTempDir,
  sameBytes
} from "../datasetSupport.js"

let directory = ""
beforeEach(async () => {
  directory = await makeTempDir()
})
afterEach(async () => {
  await removeTempDir(directory)
})

const dataset = makeDatasetCase({
  episodeLengths: [4, 6, 2, 5],
  observationSize: 2,
  actionSize: 2,
  imageShape: [1, 6, 6],
  cuts: [1, 2, 3],
  seed: 5
})

const withValue = (values: Float32Array, index: number, value: number): Float32Array => {
  const copy = values.slice()
  copy[index] = value
  return copy
}

describe("writeDataset", () => {
  it("leaves exactly the dataset file behind, no temporary or part files", async () => {
    const path = join(directory, "out", "dataset.bin")
    const summary = await writeDataset(path, dataset.description, dataset.chunks)
    expect(await readdir(join(directory, "out"))).toEqual(["dataset.bin"])
    expect(summary).toEqual({
      path,
      bytes: (await readFile(path)).length,
      episodes: 4,
      transitions: 17
    })
  })

  it("takes its chunks from an async source as well", async () => {
    const path = join(directory, "dataset.bin")
    async function* slowly(): AsyncGenerator<DatasetChunk> {
      for (const chunk of dataset.chunks) {
        await new Promise((resolve) => setTimeout(resolve, 1))
        yield chunk
      }
    }
    await writeDataset(path, dataset.description, slowly())
    const loaded = await openDataset(path)
    expect(bitsOf(loaded.observations)).toEqual(bitsOf(dataset.observations))
    expect(loaded.images).toEqual(dataset.images)
  })

  it("writes the same bytes for the same data, however it is chunked", async () => {
    const whole = makeDatasetCase({
      ...dataset,
      episodeLengths: [4, 6, 2, 5],
      observationSize: 2,
      actionSize: 2,
      seed: 5,
      cuts: []
    })
    const chunked = makeDatasetCase({
      episodeLengths: [4, 6, 2, 5],
      observationSize: 2,
      actionSize: 2,
      seed: 5,
      cuts: [1, 3]
    })
    await writeDataset(join(directory, "a.bin"), whole.description, whole.chunks)
    await writeDataset(join(directory, "b.bin"), chunked.description, chunked.chunks)
    expect(await readFile(join(directory, "a.bin"))).toEqual(await readFile(join(directory, "b.bin")))
  })

  it("keeps the previous file and removes its temporaries when the source fails midway", async () => {
    const path = join(directory, "dataset.bin")
    await writeFile(path, "previous")
    function* failing(): Generator<DatasetChunk> {
      yield dataset.chunks[0] as DatasetChunk
      yield dataset.chunks[1] as DatasetChunk
      throw new InvalidValueError({ field: "collector", expected: "no failure", received: "a failure" })
    }
    const error = await rejectionOf(writeDataset(path, dataset.description, failing()))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(await readdir(directory)).toEqual(["dataset.bin"])
    expect(await readFile(path, "utf8")).toBe("previous")
  })

  it.each([
    {
      case: "a chunk with too few observations",
      chunk: { ...dataset.chunks[0]!, observations: new Float32Array(3) },
      field: "chunk.observations"
    },
    {
      case: "a chunk with an empty episode",
      chunk: { ...dataset.chunks[0]!, episodeLengths: [0] },
      field: "chunk.episodeLengths[0]"
    },
    {
      case: "a chunk missing its images",
      chunk: { ...dataset.chunks[0]!, images: undefined },
      field: "chunk.images"
    },
    {
      case: "a chunk missing a flag",
      chunk: { ...dataset.chunks[0]!, terminated: [] },
      field: "chunk.terminated"
    },
    {
      case: "a NaN observation, which no reader would accept",
      chunk: {
        ...dataset.chunks[0]!,
        observations: withValue(dataset.chunks[0]!.observations, 3, Number.NaN)
      },
      field: "chunk.observations[3]"
    },
    {
      case: "an action of 3e38",
      chunk: { ...dataset.chunks[0]!, actions: withValue(dataset.chunks[0]!.actions, 1, 3e38) },
      field: "chunk.actions[1]"
    }
  ])("refuses $case with an InvalidValueError naming $field, and cleans up", async ({ chunk, field }) => {
    const error = await rejectionOf(
      writeDataset(join(directory, "dataset.bin"), dataset.description, [chunk])
    )
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field })
    expect(await readdir(directory)).toEqual([])
  })

  it("refuses images in a dataset described without them", async () => {
    const description = { ...dataset.description, imageShape: undefined }
    const error = await rejectionOf(writeDataset(join(directory, "d.bin"), description, [dataset.chunks[0]!]))
    expect(error).toMatchObject({ _tag: "InvalidValueError", field: "chunk.images" })
  })

  it("reports a destination it cannot create as a FileError naming it", async () => {
    await writeFile(join(directory, "a-file"), "")
    const path = join(directory, "a-file", "dataset.bin")
    const error = await rejectionOf(writeDataset(path, dataset.description, dataset.chunks))
    expect(error).toBeInstanceOf(FileError)
    expect((error as FileError).path).toBe(path)
  })

  it("refuses a bad compression level", async () => {
    const error = await rejectionOf(
      writeDataset(join(directory, "d.bin"), dataset.description, [], { compressionLevel: 12 })
    )
    expect(error).toMatchObject({ _tag: "InvalidValueError", field: "compressionLevel" })
  })
})

describe("createDatasetWriter", () => {
  it("removes every temporary file on abort and leaves no destination", async () => {
    const path = join(directory, "dataset.bin")
    const writer = await createDatasetWriter(path, dataset.description)
    await writer.append(dataset.chunks[0]!)
    expect((await readdir(directory)).length).toBeGreaterThan(0)
    await writer.abort()
    expect(await readdir(directory)).toEqual([])
  })

  it("refuses to append after finishing", async () => {
    const writer = await createDatasetWriter(join(directory, "dataset.bin"), dataset.description)
    await writer.append(dataset.chunks[0]!)
    await writer.finish()
    expect(await rejectionOf(writer.append(dataset.chunks[1]!))).toMatchObject({ field: "append" })
  })

  it("streams many chunks with one in flight, one deflate chunk per appended chunk", async () => {
    const big = makeDatasetCase({
      episodeLengths: Array.from({ length: 40 }, () => 50),
      observationSize: 4,
      actionSize: 2,
      imageShape: [2, 32, 32],
      cuts: Array.from({ length: 40 }, (_, i) => i + 1)
    })
    const path = join(directory, "dataset.bin")
    const summary = await writeDataset(path, big.description, big.chunks, {
      pendingChunks: 1,
      compressionLevel: 1
    })
    expect(summary.transitions).toBe(2000)
    const loaded = await openDataset(path)
    expect(sameBytes(loaded.images, big.images)).toBe(true)
    expect(loaded.fields.find((field) => field.name === "images")?.chunks).toHaveLength(40)
  })
})
