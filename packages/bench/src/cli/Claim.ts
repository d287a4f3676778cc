/**
 * Claiming a command's output folder (see `claimOutputFolder` in `@telos/core/node`) for the
 * length of a scope, with a notice for what the claim found.
 *
 * @module
 */
import type { FileError } from "@telos/core"
import {
  type ClaimOptions,
  claimOutputFolder,
  type OutputClaim,
  type OutputLockedError
} from "@telos/core/node"
import { Effect, type Scope } from "effect"

/**
 * The lines that tell a user what claiming a folder found: a stale lock taken over, leftovers of
 * killed runs removed.
 *
 * @example
 * ```ts
 * claimNotices({ directory: "d", tookOver: undefined, swept: [".dataset.bin.9.1.0.tmp"], release })
 * // ["telos: removed 1 temporary file(s) that a killed run left in d"]
 * ```
 */
export const claimNotices = (claim: OutputClaim): ReadonlyArray<string> => [
  ...(claim.tookOver === undefined
    ? []
    : [
        `telos: took over the lock of ${claim.directory} from process ${claim.tookOver.pid} ("${claim.tookOver.command}"), which is no longer running`
      ]),
  ...(claim.swept.length === 0
    ? []
    : [`telos: removed ${claim.swept.length} temporary file(s) that a killed run left in ${claim.directory}`])
]

/**
 * Claims `directory` for `command` until the scope closes, and writes the claim's notices.
 *
 * @example
 * ```ts
 * yield* claimFolder(command.out, "telos collect", terminal.error)
 * ```
 */
export const claimFolder = (
  directory: string,
  command: string,
  notify: ((line: string) => void) | undefined,
  options: ClaimOptions = {}
): Effect.Effect<OutputClaim, FileError | OutputLockedError, Scope.Scope> =>
  Effect.acquireRelease(claimOutputFolder(directory, command, options), (claim) =>
    Effect.sync(claim.release)
  ).pipe(
    Effect.tap((claim) =>
      Effect.sync(() => {
        for (const notice of claimNotices(claim)) notify?.(notice)
      })
    )
  )
