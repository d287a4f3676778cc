/**
 * Atomic file writes. Every file telos writes (results, reports, datasets, checkpoints) is first
 * written beside its destination and then renamed over it, so a crash never leaves a half-written
 * file where a finished one was expected.
 *
 * @module
 */
import { rename, rm, writeFile } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { Effect } from "effect"
import { FileError } from "./Errors.js"
import { makeDirectory } from "./OutputFolder.js"

let temporaryCounter = 0

/**
 * Writes `data` to `path` atomically, creating the parent directory when missing.
 *
 * @example
 * ```ts
 * await Effect.runPromise(writeFileAtomic("runs/demo/results.json", JSON.stringify(results)))
 * ```
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array): Effect.Effect<void, FileError> =>
  Effect.flatMap(makeDirectory(dirname(path)), () =>
    Effect.tryPromise({
      try: async () => {
        const directory = dirname(path)
        const temporary = join(
          directory,
          `.${basename(path)}.${process.pid}.${Date.now()}.${temporaryCounter++}.tmp`
        )
        try {
          await writeFile(temporary, data)
          await rename(temporary, path)
        } catch (error) {
          await rm(temporary, { force: true })
          throw error
        }
      },
      catch: (error) =>
        new FileError({
          path,
          reason: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)
        })
    })
  )
