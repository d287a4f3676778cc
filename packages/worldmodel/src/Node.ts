/**
 * `@telos/worldmodel/node`: the parts of `@telos/worldmodel` that need Node.js — offline datasets
 * on disk (`openDataset`, `writeDataset`, `createDatasetWriter`) and checkpoints (`saveCheckpoint`,
 * `loadCheckpoint`, `restoreParameters`), which use `node:fs`, `node:path` and `node:zlib`. The
 * main entry, `@telos/worldmodel`, loads in a browser.
 *
 * @example
 * ```ts
 * import { openDataset } from "@telos/worldmodel/node"
 * const dataset = await openDataset("data/two-rooms")
 * ```
 *
 * @module
 */
export * from "./data/Checkpoint.js"
export * from "./data/DatasetFile.js"
export * from "./data/DatasetWriter.js"
