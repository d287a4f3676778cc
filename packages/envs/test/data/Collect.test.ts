import { InvalidValueError, Random } from "@telos/core"
import {
  type CollectOptions,
  type CollectProgress,
  collectEpisodes,
  type EpisodeChunk,
  pendulum,
  pointMass,
  randomWalkPolicy,
  twoRooms,
  uniformPolicy
} from "@telos/envs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type DotState, dotWorld } from "../dotWorld.js"
import { thrownBy } from "../support.js"

const world = dotWorld()

const dotOptions = (overrides: Partial<CollectOptions<DotState>> = {}): CollectOptions<DotState> => ({
  spec: world,
  policy: randomWalkPolicy(world.definition.actionSpace),
  transitions: 500,
  episodeLength: 25,
  pixels: true,
  seed: 3,
  ...overrides
})

const chunksOf = <State>(options: CollectOptions<State>): Array<EpisodeChunk> => [...collectEpisodes(options)]

const episodeLengths = (chunks: ReadonlyArray<EpisodeChunk>): Array<number> =>
  chunks.flatMap((chunk) => [...chunk.episodeLengths])

/**
 * Replays collection the slow way, through the documented seeding (episode i: a dynamics stream,
 * then a policy stream, split in turn from the seed), and checks every recorded row against it.
 */
const expectMatchesReplay = (
  options: CollectOptions<DotState>,
  chunks: ReadonlyArray<EpisodeChunk>
): void => {
  const definition = options.spec.definition
  const streams = Random.fromSeed(options.seed)
  const imageSize = 128
  for (const chunk of chunks) {
    let step = 0
    let transition = 0
    for (const [episode, length] of chunk.episodeLengths.entries()) {
      const dynamics = streams.split()
      const actor = options.policy.startEpisode(streams.split())
      let state = definition.initialState(dynamics, undefined)
      const checkStep = () => {
        const observation = Float32Array.from(definition.observe(state))
        expect(chunk.observations.subarray(step * 3, step * 3 + 3)).toEqual(observation)
        if (options.pixels === true) {
          expect(chunk.images!.subarray(step * imageSize, (step + 1) * imageSize)).toEqual(
            definition.image!.render(state)
          )
        }
        step += 1
      }
      checkStep()
      let terminated = false
      for (let t = 0; t < length; t++) {
        const action = actor.act(definition.observe(state), new Float64Array(2))
        expect(chunk.actions.subarray(transition * 2, transition * 2 + 2)).toEqual(Float32Array.from(action))
        transition += 1
        const next = definition.transition(state, action, dynamics)
        state = next.state
        terminated = next.terminated
        checkStep()
        // An episode ends exactly at termination, never later.
        if (t < length - 1) expect(terminated).toBe(false)
      }
      expect(chunk.terminated[episode]).toBe(terminated)
    }
    expect(step).toBe(chunk.steps)
    expect(transition).toBe(chunk.transitions)
  }
}

describe("collectEpisodes", () => {
  it("gathers exactly the transitions asked for, in whole episodes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(),
        (transitions, episodeLength, chunkSteps, seed) => {
          const chunks = chunksOf(dotOptions({ transitions, episodeLength, chunkSteps, seed, pixels: false }))
          const lengths = episodeLengths(chunks)
          expect(lengths.reduce((total, length) => total + length, 0)).toBe(transitions)
          for (const chunk of chunks) {
            const sum = chunk.episodeLengths.reduce((total, length) => total + length, 0)
            expect(chunk.transitions).toBe(sum)
            expect(chunk.steps).toBe(sum + chunk.episodeLengths.length)
            expect(chunk.observations).toHaveLength(chunk.steps * 3)
            expect(chunk.actions).toHaveLength(chunk.transitions * 2)
            expect(chunk.terminated).toHaveLength(chunk.episodeLengths.length)
            expect(chunk.images).toBeUndefined()
            // A chunk never holds more rows than asked for, unless one episode needs more.
            expect(chunk.steps).toBeLessThanOrEqual(
              Math.max(chunkSteps, Math.min(episodeLength, transitions) + 1)
            )
          }
          const flags = chunks.flatMap((chunk) => [...chunk.terminated])
          lengths.forEach((length, index) => {
            expect(length).toBeGreaterThanOrEqual(1)
            expect(length).toBeLessThanOrEqual(episodeLength)
            // Only a terminated episode or the last one (cut to the total) may end early.
            if (!flags[index] && index < lengths.length - 1) expect(length).toBe(episodeLength)
          })
        }
      ),
      { numRuns: 60 }
    )
  })

  it("records each episode's steps 0..L, with observations restarting at every boundary", () => {
    const chunks = chunksOf(dotOptions({ chunkSteps: 60 }))
    expect(chunks.length).toBeGreaterThan(3)
    for (const chunk of chunks) {
      let row = 0
      for (const length of chunk.episodeLengths) {
        // The dot world observes its step counter as the third number.
        for (let t = 0; t <= length; t++) expect(chunk.observations[(row + t) * 3 + 2]).toBe(t)
        row += length + 1
      }
    }
    const flags = chunks.flatMap((chunk) => [...chunk.terminated])
    expect(flags.some((flag) => flag)).toBe(true)
    expect(flags.some((flag) => !flag)).toBe(true)
  })

  it("records what the definition observes, the policy does and the renderer draws, state by state", () => {
    const options = dotOptions({ chunkSteps: 70 })
    expectMatchesReplay(options, chunksOf(options))
    const uniform = dotOptions({
      policy: uniformPolicy(world.definition.actionSpace),
      seed: 9,
      transitions: 120
    })
    expectMatchesReplay(uniform, chunksOf(uniform))
  })

  it("is deterministic for a seed and differs between seeds", () => {
    const first = chunksOf(dotOptions())
    expect(chunksOf(dotOptions())).toEqual(first)
    expect(chunksOf(dotOptions({ seed: 4 }))[0]?.observations).not.toEqual(first[0]?.observations)
  })

  it("draws each image into the chunk's one buffer, and hands out fresh buffers per chunk", () => {
    let renders = 0
    const counted = {
      ...world,
      definition: {
        ...world.definition,
        image: {
          ...world.definition.image!,
          render: (state: DotState, target?: Uint8Array) => {
            renders += 1
            expect(target).toBeDefined()
            return world.definition.image!.render(state, target)
          }
        }
      }
    }
    const chunks = chunksOf({ ...dotOptions({ chunkSteps: 50 }), spec: counted })
    expect(renders).toBe(chunks.reduce((total, chunk) => total + chunk.steps, 0))
    const buffers = new Set(chunks.map((chunk) => chunk.images!.buffer))
    expect(buffers.size).toBe(chunks.length)
    for (const chunk of chunks) {
      expect(chunk.images).toHaveLength(chunk.steps * 128)
      expect(chunk.images!.buffer.byteLength).toBeLessThanOrEqual(50 * 128)
    }
  })

  it("copies in the image of a renderer that ignores its target", () => {
    const copying = {
      ...world,
      definition: {
        ...world.definition,
        image: {
          ...world.definition.image!,
          render: (state: DotState) => world.definition.image!.render(state)
        }
      }
    }
    const options = { ...dotOptions({ transitions: 80 }), spec: copying }
    expect(chunksOf(options)).toEqual(chunksOf(dotOptions({ transitions: 80 })))
  })

  it("collects state-only worlds (point-mass with a random walk, pendulum with uniform actions)", () => {
    const walk = chunksOf({
      spec: pointMass,
      policy: randomWalkPolicy(pointMass.definition.actionSpace),
      transitions: 300,
      episodeLength: 50,
      seed: 0
    })
    expect(episodeLengths(walk).reduce((total, length) => total + length, 0)).toBe(300)
    expect(walk[0]?.observationSize).toBe(4)
    const swing = chunksOf({
      spec: pendulum,
      policy: uniformPolicy(pendulum.definition.actionSpace),
      transitions: 450,
      episodeLength: 200,
      seed: 0
    })
    expect(episodeLengths(swing)).toEqual([200, 200, 50])
    expect(swing[0]?.actionSize).toBe(1)
  })

  it("collects two-rooms from its images with a random walk inside its action box", () => {
    const image = twoRooms.definition.image!
    const chunks = chunksOf({
      spec: twoRooms,
      policy: randomWalkPolicy(twoRooms.definition.actionSpace),
      transitions: 300,
      episodeLength: 100,
      pixels: true,
      seed: 0
    })
    const pixels = image.channels * image.height * image.width
    expect(pixels).toBe(2 * 64 * 64)
    for (const chunk of chunks) {
      expect(chunk.images).toHaveLength(chunk.steps * pixels)
      for (const value of chunk.actions) expect(Math.abs(value)).toBeLessThanOrEqual(Math.fround(2.45))
      // The wall channel is drawn in every frame.
      expect(chunk.images!.subarray(pixels / 2, pixels).some((value) => value === 255)).toBe(true)
    }
  })

  it("reports progress after every episode, ending at the total", () => {
    const reports: Array<CollectProgress> = []
    const chunks = chunksOf(dotOptions({ onProgress: (progress) => reports.push(progress) }))
    expect(reports).toHaveLength(episodeLengths(chunks).length)
    expect(reports.at(-1)).toEqual({ transitions: 500, episodes: reports.length, total: 500 })
    for (let i = 1; i < reports.length; i++) {
      expect(reports[i]!.transitions).toBeGreaterThan(reports[i - 1]!.transitions)
    }
  })

  it.each([
    {
      case: "pixels from a world without images",
      options: { spec: pointMass, pixels: true },
      field: "pixels"
    },
    { case: "zero transitions", options: { transitions: 0 }, field: "transitions" },
    { case: "a fractional episode length", options: { episodeLength: 2.5 }, field: "episodeLength" },
    { case: "a NaN seed", options: { seed: Number.NaN }, field: "seed" },
    { case: "a zero chunk size", options: { chunkSteps: 0 }, field: "chunkSteps" }
  ])("rejects $case at once, with an InvalidValueError naming $field", ({ options, field }) => {
    const error = thrownBy(() => collectEpisodes({ ...dotOptions(), ...options } as CollectOptions<DotState>))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field })
  })

  it("names the definition when it observes the wrong number of values", () => {
    const wrong = { ...world, definition: { ...world.definition, observe: () => Float64Array.of(1) } }
    const error = thrownBy(() => chunksOf({ ...dotOptions(), spec: wrong }))
    expect(error).toBeInstanceOf(InvalidValueError)
    expect(error).toMatchObject({ field: "dot-world.observe" })
  })
})
