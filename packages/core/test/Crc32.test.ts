import { crc32 } from "@telos/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

/** The definition, one bit at a time: slow but obviously right, to check the table-driven version. */
const bitwiseCrc32 = (bytes: Uint8Array): number => {
  let remainder = 0xffffffff
  for (const byte of bytes) {
    remainder ^= byte
    for (let bit = 0; bit < 8; bit++) {
      remainder = remainder & 1 ? (remainder >>> 1) ^ 0xedb88320 : remainder >>> 1
    }
  }
  return (remainder ^ 0xffffffff) >>> 0
}

describe("crc32", () => {
  it("gives the published check values", () => {
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
    expect(crc32(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339)
    // The CRC every PNG's IEND chunk carries: the checksum of the bytes "IEND".
    expect(crc32(ascii("IEND"))).toBe(0xae426082)
  })

  it("agrees with the bit-at-a-time definition, at every length and alignment", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 7 }), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length))
        expect(crc32(view)).toBe(bitwiseCrc32(view))
      })
    )
  })

  it("continues over data split anywhere", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (bytes, cut) => {
        const at = bytes.length === 0 ? 0 : cut % (bytes.length + 1)
        expect(crc32(bytes.subarray(at), crc32(bytes.subarray(0, at)))).toBe(crc32(bytes))
      })
    )
  })

  it("returns an unsigned 32-bit integer", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const value = crc32(bytes)
        expect(Number.isInteger(value)).toBe(true)
        expect(value).toBeGreaterThanOrEqual(0)
        expect(value).toBeLessThanOrEqual(0xffffffff)
      })
    )
  })

  // How fast it is belongs to a benchmark, not to a test that a busy machine would fail.
  it("checksums a megabyte as the bitwise definition does", () => {
    const bytes = new Uint8Array(1 << 20).map((_, index) => (index * 31) & 0xff)
    expect(crc32(bytes)).toBe(bitwiseCrc32(bytes))
  })
})
