import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { readdir, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { setTimeout as delay } from "node:timers/promises"
import { processAlive } from "@telos/core/node"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { startTelos, telosCommand } from "../src/suites/faults/TelosProcess.js"
import { repositoryRoot, scratchDirectory } from "./fixtures/workspace.js"

// The real executable, from source, started as a user's `telos` is: it restarts itself as
// launcher and worker (see TelosProcess.ts).
const launch = (args: ReadonlyArray<string>) => startTelos(args, repositoryRoot)

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
    expect(processAlive(worker)).toBe(false)
    // Nothing half-written, no lock: the folder the run made is gone again.
    expect(existsSync(out)).toBe(false)
  }, 90_000)

  it("takes a signal delivered twice within a second (pkill -f telos reaches launcher and worker) as one stop; a later one stops at once", async () => {
    // A process that only waits, stopping on signals as the worker does.
    const script = join(folder, "waits.ts")
    const signals = join(repositoryRoot, "packages", "bench", "src", "cli", "Signals.ts")
    await writeFile(
      script,
      `import { stopOnSignals } from ${JSON.stringify(signals)}\nstopOnSignals((line) => console.log(line))\nsetInterval(() => {}, 1000)\nconsole.log("ready")\n`
    )
    const child = spawn(process.execPath, [...telosCommand().slice(0, 3), script], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    const lines: Array<string> = []
    child.stdout.on("data", (chunk) => lines.push(...String(chunk).trim().split("\n")))
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    while (!lines.includes("ready")) await delay(20)
    child.kill("SIGTERM")
    await delay(150)
    child.kill("SIGTERM")
    await delay(300)
    expect(child.exitCode).toBeNull()
    expect(lines.filter((line) => line.includes("stopping at the next safe point"))).toHaveLength(1)
    await delay(900)
    child.kill("SIGTERM")
    expect(await exit).toBe(143)
    expect(lines.at(-1)).toContain("again, stopping now")
  }, 60_000)

  it("stops its worker when the launcher itself is killed with SIGKILL; the next run finds the folder free", async () => {
    const out = join(folder, "data")
    const run = launch(collectArgs(out))
    const worker = await untilWriting(out)
    run.launcher.kill("SIGKILL")
    await run.exit
    for (let waited = 0; processAlive(worker) && waited < 30_000; waited += 50) await delay(50)
    expect(processAlive(worker)).toBe(false)
    expect(existsSync(join(out, "dataset.bin"))).toBe(false)
    // A worker stopped at a safe point removes its part files, its lock and the folder it made.
    expect(existsSync(out)).toBe(false)
  }, 90_000)
})
