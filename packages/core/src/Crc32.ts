/**
 * CRC-32 (the ISO 3309 / ITU-T V.42 checksum of zlib, gzip and PNG): reflected polynomial
 * `0xEDB88320`, initial value and final XOR `0xFFFFFFFF`. PNG chunks carry it, and file formats
 * (datasets, checkpoints) can reuse it to detect a corrupted or truncated file.
 *
 * @module
 */

const polynomial = 0xedb88320

/**
 * Four lookup tables of 256 entries each, for "slicing by four": table 0 is the classic
 * byte-at-a-time table; table `k` advances the remainder of table `k - 1` by one more zero byte,
 * so that four input bytes can be folded in with four independent lookups instead of a chain of
 * four dependent ones. Computed once at load (4 KiB).
 */
const tables: Uint32Array = (() => {
  const table = new Uint32Array(4 * 256)
  for (let byte = 0; byte < 256; byte++) {
    let remainder = byte
    for (let bit = 0; bit < 8; bit++) {
      remainder = remainder & 1 ? (remainder >>> 1) ^ polynomial : remainder >>> 1
    }
    table[byte] = remainder
  }
  for (let byte = 0; byte < 256; byte++) {
    let remainder = table[byte] as number
    for (let slice = 1; slice < 4; slice++) {
      remainder = (table[remainder & 0xff] as number) ^ (remainder >>> 8)
      table[slice * 256 + byte] = remainder
    }
  }
  return table
})()

/**
 * The CRC-32 of `bytes` as an unsigned 32-bit integer. Pass the checksum of the bytes before
 * as `previous` to continue it over data that arrives in pieces:
 * `crc32(b, crc32(a))` equals the checksum of `a` followed by `b`.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode("123456789")) // 0xcbf43926
 * crc32(new Uint8Array(0)) // 0
 * ```
 */
export const crc32 = (bytes: Uint8Array, previous = 0): number => {
  let remainder = ~previous >>> 0
  const length = bytes.length
  const whole = length - (length % 4)
  let index = 0
  // The lookups never go out of range (every index is a byte plus a multiple of 256), so the
  // `as number` casts only tell the compiler what `noUncheckedIndexedAccess` cannot know.
  for (; index < whole; index += 4) {
    remainder ^=
      (bytes[index] as number) |
      ((bytes[index + 1] as number) << 8) |
      ((bytes[index + 2] as number) << 16) |
      ((bytes[index + 3] as number) << 24)
    remainder =
      (tables[768 + (remainder & 0xff)] as number) ^
      (tables[512 + ((remainder >>> 8) & 0xff)] as number) ^
      (tables[256 + ((remainder >>> 16) & 0xff)] as number) ^
      (tables[remainder >>> 24] as number)
  }
  for (; index < length; index++) {
    remainder = (tables[(remainder ^ (bytes[index] as number)) & 0xff] as number) ^ (remainder >>> 8)
  }
  return ~remainder >>> 0
}
