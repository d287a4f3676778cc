/**
 * Guards the navigation worlds that `two-rooms` becoming PLDM's `DotWall` must leave alone:
 * `two-rooms-thick-walls` (the former `two-rooms`), `two-rooms-wind` and the mazes move exactly as
 * they did, and so does the thick-walled ground-truth model. Each trajectory is summarised by a
 * hash of every number it produced (observations, goals, positions, winds, rewards, flags),
 * recorded from the code as it was before the change.
 */
import { Random } from "@telos/core"
import { envRegistry, twoRoomsThickWallsModel } from "@telos/envs"
import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { useCpuBackend } from "../support.js"

beforeAll(useCpuBackend)

// cyrb53 over the bytes of the values as float64: any change in any bit changes the hash.
const hashValues = (values: ReadonlyArray<number>): string => {
  const bytes = new Uint8Array(Float64Array.from(values).buffer)
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (const byte of bytes) {
    h1 = Math.imul(h1 ^ byte, 2654435761)
    h2 = Math.imul(h2 ^ byte, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16)
}

// Episodes from `seed`, reset when they end; every other block of 25 steps holds one action, so
// that walls are pushed against as well as brushed.
const trajectoryHash = (id: string, seed: number, steps: number): string => {
  const env = envRegistry.make(id)
  const rng = Random.fromSeed(seed + 1000)
  const values: Array<number> = []
  const record = (observation: Float64Array, info: Readonly<Record<string, unknown>>) => {
    values.push(...observation)
    for (const key of ["goal", "position", "wind"]) {
      const value = info[key]
      if (value instanceof Float64Array) values.push(...value)
    }
  }
  let held: Array<number> = []
  const first = env.reset({ seed })
  record(first.observation, first.info)
  for (let step = 0; step < steps; step++) {
    if (step % 25 === 0) held = Array.from(env.actionSpace.sample(rng) as Float64Array)
    const action = step % 50 < 25 ? held : Array.from(env.actionSpace.sample(rng) as Float64Array)
    const result = env.step(action)
    record(result.observation, result.info)
    values.push(result.reward, result.terminated ? 1 : 0, result.truncated ? 1 : 0)
    if (result.terminated || result.truncated) {
      const again = env.reset()
      record(again.observation, again.info)
    }
  }
  return hashValues(values)
}

// Recorded before two-rooms became DotWall, when two-rooms-thick-walls was registered as two-rooms.
const recorded: ReadonlyArray<readonly [id: string, hashes: ReadonlyArray<string>]> = [
  ["two-rooms-thick-walls", ["1e57c715f9bff3", "717064eb9a8f2", "192b14c6292464"]],
  ["two-rooms-thick-walls-pixels", ["6c8d4e9559180", "e64c5a0cf401e", "106d494c121835"]],
  ["two-rooms-wind", ["a870cb23b3485", "ab7900e1f5704", "1f91cd73c095ab"]],
  ["maze-u", ["162b2249c99473", "1e2f238b27b8c", "525f3bf1de978"]],
  ["maze-four-rooms", ["d7331b2c080be", "11aa9aacbb4d3", "1fa14b7c344b9c"]],
  ["maze-medium", ["5d71682edd816", "16c711a9f2321d", "17de4e56cef0c3"]],
  ["maze-large", ["2b0bae90c244f", "168afc473251e7", "96006c5fe85f4"]],
  ["maze-u-pixels", ["1c1998ef727896", "8421ff151b76a", "162004e8273159"]]
]

describe("navigation worlds other than two-rooms", () => {
  it.each(recorded)("%s replays its recorded trajectories bit for bit", (id, hashes) => {
    const steps = id.endsWith("pixels") ? 120 : 400
    expect([0, 1, 2].map((seed) => trajectoryHash(id, seed, steps))).toEqual(hashes)
  })

  it("the thick-walled ground-truth model predicts as it did, with and without drift", () => {
    const rng = Random.fromSeed(77)
    const rows: Array<Array<number>> = []
    const actions: Array<Array<number>> = []
    const drift: Array<Array<number>> = []
    for (let i = 0; i < 256; i++) {
      // Every other row near the door, where the middle wall is crossed or hit.
      rows.push(
        i % 2 === 0
          ? [rng.uniformIn(26, 39), rng.uniformIn(3, 20)]
          : [rng.uniformIn(3, 61), rng.uniformIn(3, 61)]
      )
      actions.push([rng.uniformIn(-2.45, 2.45), rng.uniformIn(-2.45, 2.45)])
      drift.push(
        [
          [0.75, 0],
          [-0.75, 0],
          [0, 0.75],
          [0, -0.75]
        ][i % 4] as Array<number>
      )
    }
    const model = twoRoomsThickWallsModel()
    const still = tf.tidy(() => model.step(tf.tensor2d(rows), tf.tensor2d(actions)).arraySync())
    const windy = tf.tidy(() =>
      model.step(tf.tensor2d(rows), tf.tensor2d(actions), tf.tensor2d(drift)).arraySync()
    )
    expect([hashValues(still.flat()), hashValues(windy.flat())]).toEqual(["1a0c3b4cc7041c", "389fed9fb9c9d"])
  })
})
