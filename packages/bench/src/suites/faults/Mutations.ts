/**
 * Corruptions of a file's bytes (always copies: a Node `Buffer`'s `slice` would share them), drawn from a seeded stream: what a full disk, a bad sector, a
 * copy cut short or a careless edit does to a file. Each is a pure function of the bytes it is
 * given, so a failing case can be replayed from its description.
 *
 * @module
 */
import type { Random } from "@telos/core"

/** One corruption: what was done, in words, and the corrupted bytes. */
export interface Mutation {
  /** What was done, e.g. `cut at 1234 of 5000 bytes`. */
  readonly description: string
  /** The corrupted bytes. */
  readonly bytes: Uint8Array
}

/** The file cut at a random length (a copy or a write stopped short). */
export const cut = (bytes: Uint8Array, rng: Random): Mutation => {
  const at = rng.integer(bytes.length)
  return {
    description: `cut at ${at} of ${bytes.length} bytes`,
    bytes: new Uint8Array(bytes.subarray(0, at))
  }
}

/** One random bit flipped (a bad sector, a cosmic ray). */
export const flipBit = (bytes: Uint8Array, rng: Random): Mutation => {
  const at = rng.integer(bytes.length)
  const bit = rng.integer(8)
  const flipped = new Uint8Array(bytes)
  flipped[at] = (flipped[at] as number) ^ (1 << bit)
  return { description: `bit ${bit} of byte ${at} flipped`, bytes: flipped }
}

/**
 * Two equal, non-overlapping runs of bytes swapped (blocks written in the wrong order). A swap of
 * identical runs changes nothing and is redrawn.
 */
export const swapBlocks = (bytes: Uint8Array, rng: Random): Mutation => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const size = 1 + rng.integer(Math.max(1, Math.floor(bytes.length / 8)))
    const first = rng.integer(bytes.length - 2 * size + 1)
    const second = first + size + rng.integer(bytes.length - first - 2 * size + 1)
    const a = bytes.subarray(first, first + size)
    const b = bytes.subarray(second, second + size)
    if (a.every((value, index) => value === b[index])) continue
    const swapped = new Uint8Array(bytes)
    swapped.set(b, first)
    swapped.set(a, second)
    return { description: `${size} bytes at ${first} and ${second} swapped`, bytes: swapped }
  }
  return flipBit(bytes, rng)
}

/** The byte-level corruptions, by name. */
export const byteMutations = { cut, flipBit, swapBlocks } as const

const inTurn: ReadonlyArray<(bytes: Uint8Array, rng: Random) => Mutation> = Object.values(byteMutations)

/** The `index`-th case of a run of random corruptions: cut, flip and swap in turn, drawn from `rng`. */
export const nthMutation = (index: number, bytes: Uint8Array, rng: Random): Mutation =>
  (inTurn[index % inTurn.length] as (bytes: Uint8Array, rng: Random) => Mutation)(bytes, rng)
