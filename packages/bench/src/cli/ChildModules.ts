/**
 * Starting a module of this package in a child process, built or from source: a built `.js`
 * module runs as it is; a `.ts` one (tests run the package from source) needs tsx's loader and the
 * workspace's source condition, so that `@telos/*` resolve to their sources too.
 *
 * @module
 */
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const packageJson = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json")

/**
 * The Node arguments, before the module's path, that run `entry` in a child process.
 *
 * @example
 * ```ts
 * fork(entry, [], { execArgv: [...childExecArgv(entry)] })
 * ```
 */
export const childExecArgv = (entry: string): ReadonlyArray<string> => {
  if (!entry.endsWith(".ts")) return []
  const tsx = createRequire(packageJson).resolve("tsx")
  return ["--conditions=@telos/source", "--import", join(dirname(tsx), "loader.mjs")]
}
