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

const splitmix32 = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
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
   * Creates a stream from a seed (any finite number; it is hashed to 32 bits, fractional parts
   * included).
   *
   * @example
   * ```ts
   * const rng = Random.fromSeed(42)
   * rng.uniform() // same number on every run
   * ```
   */
  static fromSeed(seed: number): Random {
    if (!Number.isFinite(seed)) throw new RangeError(`seed: expected a finite number, received ${seed}`)
    const whole = Math.floor(seed)
    const fraction = Math.floor((seed - whole) * 0x100000000) >>> 0
    const mix = splitmix32(whole >>> 0)
    const high = splitmix32(Math.floor(whole / 0x100000000) >>> 0)()
    // The fractional bits get a word of their own, so that 0.5 and 2 ** 31 are different seeds;
    // integer seeds (fraction 0) keep the stream they always had.
    const low = fraction === 0 ? 0 : splitmix32(fraction ^ 0x6a09e667)()
    const state = new Uint32Array([mix() ^ high, mix() ^ low, mix(), mix()])
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

  /** A uniform number in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform()
  }

  /** A uniform integer in [0, n). */
  integer(n: number): number {
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

  /** `count` independent child streams. */
  splitMany(count: number): Array<Random> {
    return Array.from({ length: count }, () => this.split())
  }
}
