/**
 * Seeded, splittable randomness. Every random choice in telos draws from a `Random` that was
 * created from an explicit seed, so the same seed gives the same run. `split` derives independent
 * child streams (one per episode, per restart, per worker) without the children sharing state.
 *
 * The generator is xoshiro128** seeded through splitmix32: small, fast, and good enough for
 * simulation and sampling (it is not cryptographic).
 *
 * @module
 */

import { describeValue, InvalidValueError } from "./Errors.js"

// MurmurHash3's 32-bit finaliser: a bijection of 32-bit words that maps 0 to 0.
const fmix32 = (word: number): number => {
  let z = word >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}

const splitmix32 = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    return fmix32(state)
  }
}

const fractionBits = new DataView(new ArrayBuffer(8))

/**
 * Checks that `seed` is one that {@link Random.fromSeed} maps to a stream of its own: a finite
 * number no larger in magnitude than `Number.MAX_SAFE_INTEGER` (2^53 - 1), fraction allowed.
 * Beyond that bound neighbouring integers are no longer distinct numbers, so a larger seed would
 * silently share its stream with others; it is refused instead. Returns the seed.
 *
 * @example
 * ```ts
 * checkSeed(7) // 7
 * checkSeed(1e300, "reset.seed") // throws InvalidValueError naming reset.seed
 * ```
 */
export const checkSeed = (seed: unknown, field = "seed"): number => {
  if (typeof seed !== "number" || !Number.isFinite(seed) || Math.abs(seed) > Number.MAX_SAFE_INTEGER) {
    throw new InvalidValueError({
      field,
      expected: `a finite number in [-${Number.MAX_SAFE_INTEGER}, ${Number.MAX_SAFE_INTEGER}]`,
      received: describeValue(seed)
    })
  }
  return seed
}

const requireFinite = (value: number, field: string): void => {
  if (!Number.isFinite(value)) {
    throw new InvalidValueError({ field, expected: "a finite number", received: describeValue(value) })
  }
}

const rotateLeft = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0

/** A seeded stream of random numbers. */
export class Random {
  private readonly state: Uint32Array
  private spareNormal: number | undefined

  private constructor(state: Uint32Array) {
    this.state = state
  }

  /**
   * Creates a stream from a seed: any finite number in [-2^53 + 1, 2^53 - 1], fraction included.
   * Every such seed gets a stream of its own: the state is built by bijections from the seed's
   * 64-bit integer part and the exact bits of its fraction, so two different seeds never share a
   * starting state. A seed outside that range (or not finite) is an `InvalidValueError` naming
   * `seed`, see {@link checkSeed}.
   *
   * @example
   * ```ts
   * const rng = Random.fromSeed(42)
   * rng.uniform() // same number on every run
   * ```
   */
  static fromSeed(seed: number): Random {
    checkSeed(seed)
    // Truncation, not floor: a double minus its truncation is exact (a double minus its floor is
    // not: -1e-323 - (-1) rounds to 1), and the fraction keeps the seed's sign. For an integer seed
    // the two agree, and the fraction is +0.
    const whole = Math.trunc(seed)
    fractionBits.setFloat64(0, seed - whole)
    const mix = splitmix32(whole >>> 0)
    const high = splitmix32(Math.floor(whole / 0x100000000) >>> 0)()
    // The fraction's two words go to words of their own (both 0 for an integer seed, which keeps
    // the stream integer seeds always had). Word 3 depends on the low 32 bits of the integer part
    // alone and bijectively, so the state determines the low bits, then the high bits (word 0), then
    // the fraction (words 1 and 2).
    const fractionHigh = fmix32(fractionBits.getUint32(0))
    const fractionLow = fmix32(fractionBits.getUint32(4))
    const state = new Uint32Array([mix() ^ high, mix() ^ fractionHigh, mix() ^ fractionLow, mix()])
    if (state.every((word) => word === 0)) state[0] = 1
    return new Random(state)
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.state
    let s0 = s[0] as number
    let s1 = s[1] as number
    let s2 = s[2] as number
    let s3 = s[3] as number
    const result = Math.imul(rotateLeft(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0
    const shifted = (s1 << 9) >>> 0
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= shifted
    s3 = rotateLeft(s3 >>> 0, 11)
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
    return result
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5
    const low = this.nextUint32() >>> 6
    return (high * 67108864 + low) / 9007199254740992
  }

  /**
   * A uniform number in [low, high) (`low` itself when the two are equal). Both must be finite,
   * `high >= low`, and `high - low` finite; otherwise an `InvalidValueError` naming the bound.
   */
  uniformIn(low: number, high: number): number {
    requireFinite(low, "uniformIn.low")
    requireFinite(high, "uniformIn.high")
    if (!(high >= low) || !Number.isFinite(high - low)) {
      throw new InvalidValueError({
        field: "uniformIn.high",
        expected: `a number >= low (${low}) whose distance from low is finite`,
        received: describeValue(high)
      })
    }
    return low + (high - low) * this.uniform()
  }

  /**
   * A uniform integer in [0, n). `n` must be a positive integer no larger than 2^53 - 1 (there is
   * no integer below 1 to draw); otherwise an `InvalidValueError` naming `integer.n`.
   */
  integer(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new InvalidValueError({
        field: "integer.n",
        expected: `a positive integer up to ${Number.MAX_SAFE_INTEGER}`,
        received: describeValue(n)
      })
    }
    return Math.floor(this.uniform() * n)
  }

  /** A standard normal number (Box–Muller, one spare kept). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal
      this.spareNormal = undefined
      return spare
    }
    let u = 0
    while (u === 0) u = this.uniform()
    const v = this.uniform()
    const radius = Math.sqrt(-2 * Math.log(u))
    this.spareNormal = radius * Math.sin(2 * Math.PI * v)
    return radius * Math.cos(2 * Math.PI * v)
  }

  /** A 31-bit integer seed, for APIs such as TensorFlow.js's random ops that take one. */
  seed(): number {
    return this.nextUint32() >>> 1
  }

  /**
   * An independent child stream. Advances this stream, so successive splits differ; the same
   * parent state always yields the same children.
   */
  split(): Random {
    const mix = splitmix32(this.nextUint32() ^ rotateLeft(this.nextUint32(), 16))
    const state = new Uint32Array([mix(), mix(), mix(), mix()])
    if (state.every((word) => word === 0)) state[0] = 1
    return new Random(state)
  }

  /** `count` independent child streams; `count` must be a non-negative integer. */
  splitMany(count: number): Array<Random> {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new InvalidValueError({
        field: "splitMany.count",
        expected: "a non-negative integer",
        received: describeValue(count)
      })
    }
    return Array.from({ length: count }, () => this.split())
  }
}
