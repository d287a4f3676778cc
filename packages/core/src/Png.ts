/**
 * A small PNG encoder for the pictures reports embed (observation frames, predicted frames),
 * written from the PNG specification: the 8-byte signature, an `IHDR` chunk, one `IDAT` chunk of
 * zlib-compressed scanlines, and `IEND`; every chunk ends with the CRC-32 of its type and data.
 * Only 8-bit, non-interlaced grayscale, gray+alpha, RGB and RGBA images are written; reading is
 * limited to the chunk list and the header, enough to check a file.
 *
 * @module
 */
import { deflateSync } from "node:zlib"
import { crc32 } from "./Crc32.js"
import { describeValue, InvalidValueError } from "./Errors.js"

/**
 * An 8-bit image in row-major, interleaved order (height x width x channels): 1 channel is
 * grayscale, 2 gray and alpha, 3 RGB, 4 RGBA.
 *
 * @example
 * ```ts
 * const redPixel: PngImage = { width: 1, height: 1, channels: 3, data: Uint8Array.of(255, 0, 0) }
 * ```
 */
export interface PngImage {
  /** Width in pixels. */
  readonly width: number
  /** Height in pixels. */
  readonly height: number
  /** Channels per pixel: 1 gray, 2 gray and alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4
  /** The samples, `height * width * channels` bytes. */
  readonly data: Uint8Array
}

/**
 * The fields of a PNG's `IHDR` chunk.
 *
 * @example
 * ```ts
 * const header: PngHeader = {
 *   width: 64, height: 64, bitDepth: 8, colorType: 2, compression: 0, filter: 0, interlace: 0
 * }
 * ```
 */
export interface PngHeader {
  /** Width in pixels. */
  readonly width: number
  /** Height in pixels. */
  readonly height: number
  /** Bits per sample (or per palette index). */
  readonly bitDepth: number
  /** 0 grayscale, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  readonly colorType: number
  /** Compression method (0, deflate, is the only one defined). */
  readonly compression: number
  /** Filter method (0 is the only one defined). */
  readonly filter: number
  /** Interlace method: 0 none, 1 Adam7. */
  readonly interlace: number
}

/**
 * One chunk of a PNG file: its four-letter type, its data and the CRC stored after it.
 *
 * @example
 * ```ts
 * const end: PngChunk = { type: "IEND", data: new Uint8Array(0), crc: 0xae426082 }
 * ```
 */
export interface PngChunk {
  /** The four-letter chunk type, e.g. `IHDR`. */
  readonly type: string
  /** The chunk's data. */
  readonly data: Uint8Array
  /** The CRC-32 stored after the chunk. */
  readonly crc: number
}

/**
 * An RGB colour, each component an integer in `[0, 255]`.
 *
 * @example
 * ```ts
 * const orange: RgbColor = [255, 160, 0]
 * ```
 */
export type RgbColor = readonly [number, number, number]

/**
 * The eight bytes every PNG file starts with.
 *
 * @example
 * ```ts
 * encodePng(image).subarray(0, 8) // equals pngSignature
 * ```
 */
export const pngSignature: Uint8Array = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10)

/** PNG colour types by number of interleaved channels. */
const colorTypeByChannels: Readonly<Record<1 | 2 | 3 | 4, number>> = { 1: 0, 2: 4, 3: 2, 4: 6 }

/** The largest width or height the specification allows (a 4-byte unsigned field capped at 2^31 - 1). */
const largestDimension = 2 ** 31 - 1

const requirePositiveInteger = (value: unknown, field: string, largest = largestDimension): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > largest) {
    throw new InvalidValueError({
      field,
      expected: `a positive integer up to ${largest}`,
      received: describeValue(value)
    })
  }
  return value
}

const requireBytes = (value: unknown, field: string, length: number, layout: string): Uint8Array => {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidValueError({ field, expected: "a Uint8Array", received: describeValue(value) })
  }
  if (value.length !== length) {
    throw new InvalidValueError({
      field,
      expected: `${length} bytes (${layout})`,
      received: `${value.length} bytes`
    })
  }
  return value
}

/** Checks every field of an interleaved image, naming the one at fault. */
const requireImage = (image: PngImage): PngImage => {
  const width = requirePositiveInteger(image.width, "image.width")
  const height = requirePositiveInteger(image.height, "image.height")
  const channels = image.channels
  if (!(channels === 1 || channels === 2 || channels === 3 || channels === 4)) {
    throw new InvalidValueError({
      field: "image.channels",
      expected: "1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)",
      received: describeValue(channels)
    })
  }
  const data = requireBytes(image.data, "image.data", width * height * channels, "width x height x channels")
  return { width, height, channels, data }
}

const typeBytes = (type: string): Uint8Array => Uint8Array.from(type, (letter) => letter.charCodeAt(0))

/** Lays out one chunk: length, type, data, then the CRC-32 of type and data. */
const chunk = (type: string, data: Uint8Array): Uint8Array => {
  const typeCode = typeBytes(type)
  const bytes = new Uint8Array(12 + data.length)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, data.length)
  bytes.set(typeCode, 4)
  bytes.set(data, 8)
  view.setUint32(8 + data.length, crc32(data, crc32(typeCode)))
  return bytes
}

/**
 * Encodes an 8-bit image as a PNG file. Each scanline uses filter type 0 (none): the frames
 * telos draws are small and mostly flat, which deflate already compresses well.
 *
 * Throws `InvalidValueError` naming `image.width`, `image.height`, `image.channels` or
 * `image.data` when a size is not a positive integer or the data has the wrong length.
 *
 * @example
 * ```ts
 * const checker = encodePng({ width: 2, height: 2, channels: 1, data: Uint8Array.of(0, 255, 255, 0) })
 * await Effect.runPromise(writeFileAtomic("runs/demo/checker.png", checker))
 * ```
 */
export const encodePng = (image: PngImage): Uint8Array => {
  const { width, height, channels, data } = requireImage(image)
  const rowLength = width * channels

  const header = new Uint8Array(13)
  const headerView = new DataView(header.buffer)
  headerView.setUint32(0, width)
  headerView.setUint32(4, height)
  header[8] = 8
  header[9] = colorTypeByChannels[channels]
  // Bytes 10-12 stay 0: deflate compression, adaptive filtering, no interlace.

  const scanlines = new Uint8Array(height * (rowLength + 1))
  for (let row = 0; row < height; row++) {
    const start = row * (rowLength + 1)
    scanlines[start] = 0
    scanlines.set(data.subarray(row * rowLength, (row + 1) * rowLength), start + 1)
  }

  const parts = [
    pngSignature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(scanlines)),
    chunk("IEND", new Uint8Array(0))
  ]
  const file = new Uint8Array(parts.reduce((total, part) => total + part.length, 0))
  let offset = 0
  for (const part of parts) {
    file.set(part, offset)
    offset += part.length
  }
  return file
}

const malformed = (expected: string, received: string): InvalidValueError =>
  new InvalidValueError({ field: "png", expected, received })

/**
 * Splits a PNG file into its chunks, in file order, without checking their CRCs or meaning.
 * Throws `InvalidValueError` (field `png`) when the signature is missing or a chunk is cut short.
 *
 * @example
 * ```ts
 * readPngChunks(encodePng(image)).map((chunk) => chunk.type) // ["IHDR", "IDAT", "IEND"]
 * ```
 */
export const readPngChunks = (bytes: Uint8Array): ReadonlyArray<PngChunk> => {
  if (bytes.length < 8 || pngSignature.some((byte, index) => bytes[index] !== byte)) {
    throw malformed("a file starting with the PNG signature", describeValue(bytes.subarray(0, 8)))
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const chunks: Array<PngChunk> = []
  let offset = 8
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) {
      throw malformed("a complete chunk", `${bytes.length - offset} bytes at offset ${offset}`)
    }
    const length = view.getUint32(offset)
    const end = offset + 12 + length
    if (end > bytes.length) {
      throw malformed(
        `a chunk of ${length} data bytes`,
        `${bytes.length - offset - 12} bytes at offset ${offset}`
      )
    }
    chunks.push({
      type: String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)),
      data: bytes.subarray(offset + 8, offset + 8 + length),
      crc: view.getUint32(offset + 8 + length)
    })
    offset = end
  }
  return chunks
}

/**
 * Reads the `IHDR` chunk of a PNG file: its size and pixel format. Throws `InvalidValueError`
 * (field `png`) when the signature is missing or the first chunk is not a 13-byte `IHDR`.
 *
 * @example
 * ```ts
 * decodePngHeader(imageToPng(frame, 2, 64, 64)) // { width: 64, height: 64, bitDepth: 8, colorType: 2, ... }
 * ```
 */
export const decodePngHeader = (bytes: Uint8Array): PngHeader => {
  const first = readPngChunks(bytes)[0]
  if (first === undefined || first.type !== "IHDR" || first.data.length !== 13) {
    const received = first === undefined ? "no chunks" : `${first.type} of ${first.data.length} bytes`
    throw malformed("an IHDR chunk of 13 bytes first", received)
  }
  const view = new DataView(first.data.buffer, first.data.byteOffset, first.data.byteLength)
  return {
    width: view.getUint32(0),
    height: view.getUint32(4),
    bitDepth: view.getUint8(8),
    colorType: view.getUint8(9),
    compression: view.getUint8(10),
    filter: view.getUint8(11),
    interlace: view.getUint8(12)
  }
}

/**
 * The colours `imageToPng` gives channels when no palette is passed: a lone channel is drawn
 * white (plain grayscale); several channels get red, green, blue, yellow, magenta, cyan, orange
 * and gray, in that order, repeating after eight.
 *
 * @example
 * ```ts
 * defaultPalette(2) // [[255, 64, 64], [64, 200, 64]]
 * ```
 */
export const defaultPalette = (channels: number): ReadonlyArray<RgbColor> => {
  if (channels === 1) return [[255, 255, 255]]
  const colors: ReadonlyArray<RgbColor> = [
    [255, 64, 64],
    [64, 200, 64],
    [64, 128, 255],
    [255, 220, 0],
    [230, 64, 230],
    [0, 220, 220],
    [255, 150, 0],
    [160, 160, 160]
  ]
  return Array.from({ length: channels }, (_, channel) => colors[channel % colors.length] as RgbColor)
}

/**
 * Options of {@link channelsToRgb} and {@link imageToPng}.
 *
 * @example
 * ```ts
 * const options: ChannelImageOptions = { palette: [[255, 0, 0], [128, 128, 128]], upscale: 4 }
 * ```
 */
export interface ChannelImageOptions {
  /** One colour per channel; extra entries are ignored. Defaults to {@link defaultPalette}. */
  readonly palette?: ReadonlyArray<RgbColor>
  /** A positive integer: each pixel becomes an `upscale x upscale` block (nearest neighbour). Default 1. */
  readonly upscale?: number
}

const requirePalette = (palette: ReadonlyArray<RgbColor>, channels: number): ReadonlyArray<RgbColor> => {
  if (palette.length < channels) {
    throw new InvalidValueError({
      field: "options.palette",
      expected: `at least ${channels} colours, one per channel`,
      received: `${palette.length} colours`
    })
  }
  palette.slice(0, channels).forEach((color, index) => {
    const valid =
      Array.isArray(color) &&
      color.length === 3 &&
      color.every((component) => Number.isInteger(component) && component >= 0 && component <= 255)
    if (!valid) {
      throw new InvalidValueError({
        field: `options.palette[${index}]`,
        expected: "[r, g, b] with integers in [0, 255]",
        received: describeValue(color)
      })
    }
  })
  return palette
}

/**
 * Turns a channel-major `uint8` image `[channels, height, width]` (an environment's pixel
 * observation) into an interleaved RGB image. The rule is additive light on a black background:
 * channel `c` with intensity `v` contributes `v / 255 * palette[c]`, contributions are summed,
 * rounded and clipped at 255. So a lone channel drawn white is plain grayscale, channels that
 * never overlap keep their own colours, and where they do overlap the colours mix (red and green
 * give yellow). With `upscale` each pixel becomes a square block of that many pixels.
 *
 * Throws `InvalidValueError` naming the argument at fault (`channels`, `height`, `width`,
 * `pixels`, `options.palette`, `options.upscale`).
 *
 * @example
 * ```ts
 * // two-rooms: channel 0 the agent, channel 1 the walls
 * const rgb = channelsToRgb(pixels, 2, 64, 64, { palette: [[255, 64, 64], [200, 200, 200]], upscale: 4 })
 * rgb.width // 256
 * ```
 */
export const channelsToRgb = (
  pixels: Uint8Array,
  channels: number,
  height: number,
  width: number,
  options: ChannelImageOptions = {}
): PngImage & {
  /** Always 3: interleaved RGB. */
  readonly channels: 3
} => {
  requirePositiveInteger(channels, "channels", 1024)
  requirePositiveInteger(height, "height")
  requirePositiveInteger(width, "width")
  const scale = requirePositiveInteger(options.upscale ?? 1, "options.upscale", 1024)
  requireBytes(pixels, "pixels", channels * height * width, "channels x height x width")
  const palette = requirePalette(options.palette ?? defaultPalette(channels), channels)

  const plane = height * width
  // Composite once at the original size, then replicate; compositing every upscaled pixel would
  // repeat the same sums scale^2 times.
  const composite = new Uint8Array(plane * 3)
  for (let pixel = 0; pixel < plane; pixel++) {
    let red = 0
    let green = 0
    let blue = 0
    for (let channel = 0; channel < channels; channel++) {
      const value = pixels[channel * plane + pixel] as number
      if (value === 0) continue
      const color = palette[channel] as RgbColor
      red += value * color[0]
      green += value * color[1]
      blue += value * color[2]
    }
    // The sums are exact integers (at most 1024 * 255 * 255), so the rounding is deterministic.
    composite[pixel * 3] = Math.min(255, Math.round(red / 255))
    composite[pixel * 3 + 1] = Math.min(255, Math.round(green / 255))
    composite[pixel * 3 + 2] = Math.min(255, Math.round(blue / 255))
  }
  const image = { width, height, channels: 3 as const, data: composite }
  return scale === 1 ? image : { ...upscaleImage(image, scale), channels: 3 }
}

/**
 * Enlarges an interleaved image by an integer factor with nearest-neighbour sampling: every
 * pixel becomes a `factor x factor` block, so a 64 x 64 frame stays crisp at 256 x 256.
 *
 * @example
 * ```ts
 * upscaleImage({ width: 1, height: 1, channels: 1, data: Uint8Array.of(7) }, 2).data // [7, 7, 7, 7]
 * ```
 */
export const upscaleImage = (image: PngImage, factor: number): PngImage => {
  requirePositiveInteger(factor, "factor", 1024)
  const { width, height, channels, data } = requireImage(image)
  const rowLength = width * channels
  const scaledRowLength = rowLength * factor
  const scaled = new Uint8Array(scaledRowLength * height * factor)
  for (let row = 0; row < height; row++) {
    const firstRow = row * factor * scaledRowLength
    for (let column = 0; column < width; column++) {
      const source = row * rowLength + column * channels
      for (let copy = 0; copy < factor; copy++) {
        const target = firstRow + (column * factor + copy) * channels
        for (let channel = 0; channel < channels; channel++) {
          scaled[target + channel] = data[source + channel] as number
        }
      }
    }
    // The other factor - 1 rows of the block repeat the first one.
    const first = scaled.subarray(firstRow, firstRow + scaledRowLength)
    for (let copy = 1; copy < factor; copy++) scaled.set(first, firstRow + copy * scaledRowLength)
  }
  return { ...image, width: width * factor, height: height * factor, data: scaled }
}

/**
 * Encodes a channel-major `uint8` observation `[channels, height, width]` as an RGB PNG, each
 * channel coloured by its palette entry and composited additively on black (see
 * {@link channelsToRgb} for the rule), optionally enlarged by an integer `upscale`.
 *
 * @example
 * ```ts
 * const frame = twoRooms.definition.image!.render(state) // Uint8Array(2 * 64 * 64)
 * const png = imageToPng(frame, 2, 64, 64, { upscale: 4 }) // a 256 x 256 RGB PNG
 * ```
 */
export const imageToPng = (
  pixels: Uint8Array,
  channels: number,
  height: number,
  width: number,
  options: ChannelImageOptions = {}
): Uint8Array => encodePng(channelsToRgb(pixels, channels, height, width, options))
