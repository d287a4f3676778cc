/**
 * Replays PLDM's own `DotWall` (see /work/shared/conformance/README.md) against `two-rooms`: every
 * reference step from the reference's own position before it, and every reference frame. A step
 * without contact must land on the reference bit for bit (both work in float32) and agree that it
 * touched nothing. A step with contact cannot be replayed exactly, since PLDM's push-back is
 * random: the reference's end and the environment's (over several seeds) must both lie on the
 * start's side of the wall PLDM's contact test names, within the push-back's reach, and the
 * environment's push-backs must follow PLDM's distribution. Frames must match pixel for pixel.
 */
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { type NavigationState, twoRooms, twoRoomsPixels } from "@telos/envs"
import { describe, expect, it } from "vitest"

type Pair = readonly [number, number]

interface ReferenceEpisode {
  readonly start: Pair
  readonly actions: ReadonlyArray<Pair>
  readonly positions: ReadonlyArray<Pair>
  readonly wallHit: ReadonlyArray<boolean>
}

interface ReferenceFrame {
  readonly position: Pair
  readonly dot: ReadonlyArray<number>
  readonly wall: ReadonlyArray<number>
}

interface Reference {
  readonly episodes: ReadonlyArray<ReferenceEpisode>
  readonly frames: ReadonlyArray<ReferenceFrame>
}

const readReference = (path: string): Reference => JSON.parse(readFileSync(path, "utf8")) as Reference

/**
 * The wall a move meets under PLDM's `check_wall_intersect`, read from its description
 * independently of the environment's code: the line (`x = line` for a vertical one, `y = line`
 * otherwise) and where the move's line crosses it. `lowX`, `highX`: the side's box, which the end
 * of a contact is clamped into.
 */
interface Contact {
  readonly vertical: boolean
  readonly line: number
  readonly x: number
  readonly y: number
  readonly lowX: number
  readonly highX: number
}

const contactOf = (x1: number, y1: number, x2: number, y2: number): Contact | undefined => {
  const heightAt = (line: number): number => y1 + ((line - x1) * (y2 - y1)) / (x2 - x1)
  const widthAt = (line: number): number => x1 + ((line - y1) * (x2 - x1)) / (y2 - y1)
  const reaches = (from: number, to: number, line: number): boolean =>
    Math.sign(from - line) * Math.sign(to - line) <= 0
  const inDoor = (y: number): boolean => y >= 6 && y <= 14
  const left = x1 < 32
  const [lowX, highX] = left ? [4, 31] : [33, 59]
  // The door's edges, for a move that leaves the passage's height inside the passage.
  for (const [edge, leaving] of [
    [14, y2 > y1 && y1 < 14 && y2 > 14],
    [6, y2 < y1 && y1 > 6 && y2 < 6]
  ] as const) {
    if (leaving && widthAt(edge) >= 31 && widthAt(edge) <= 33) {
      return { vertical: false, line: edge, x: widthAt(edge), y: edge, lowX: -Infinity, highX: Infinity }
    }
  }
  const faceWithDoor = left ? 31 : 33
  const verticalLine = [lowX, highX].find(
    (line) => reaches(x1, x2, line) && !(line === faceWithDoor && inDoor(heightAt(line)))
  )
  const horizontalLine = [4, 59].find((line) => reaches(y1, y2, line))
  const vertical =
    verticalLine === undefined
      ? undefined
      : { line: verticalLine, x: verticalLine, y: heightAt(verticalLine) }
  const horizontal =
    horizontalLine === undefined
      ? undefined
      : { line: horizontalLine, x: widthAt(horizontalLine), y: horizontalLine }
  const distance = (point: { x: number; y: number }): number => Math.hypot(point.x - x1, point.y - y1)
  if (vertical !== undefined && (horizontal === undefined || distance(vertical) < distance(horizontal))) {
    return { vertical: true, ...vertical, lowX, highX }
  }
  return horizontal === undefined ? undefined : { vertical: false, ...horizontal, lowX, highX }
}

// PLDM's free space: the open square (4, 59)^2 without the middle wall outside the door's rows.
const isFree = (x: number, y: number): boolean =>
  x > 4 && x < 59 && y > 4 && y < 59 && !(x >= 31 && x <= 33 && (y < 6 || y > 14))

// Five standard deviations of PLDM's contact noise (std 0.5).
const reach = 2.5

/**
 * How an end lies relative to a contact: `push`, its distance from the wall line towards the
 * start's side (negative on the far side); `along`, its shift along the wall, or undefined where
 * PLDM's clamp may have set that coordinate (0.3 inside a bound of the side's box).
 */
const residual = (
  contact: Contact,
  before: Pair,
  end: Pair
): { readonly push: number; readonly along: number | undefined } => {
  const [normalEnd, alongEnd, normalBefore, alongContact] = contact.vertical
    ? [end[0], end[1], before[0], contact.y]
    : [end[1], end[0], before[1], contact.x]
  const clampValues = (
    contact.vertical ? [4 + 0.3, 59 - 0.3] : [contact.lowX + 0.3, contact.highX - 0.3]
  ).map(Math.fround)
  return {
    push: (normalEnd - contact.line) * Math.sign(normalBefore - contact.line),
    along: clampValues.includes(alongEnd) ? undefined : alongEnd - alongContact
  }
}

const expectWithinReach = (label: string, contact: Contact, before: Pair, end: Pair): void => {
  expect(isFree(end[0], end[1]), `${label}: ends in free space`).toBe(true)
  const { push, along } = residual(contact, before, end)
  expect(push, `${label}: pushed back towards the start's side`).toBeGreaterThan(0)
  expect(push, `${label}: within the push-back's reach`).toBeLessThanOrEqual(reach)
  if (along !== undefined)
    expect(Math.abs(along), `${label}: shift along the wall`).toBeLessThanOrEqual(reach)
}

// Draws of the environment's noise per reference contact, each from its own seed.
const drawsPerContact = 4

interface ReplaySummary {
  readonly steps: number
  readonly contacts: number
  readonly pushes: ReadonlyArray<number>
  readonly alongs: ReadonlyArray<number>
}

const replay = (episodes: ReadonlyArray<ReferenceEpisode>): ReplaySummary => {
  const env = twoRooms.make()
  const pushes: Array<number> = []
  const alongs: Array<number> = []
  let steps = 0
  let contacts = 0
  episodes.forEach((episode, e) => {
    episode.actions.forEach((action, t) => {
      const before = t === 0 ? episode.start : (episode.positions[t - 1] as Pair)
      const expected = episode.positions[t] as Pair
      const hit = episode.wallHit[t] as boolean
      const label = `episode ${e}, step ${t}`
      const stepFrom = (seed: number) => {
        // The goal only decides reward and termination, which this replay does not read.
        env.reset({ seed, options: { start: [...before], goal: before[0] < 32 ? [50, 30] : [15, 30] } })
        const { observation, info } = env.step([...action])
        expect(Array.from(info.position as Float64Array)).toEqual(Array.from(observation))
        return { end: [observation[0]!, observation[1]!] as Pair, wallHit: info.wallHit }
      }
      const contact = contactOf(before[0], before[1], before[0] + action[0], before[1] + action[1])
      expect(contact !== undefined, `${label}: PLDM's contact test, read here, agrees with wallHit`).toBe(hit)
      steps += 1
      if (!hit) {
        const { end, wallHit } = stepFrom(e * 1000 + t)
        expect(wallHit, label).toBe(false)
        expect(Math.abs(end[0] - expected[0]), label).toBeLessThanOrEqual(1e-5)
        expect(Math.abs(end[1] - expected[1]), label).toBeLessThanOrEqual(1e-5)
        expect(end, `${label}: the float32 sum, bit for bit`).toEqual(expected)
        return
      }
      contacts += 1
      expectWithinReach(`${label}, reference`, contact!, before, expected)
      for (let draw = 0; draw < drawsPerContact; draw++) {
        const { end, wallHit } = stepFrom(e * 1000 + t + 100_000 * draw)
        expect(wallHit, label).toBe(true)
        expectWithinReach(`${label}, draw ${draw}`, contact!, before, end)
        const { push, along } = residual(contact!, before, end)
        // The clamp sets the push to 0.3 exactly; it says nothing of the noise.
        if (Math.abs(push - 0.3) > 1e-6) pushes.push(push)
        if (along !== undefined) alongs.push(along)
      }
    })
  })
  return { steps, contacts, pushes, alongs }
}

const mean = (values: ReadonlyArray<number>): number =>
  values.reduce((total, value) => total + value, 0) / values.length

// PLDM's noise: push-back 0.5 |N(0, 1)| (mean 0.399), shift along the wall 0.5 N(0, 1). The
// bounds are about four standard errors wide for a few hundred draws.
const expectPldmNoise = ({ pushes, alongs }: ReplaySummary): void => {
  expect(pushes.length).toBeGreaterThan(400)
  expect(mean(pushes)).toBeGreaterThan(0.34)
  expect(mean(pushes)).toBeLessThan(0.46)
  expect(Math.abs(mean(alongs))).toBeLessThan(0.1)
  const spread = Math.sqrt(mean(alongs.map((value) => value * value)))
  expect(spread).toBeGreaterThan(0.42)
  expect(spread).toBeLessThan(0.58)
}

const state = (x: number, y: number): NavigationState => ({ x, y, goalX: 0, goalY: 0, windX: 0, windY: 0 })

const compareFrames = (frames: ReadonlyArray<ReferenceFrame>): void => {
  const image = twoRoomsPixels.definition.image!
  const env = twoRoomsPixels.make()
  frames.forEach((frame, f) => {
    const [x, y] = frame.position
    const pixels = image.render(state(x, y))
    expect(Array.from(pixels.subarray(0, 4096)), `frame ${f}, dot channel`).toEqual(frame.dot)
    expect(Array.from(pixels.subarray(4096)), `frame ${f}, wall channel`).toEqual(frame.wall)
    // The same image as the observation (scaled to [0, 1]) and as the goal's image.
    const { observation, info } = env.reset({ seed: f, options: { start: [x, y], goal: [x, y] } })
    expect(Array.from(observation, (value) => Math.round(value * 255))).toEqual([...frame.dot, ...frame.wall])
    expect(info.goalImage).toEqual(pixels)
  })
}

// The full file exists on the machines the project is developed on; the excerpt travels with the repo.
const sharedReference = "/work/shared/conformance/dotwall.json"
const excerpt = fileURLToPath(new URL("../fixtures/dotwall-excerpt.json", import.meta.url))

describe("two-rooms against PLDM's DotWall", () => {
  it("replays the excerpt's steps: free ones exactly, contacts within PLDM's push-back", () => {
    const summary = replay(readReference(excerpt).episodes)
    expect(summary).toMatchObject({ steps: 360, contacts: 125 })
    expectPldmNoise(summary)
  })

  it("draws the excerpt's frames pixel for pixel", () => {
    const { frames } = readReference(excerpt)
    expect(frames).toHaveLength(3)
    compareFrames(frames)
  })

  it.skipIf(!existsSync(sharedReference))("replays all 40 reference episodes of 60 steps", () => {
    const { episodes } = readReference(sharedReference)
    expect(episodes).toHaveLength(40)
    const summary = replay(episodes)
    expect(summary).toMatchObject({ steps: 2400, contacts: 593 })
    expectPldmNoise(summary)
  })

  it.skipIf(!existsSync(sharedReference))("draws all 10 reference frames pixel for pixel", () => {
    const { frames } = readReference(sharedReference)
    expect(frames).toHaveLength(10)
    compareFrames(frames)
  })
})
