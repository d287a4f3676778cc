/**
 * One field's block on its way to disk: pieces are encoded (raw, or raw-deflated on libuv's thread
 * pool so that compression overlaps collection), checksummed and appended to a part file in the
 * order they were given, whatever order their compression finishes in.
 *
 * @module
 */
import type { FileHandle } from "node:fs/promises"
import { open } from "node:fs/promises"
import * as zlib from "node:zlib"
import { crc32 } from "@telos/core"
import type { DatasetChunkEntry, DatasetEncoding } from "./DatasetFormat.js"

const deflate = (bytes: Uint8Array, level: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    // An output buffer as large as the input makes the whole chunk one job on the thread pool;
    // the default 16 KB would need a round trip through the (busy) main thread per 16 KB.
    const chunkSize = Math.max(64 * 1024, bytes.length + 1024)
    zlib.deflateRaw(bytes, { level, chunkSize }, (error, result) => (error ? reject(error) : resolve(result)))
  })

/**
 * Writes all of `bytes` at the handle's current position.
 *
 * @example
 * ```ts
 * await writeAll(handle, new Uint8Array([1, 2, 3]))
 * ```
 */
export const writeAll = async (handle: FileHandle, bytes: Uint8Array): Promise<void> => {
  let written = 0
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, null)
    written += bytesWritten
  }
}

/**
 * What a closed sink wrote: stored bytes, their CRC-32, rows, and the chunk table of a deflate block.
 *
 * @example
 * ```ts
 * const block: SinkBlock = { length: 160, crc32: 0x2144df1c, rows: 10, chunks: [] }
 * ```
 */
export interface SinkBlock {
  readonly length: number
  readonly crc32: number
  readonly rows: number
  readonly chunks: ReadonlyArray<DatasetChunkEntry>
}

/**
 * A block being written to its own part file.
 *
 * @example
 * ```ts
 * const sink = await BlockSink.open("out/.images.part", "deflate", 6)
 * await sink.append(pixels, 2048)
 * const block = await sink.close()
 * ```
 */
export class BlockSink {
  private length = 0
  private checksum = 0
  private rows = 0
  private readonly chunks: Array<DatasetChunkEntry> = []
  private tail: Promise<void> = Promise.resolve()

  private constructor(
    readonly partPath: string,
    private readonly handle: FileHandle,
    readonly encoding: DatasetEncoding,
    private readonly level: number
  ) {}

  /** Creates (or empties) the part file. */
  static async open(partPath: string, encoding: DatasetEncoding, level: number): Promise<BlockSink> {
    return new BlockSink(partPath, await open(partPath, "w"), encoding, level)
  }

  /**
   * Queues `rows` rows of `bytes`; resolves once they are on disk. The bytes must stay unchanged
   * until then. After a failure every later append and `close` reject with it.
   */
  append(bytes: Uint8Array, rows: number): Promise<void> {
    const stored = this.encoding === "deflate" ? deflate(bytes, this.level) : Promise.resolve(bytes)
    // The failure reaches the caller through the tail; this only stops an "unhandled rejection".
    stored.catch(() => undefined)
    this.tail = this.tail.then(async () => {
      const data = await stored
      this.checksum = crc32(data, this.checksum)
      await writeAll(this.handle, data)
      this.length += data.length
      this.rows += rows
      if (this.encoding === "deflate") this.chunks.push({ rows, length: data.length })
    })
    return this.tail
  }

  /** Waits for every queued piece, closes the part file, and says what was written. */
  async close(): Promise<SinkBlock> {
    try {
      await this.tail
    } finally {
      await this.handle.close().catch(() => undefined)
    }
    return { length: this.length, crc32: this.checksum, rows: this.rows, chunks: [...this.chunks] }
  }
}
