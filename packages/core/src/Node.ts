/**
 * `@telos/core/node`: the parts of telos's core that need Node.js — atomic file writes
 * (`node:fs`, `node:path`) and PNG encoding (`node:zlib`'s deflate). The main entry,
 * `@telos/core`, loads in a browser; import these from here in Node code only.
 *
 * @example
 * ```ts
 * import { imageToPng, writeFileAtomic } from "@telos/core/node"
 * await Effect.runPromise(writeFileAtomic("runs/demo/frame.png", imageToPng(frame, 2, 64, 64)))
 * ```
 *
 * @module
 */
export * from "./Files.js"
export * from "./OutputFolder.js"
export * from "./Png.js"
