import { DatasetError, InvalidValueError, Random } from "@telos/core"
import { Dataset, type DatasetHeader } from "@telos/worldmodel"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

/**
 * A dataset in memory whose every row says where it is: observation `[episode, t]`, action
 * `[episode, t + 0.5]`, image pixels `episode * 16 + t` (mod 256), so a sample shows at a glance
 * which episode and steps it was cut from.
 */
const labelled = (lengths: ReadonlyArray<number>, withImages = true): Dataset => {
  const transitions = lengths.reduce((total, length) => total + length, 0)
  const steps = transitions + lengths.length
  const observations: Array<number> = []
  const actions: Array<number> = []
  const images: Array<number> = []
  lengths.forEach((length, episode) => {
    for (let t = 0; t <= length; t++) {
      observations.push(episode, t)
      images.push(...Array.from({ length: 3 }, () => (episode * 16 + t) % 256))
      if (t < length) actions.push(episode, t + 0.5)
    }
  })
  const header: DatasetHeader = {
    format: "telos-dataset",
    version: 1,
    byteOrder: "little-endian",
    envId: "labelled",
    seed: 0,
    collector: {},
    counts: { episodes: lengths.length, transitions, steps },
    episodes: { lengths, terminated: lengths.map(() => false) },
    fields: [
      {
        name: "observations",
        dtype: "float32",
        shape: [2],
        rowsPer: "step",
        rows: steps,
        encoding: "raw",
        offset: 0,
        length: steps * 8,
        crc32: 0
      },
      {
        name: "actions",
        dtype: "float32",
        shape: [2],
        rowsPer: "transition",
        rows: transitions,
        encoding: "raw",
        offset: steps * 8,
        length: transitions * 8,
        crc32: 0
      },
      ...(withImages
        ? [
            {
              name: "images",
              dtype: "uint8" as const,
              shape: [1, 1, 3],
              rowsPer: "step" as const,
              rows: steps,
              encoding: "raw" as const,
              offset: steps * 8 + transitions * 8,
              length: steps * 3,
              crc32: 0
            }
          ]
        : [])
    ]
  }
  return new Dataset({
    path: "labelled.bin",
    header,
    observations: Float32Array.from(observations),
    actions: Float32Array.from(actions),
    images: withImages ? Uint8Array.from(images) : undefined
  })
}

describe("Dataset", () => {
  it("knows where each episode's rows start", () => {
    const dataset = labelled([3, 1, 4])
    expect([...dataset.stepStarts]).toEqual([0, 4, 6])
    expect([...dataset.transitionStarts]).toEqual([0, 3, 4])
    expect(dataset.counts).toEqual({ episodes: 3, transitions: 8, steps: 11 })
    expect(dataset.imageShape).toEqual([1, 1, 3])
    expect(dataset.envId).toBe("labelled")
  })

  it("counts the windows of each length that fit inside episodes", () => {
    const dataset = labelled([3, 1, 4])
    expect(dataset.windowCount(0)).toBe(11)
    expect(dataset.windowCount(1)).toBe(8)
    expect(dataset.windowCount(2)).toBe(2 + 0 + 3)
    expect(dataset.windowCount(4)).toBe(1)
    expect(dataset.windowCount(5)).toBe(0)
  })
})

describe("sampleSubsequences", () => {
  it("never crosses an episode boundary: every sample is T + 1 consecutive steps of one episode", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 20 }),
        fc.nat(),
        (lengths, length, batchSize, seed) => {
          fc.pre(lengths.some((episode) => episode >= length))
          const dataset = labelled(lengths)
          const batch = dataset.sampleSubsequences(batchSize, length, Random.fromSeed(seed))
          expect(batch.observations).toHaveLength(batchSize * (length + 1) * 2)
          expect(batch.actions).toHaveLength(batchSize * length * 2)
          expect(batch.images).toHaveLength(batchSize * (length + 1) * 3)
          for (let b = 0; b < batchSize; b++) {
            const episode = batch.episodes[b] as number
            const start = batch.starts[b] as number
            expect(start + length).toBeLessThanOrEqual(lengths[episode] as number)
            for (let t = 0; t <= length; t++) {
              const row = (b * (length + 1) + t) * 2
              expect([batch.observations[row], batch.observations[row + 1]]).toEqual([episode, start + t])
              expect(batch.images![(b * (length + 1) + t) * 3]).toBe((episode * 16 + start + t) % 256)
              if (t < length) {
                const actionRow = (b * length + t) * 2
                expect([batch.actions[actionRow], batch.actions[actionRow + 1]]).toEqual([
                  episode,
                  start + t + 0.5
                ])
              }
            }
          }
        }
      ),
      { numRuns: 150 }
    )
  })

  it("draws every window about equally often, however long its episode", () => {
    const dataset = labelled([3, 10, 1, 5])
    const length = 2
    const counts = new Map<string, number>()
    const draws = 30_000
    const batch = dataset.sampleSubsequences(draws, length, Random.fromSeed(42))
    for (let b = 0; b < draws; b++) {
      const key = `${batch.episodes[b]}:${batch.starts[b]}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    // Windows: 2 + 9 + 0 + 4 = 15, each expected 2000 times (standard deviation about 43).
    expect(counts.size).toBe(15)
    for (const count of counts.values()) expect(Math.abs(count - draws / 15)).toBeLessThan(200)
  })

  it("is deterministic for a seed", () => {
    const dataset = labelled([6, 7, 8])
    const first = dataset.sampleSubsequences(16, 3, Random.fromSeed(9))
    expect(dataset.sampleSubsequences(16, 3, Random.fromSeed(9))).toEqual(first)
    expect(dataset.sampleSubsequences(16, 3, Random.fromSeed(10)).starts).not.toEqual(first.starts)
  })

  it("leaves images out for a dataset without them", () => {
    expect(labelled([4], false).sampleSubsequences(2, 2, Random.fromSeed(0)).images).toBeUndefined()
  })

  it("says, naming the file, when no episode is long enough", () => {
    const dataset = labelled([3, 4, 2])
    let error: unknown
    try {
      dataset.sampleSubsequences(4, 5, Random.fromSeed(0))
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(DatasetError)
    expect(error).toMatchObject({ problem: "episodes-too-short", path: "labelled.bin" })
    expect((error as DatasetError).message).toContain("the longest has 4")
  })

  it.each([
    { batchSize: 0, length: 1, field: "batchSize" },
    { batchSize: 1.5, length: 1, field: "batchSize" },
    { batchSize: 1, length: -1, field: "length" },
    { batchSize: 1, length: Number.NaN, field: "length" }
  ])("refuses batch size $batchSize and length $length, naming $field", ({ batchSize, length, field }) => {
    expect(() => labelled([3]).sampleSubsequences(batchSize, length, Random.fromSeed(0))).toThrow(
      InvalidValueError
    )
    try {
      labelled([3]).sampleSubsequences(batchSize, length, Random.fromSeed(0))
    } catch (error) {
      expect(error).toMatchObject({ field })
    }
  })
})
