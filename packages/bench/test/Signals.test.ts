import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { readdir, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { join } from "node:path"
import { setTimeout as delay } from "node:timers/promises"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { repositoryRoot, scratchDirectory } from "./fixtures/workspace.js"

// The real executable from source (tsx, with the workspace's source condition), without the
// allocator settings, so that it restarts itself as launcher and worker as a user's `telos` does.
const tsx = createRequire(join(repositoryRoot, "packages", "bench", "package.json")).resolve("tsx")
const bin = join(repositoryRoot, "packages", "bench", "src", "bin.ts")
const { MALLOC_MMAP_THRESHOLD_: _mmap, MALLOC_TRIM_THRESHOLD_: _trim, ...environment } = process.env

interface Launched {
  readonly launcher: ChildProcess
  readonly output: Array<string>
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const launch = (args: ReadonlyArray<string>): Launched => {
  const launcher = spawn(
    process.execPath,
    ["--conditions=@telos/source", "--import", join(tsx, "..", "loader.mjs"), bin, ...args],
    { cwd: repositoryRoot, env: { ...environment, TELOS_BACKEND: "cpu" }, stdio: ["ignore", "pipe", "pipe"] }
  )
  const output: Array<string> = []
  launcher.stdout?.on("data", (chunk) => output.push(String(chunk)))
  launcher.stderr?.on("data", (chunk) => output.push(String(chunk)))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    launcher.once("exit", (code, signal) => resolve({ code, signal }))
  )
  return { launcher, output, exit }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until the folder holds a part file: the worker is writing the dataset. */
const untilWriting = async (folder: string): Promise<number> => {
  for (let waited = 0; waited < 60_000; waited += 50) {
    const names = await readdir(folder).catch(() => [] as Array<string>)
    const part = names.find((name) => name.endsWith(".part"))
    if (part !== undefined) return Number(part.split(".").at(-5))
    await delay(50)
  }
  throw new Error(`nothing was written in ${folder}`)
}

let folder = ""
beforeEach(async () => {
  folder = await scratchDirectory("signals")
})
afterEach(async () => {
  await rm(folder, { recursive: true, force: true })
})

const collectArgs = (out: string) => [
  "collect",
  "--env",
  "point-mass",
  "--transitions",
  "50000000",
  "--out",
  out
]

describe("telos under signals (real processes)", () => {
  it("forwards SIGINT to its worker, which stops at a safe point, removes its temporaries and exits 130", async () => {
    const out = join(folder, "data")
    const run = launch(collectArgs(out))
    const worker = await untilWriting(out)
    expect(worker).not.toBe(run.launcher.pid)
    run.launcher.kill("SIGINT")
    const { code } = await run.exit
    expect(code, run.output.join("")).toBe(130)
    expect(run.output.join("")).toContain("interrupted by SIGINT")
    expect(alive(worker)).toBe(false)
    // Nothing half-written, no lock: the folder the run made is gone again.
    expect(existsSync(out)).toBe(false)
  }, 90_000)

  it("stops its worker when the launcher itself is killed with SIGKILL; the next run finds the folder free", async () => {
    const out = join(folder, "data")
    const run = launch(collectArgs(out))
    const worker = await untilWriting(out)
    run.launcher.kill("SIGKILL")
    await run.exit
    for (let waited = 0; alive(worker) && waited < 30_000; waited += 50) await delay(50)
    expect(alive(worker)).toBe(false)
    expect(existsSync(join(out, "dataset.bin"))).toBe(false)
    // A worker stopped at a safe point removes its part files, its lock and the folder it made.
    expect(existsSync(out)).toBe(false)
  }, 90_000)
})
