import { inflateSync } from "node:zlib"
import { crc32 } from "@telos/core"
import {
  channelsToRgb,
  decodePngHeader,
  defaultPalette,
  encodePng,
  imageToPng,
  type PngImage,
  pngSignature,
  readPngChunks,
  upscaleImage
} from "@telos/core/node"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"

const thrownBy = (run: () => unknown): unknown => {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

/** Small interleaved images of every channel count, with random pixels. */
const images: fc.Arbitrary<PngImage> = fc
  .record({
    width: fc.integer({ min: 1, max: 12 }),
    height: fc.integer({ min: 1, max: 12 }),
    channels: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const)
  })
  .chain(({ width, height, channels }) =>
    fc
      .uint8Array({ minLength: width * height * channels, maxLength: width * height * channels })
      .map((data) => ({ width, height, channels, data }))
  )

/** Channel-major images `[channels, height, width]` as environments render them. */
const observations = fc
  .record({
    channels: fc.integer({ min: 1, max: 5 }),
    height: fc.integer({ min: 1, max: 8 }),
    width: fc.integer({ min: 1, max: 8 })
  })
  .chain(({ channels, height, width }) => {
    const length = channels * height * width
    return fc
      .uint8Array({ minLength: length, maxLength: length })
      .map((pixels) => ({ channels, height, width, pixels }))
  })

/** The inflated content of every IDAT chunk, concatenated as the specification requires. */
const inflatedImageData = (png: Uint8Array): Uint8Array => {
  const data = readPngChunks(png)
    .filter((chunk) => chunk.type === "IDAT")
    .map((chunk) => chunk.data)
  return new Uint8Array(inflateSync(Buffer.concat(data)))
}

/** Splits filtered scanlines into rows, checking each starts with filter byte 0 and has the right length. */
const unfilteredRows = (scanlines: Uint8Array, height: number, rowLength: number): Uint8Array => {
  expect(scanlines.length).toBe(height * (rowLength + 1))
  const pixels = new Uint8Array(height * rowLength)
  for (let row = 0; row < height; row++) {
    const start = row * (rowLength + 1)
    expect(scanlines[start]).toBe(0)
    pixels.set(scanlines.subarray(start + 1, start + 1 + rowLength), row * rowLength)
  }
  return pixels
}

const decodedPixels = (png: Uint8Array): Uint8Array => {
  const header = decodePngHeader(png)
  const channels = { 0: 1, 4: 2, 2: 3, 6: 4 }[header.colorType as 0 | 2 | 4 | 6]
  return unfilteredRows(inflatedImageData(png), header.height, header.width * channels)
}

describe("encodePng", () => {
  it("writes the signature, IHDR first, IDAT, IEND last, each chunk with a valid CRC", () => {
    fc.assert(
      fc.property(images, (image) => {
        const png = encodePng(image)
        expect(png.subarray(0, 8)).toEqual(pngSignature)
        expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
        const chunks = readPngChunks(png)
        const types = chunks.map((chunk) => chunk.type)
        expect(types[0]).toBe("IHDR")
        expect(types.at(-1)).toBe("IEND")
        expect(types.filter((type) => type === "IEND")).toHaveLength(1)
        expect(types).toContain("IDAT")
        expect(chunks.at(-1)?.data).toHaveLength(0)
        for (const chunk of chunks) {
          const typeCode = new TextEncoder().encode(chunk.type)
          expect(chunk.crc).toBe(crc32(chunk.data, crc32(typeCode)))
        }
      }),
      { numRuns: 60 }
    )
  })

  it("writes the IHDR fields: size, 8 bits, the colour type of the channel count, no interlace", () => {
    const colorTypes = { 1: 0, 2: 4, 3: 2, 4: 6 } as const
    fc.assert(
      fc.property(images, (image) => {
        expect(decodePngHeader(encodePng(image))).toEqual({
          width: image.width,
          height: image.height,
          bitDepth: 8,
          colorType: colorTypes[image.channels],
          compression: 0,
          filter: 0,
          interlace: 0
        })
        expect(readPngChunks(encodePng(image))[0]?.data).toHaveLength(13)
      }),
      { numRuns: 60 }
    )
  })

  it("stores height scanlines of filter byte 0 and the original pixels, which inflate back exactly", () => {
    fc.assert(
      fc.property(images, (image) => {
        const png = encodePng(image)
        const scanlines = inflatedImageData(png)
        expect(unfilteredRows(scanlines, image.height, image.width * image.channels)).toEqual(image.data)
      }),
      { numRuns: 100 }
    )
  })

  it("is deterministic", () => {
    fc.assert(
      fc.property(images, (image) => {
        expect(encodePng(image)).toEqual(encodePng({ ...image, data: image.data.slice() }))
      }),
      { numRuns: 20 }
    )
  })

  it("reads pixels from a view into a larger buffer correctly", () => {
    const backing = Uint8Array.from({ length: 20 }, (_, index) => index)
    const data = backing.subarray(5, 11)
    const png = encodePng({ width: 3, height: 2, channels: 1, data })
    expect(decodedPixels(png)).toEqual(Uint8Array.of(5, 6, 7, 8, 9, 10))
  })

  it("names the field at fault for bad sizes, channel counts and data lengths", () => {
    const good: PngImage = { width: 2, height: 2, channels: 1, data: new Uint8Array(4) }
    for (const width of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(thrownBy(() => encodePng({ ...good, width }))).toMatchObject({
        _tag: "InvalidValueError",
        field: "image.width"
      })
    }
    for (const height of [0, 2.5, Number.NaN]) {
      expect(thrownBy(() => encodePng({ ...good, height }))).toMatchObject({ field: "image.height" })
    }
    expect(thrownBy(() => encodePng({ ...good, channels: 5 as 1 }))).toMatchObject({
      field: "image.channels",
      received: "5"
    })
    expect(thrownBy(() => encodePng({ ...good, data: new Uint8Array(5) }))).toMatchObject({
      field: "image.data",
      expected: "4 bytes (width x height x channels)",
      received: "5 bytes"
    })
    expect(thrownBy(() => encodePng({ ...good, data: [0, 0, 0, 0] as unknown as Uint8Array }))).toMatchObject(
      { field: "image.data", expected: "a Uint8Array" }
    )
    expect(thrownBy(() => encodePng(good))).toBeUndefined()
  })
})

describe("readPngChunks and decodePngHeader", () => {
  it("reject bytes without the PNG signature", () => {
    for (const bytes of [new Uint8Array(0), Uint8Array.of(1, 2, 3), new TextEncoder().encode("GIF89a...")]) {
      expect(thrownBy(() => decodePngHeader(bytes))).toMatchObject({
        _tag: "InvalidValueError",
        field: "png"
      })
    }
  })

  it("reject a file cut short", () => {
    const png = encodePng({ width: 3, height: 3, channels: 3, data: new Uint8Array(27) })
    for (const length of [9, 20, png.length - 1]) {
      expect(thrownBy(() => readPngChunks(png.subarray(0, length)))).toMatchObject({ field: "png" })
    }
  })

  it("reject a file whose first chunk is not IHDR", () => {
    const png = encodePng({ width: 1, height: 1, channels: 1, data: Uint8Array.of(9) })
    const withoutHeader = new Uint8Array([...pngSignature, ...png.subarray(8 + 12 + 13)])
    expect(thrownBy(() => decodePngHeader(withoutHeader))).toMatchObject({ field: "png" })
    expect(thrownBy(() => decodePngHeader(pngSignature))).toMatchObject({ field: "png" })
  })
})

describe("channelsToRgb", () => {
  it("draws a lone channel as grayscale by default", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 12 }), (pixels) => {
        const rgb = channelsToRgb(pixels, 1, 3, 4)
        expect(rgb).toMatchObject({ width: 4, height: 3, channels: 3 })
        for (let pixel = 0; pixel < 12; pixel++) {
          const value = pixels[pixel]
          expect(Array.from(rgb.data.subarray(pixel * 3, pixel * 3 + 3))).toEqual([value, value, value])
        }
      })
    )
  })

  it("colours each channel with its palette entry and adds them on black, clipped at 255", () => {
    // Two channels of 1 x 4 pixels: agent, walls.
    const agent = [255, 0, 255, 128]
    const walls = [0, 255, 255, 255]
    const rgb = channelsToRgb(Uint8Array.from([...agent, ...walls]), 2, 1, 4, {
      palette: [
        [255, 64, 0],
        [100, 100, 100]
      ]
    })
    expect(Array.from(rgb.data)).toEqual(
      [
        [255, 64, 0], // agent alone
        [100, 100, 100], // wall alone
        [255, 164, 100], // both: red clipped at 255, green 64 + 100
        [228, 132, 100] // half an agent on a wall: 128 / 255 * 255 + 100 = 228, 128 / 255 * 64 + 100 ≈ 132
      ].flat()
    )
  })

  it("matches the additive rule on random observations", () => {
    fc.assert(
      fc.property(observations, ({ channels, height, width, pixels }) => {
        const palette = defaultPalette(channels)
        const rgb = channelsToRgb(pixels, channels, height, width)
        const plane = height * width
        for (let pixel = 0; pixel < plane; pixel++) {
          for (let component = 0; component < 3; component++) {
            let sum = 0
            for (let channel = 0; channel < channels; channel++) {
              sum +=
                ((pixels[channel * plane + pixel] as number) * (palette[channel]?.[component] as number)) /
                255
            }
            const expected = Math.min(255, sum)
            expect(Math.abs((rgb.data[pixel * 3 + component] as number) - expected)).toBeLessThanOrEqual(
              0.5001
            )
          }
        }
      }),
      { numRuns: 60 }
    )
  })

  it("leaves black where every channel is 0", () => {
    const rgb = channelsToRgb(new Uint8Array(2 * 5 * 5), 2, 5, 5)
    expect(rgb.data.every((value) => value === 0)).toBe(true)
  })

  it("names the argument at fault", () => {
    const pixels = new Uint8Array(2 * 4 * 4)
    expect(thrownBy(() => channelsToRgb(pixels, 2, 4, 5))).toMatchObject({
      field: "pixels",
      expected: "40 bytes (channels x height x width)",
      received: "32 bytes"
    })
    expect(thrownBy(() => channelsToRgb(pixels, 0, 4, 4))).toMatchObject({ field: "channels" })
    expect(thrownBy(() => channelsToRgb(pixels, 2, 0, 4))).toMatchObject({ field: "height" })
    expect(thrownBy(() => channelsToRgb(pixels, 2, 4, 1.5))).toMatchObject({ field: "width" })
    expect(thrownBy(() => channelsToRgb(pixels, 2, 4, 4, { palette: [[1, 2, 3]] }))).toMatchObject({
      field: "options.palette",
      received: "1 colours"
    })
    expect(
      thrownBy(() =>
        channelsToRgb(pixels, 2, 4, 4, {
          palette: [
            [1, 2, 3],
            [1, 256, 3]
          ]
        })
      )
    ).toMatchObject({ field: "options.palette[1]" })
    for (const upscale of [0, -2, 1.5, Number.NaN]) {
      expect(thrownBy(() => channelsToRgb(pixels, 2, 4, 4, { upscale }))).toMatchObject({
        field: "options.upscale"
      })
    }
  })
})

describe("upscaleImage", () => {
  it("turns every pixel into a factor x factor block", () => {
    fc.assert(
      fc.property(images, fc.integer({ min: 1, max: 4 }), (image, factor) => {
        const scaled = upscaleImage(image, factor)
        expect(scaled).toMatchObject({
          width: image.width * factor,
          height: image.height * factor,
          channels: image.channels
        })
        const expected = new Uint8Array(scaled.data.length)
        for (let row = 0; row < scaled.height; row++) {
          for (let column = 0; column < scaled.width; column++) {
            const source =
              (Math.floor(row / factor) * image.width + Math.floor(column / factor)) * image.channels
            const target = (row * scaled.width + column) * image.channels
            expected.set(image.data.subarray(source, source + image.channels), target)
          }
        }
        expect(scaled.data).toEqual(expected)
      }),
      { numRuns: 40 }
    )
  })

  it("rejects a factor that is not a positive integer", () => {
    const image: PngImage = { width: 1, height: 1, channels: 1, data: Uint8Array.of(1) }
    expect(thrownBy(() => upscaleImage(image, 0))).toMatchObject({ field: "factor" })
    expect(thrownBy(() => upscaleImage(image, 2.5))).toMatchObject({ field: "factor" })
  })
})

describe("imageToPng", () => {
  it("encodes an RGB PNG of the upscaled size whose pixels are the composite", () => {
    fc.assert(
      fc.property(
        observations,
        fc.integer({ min: 1, max: 3 }),
        ({ channels, height, width, pixels }, upscale) => {
          const png = imageToPng(pixels, channels, height, width, { upscale })
          expect(decodePngHeader(png)).toMatchObject({
            width: width * upscale,
            height: height * upscale,
            colorType: 2,
            bitDepth: 8
          })
          expect(decodedPixels(png)).toEqual(channelsToRgb(pixels, channels, height, width, { upscale }).data)
        }
      ),
      { numRuns: 40 }
    )
  })

  it("makes a two-rooms-sized frame four times larger", () => {
    const frame = new Uint8Array(2 * 64 * 64)
    frame.fill(255, 64 * 64 + 32 * 64, 64 * 64 + 33 * 64) // a wall row in channel 1
    frame[10 * 64 + 10] = 255 // the agent in channel 0
    const png = imageToPng(frame, 2, 64, 64, {
      palette: [
        [255, 0, 0],
        [0, 0, 255]
      ],
      upscale: 4
    })
    expect(decodePngHeader(png)).toMatchObject({ width: 256, height: 256, colorType: 2 })
    const pixels = decodedPixels(png)
    const at = (row: number, column: number): Array<number> =>
      Array.from(pixels.subarray((row * 256 + column) * 3, (row * 256 + column) * 3 + 3))
    expect(at(40, 40)).toEqual([255, 0, 0])
    expect(at(43, 43)).toEqual([255, 0, 0])
    expect(at(44, 44)).toEqual([0, 0, 0])
    expect(at(128, 0)).toEqual([0, 0, 255])
    expect(at(131, 255)).toEqual([0, 0, 255])
    expect(at(132, 0)).toEqual([0, 0, 0])
  })
})
