/**
 * The `telos` executable as a child process, started the way a user starts it (launcher, then the
 * restarted worker), for the fault suite's kills. From the built package it is `dist/bin.js`; from
 * source (the tests) it is `src/bin.ts` through tsx with the workspace's source condition.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { childExecArgv } from "../../cli/ChildModules.js"

/** A started `telos` process and what it printed so far. */
export interface TelosProcess {
  /** The launcher's process. */
  readonly launcher: ChildProcess
  /** Everything it wrote to stdout and stderr, in order. */
  readonly output: Array<string>
  /** Its exit: a status, or the signal that ended it. */
  readonly exit: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

const here = dirname(fileURLToPath(import.meta.url))
const fromSource = import.meta.url.endsWith(".ts")

/** The node arguments that run `telos` from this package (built or source). */
export const telosCommand = (): ReadonlyArray<string> => {
  const bin = join(here, "..", "..", fromSource ? "bin.ts" : "bin.js")
  return [...childExecArgv(bin), bin]
}

// The allocator settings are left out so that `telos` restarts itself, as it does for a user.
const childEnvironment = (): NodeJS.ProcessEnv => {
  const { MALLOC_MMAP_THRESHOLD_: _mmap, MALLOC_TRIM_THRESHOLD_: _trim, ...rest } = process.env
  return rest
}

/**
 * Starts `telos <args>` in `cwd`.
 *
 * @example
 * ```ts
 * const run = startTelos(["collect", "--env", "point-mass", "--transitions", "100", "--out", "d"], ".")
 * const { code } = await run.exit
 * ```
 */
export const startTelos = (args: ReadonlyArray<string>, cwd: string): TelosProcess => {
  const launcher = spawn(process.execPath, [...telosCommand(), ...args], {
    cwd,
    env: childEnvironment(),
    // The IPC channel closes if this process dies, which stops the child (see bin.ts).
    stdio: ["ignore", "pipe", "pipe", "ipc"]
  })
  const output: Array<string> = []
  launcher.stdout?.on("data", (chunk) => output.push(String(chunk)))
  launcher.stderr?.on("data", (chunk) => output.push(String(chunk)))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    launcher.once("exit", (code, signal) => resolve({ code, signal }))
    // A process that could not start never exits: its failure is its end.
    launcher.once("error", (error) => {
      output.push(`telos could not start: ${error.message}\n`)
      resolve({ code: null, signal: null })
    })
  })
  return { launcher, output, exit }
}

/**
 * Runs `telos <args>` to its end and returns its status and output; a run past `timeoutMs` is
 * killed and reported with status `null`.
 */
export const runTelos = async (
  args: ReadonlyArray<string>,
  cwd: string,
  timeoutMs = 120_000
): Promise<{ readonly code: number | null; readonly output: string }> => {
  const run = startTelos(args, cwd)
  const timer = setTimeout(() => run.launcher.kill("SIGKILL"), timeoutMs)
  const { code } = await run.exit
  clearTimeout(timer)
  return { code, output: run.output.join("") }
}
