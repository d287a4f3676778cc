import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  claimOutputFolder,
  lockFileName,
  makeDirectory,
  OutputLockedError,
  sweepTemporaries,
  writeFileAtomic
} from "../src/Node.js"

let directory = ""
const sleepers: Array<ChildProcess> = []

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "telos-out-"))
})
afterEach(async () => {
  for (const sleeper of sleepers.splice(0)) sleeper.kill("SIGKILL")
  await rm(directory, { recursive: true, force: true })
})

/** A real process whose pid stays alive until it is killed. */
const liveProcess = async (): Promise<ChildProcess> => {
  const sleeper = spawn("sleep", ["60"], { stdio: "ignore" })
  sleepers.push(sleeper)
  await new Promise((resolve) => sleeper.once("spawn", resolve))
  return sleeper
}

const killAndWait = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

const lockOf = (pid: number, host = hostname()) =>
  `${JSON.stringify({ pid, host, command: "telos train", since: "2026-01-01T00:00:00.000Z" })}\n`

describe("claimOutputFolder", () => {
  it("creates the folder and a lock naming this process, released on demand", async () => {
    const folder = join(directory, "a", "b")
    const claim = await Effect.runPromise(claimOutputFolder(folder, "telos collect"))
    const owner = JSON.parse(await readFile(join(folder, lockFileName), "utf8"))
    expect(owner).toMatchObject({ pid: process.pid, host: hostname(), command: "telos collect" })
    expect(claim.tookOver).toBeUndefined()
    claim.release()
    expect(existsSync(join(folder, lockFileName))).toBe(false)
    // The claim made the folder and nothing was written in it: no trace is left.
    expect(existsSync(folder)).toBe(false)
    // A folder with work in it stays, lock released.
    const again = await Effect.runPromise(claimOutputFolder(folder, "telos collect"))
    await writeFile(join(folder, "dataset.bin"), "x")
    again.release()
    expect(await readdir(folder)).toEqual(["dataset.bin"])
  })

  it("refuses a folder a live process holds, and names it", async () => {
    const owner = await liveProcess()
    await writeFile(join(directory, lockFileName), lockOf(owner.pid as number))
    const exit = await Effect.runPromiseExit(claimOutputFolder(directory, "telos collect"))
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    const failure = error !== undefined && "error" in error ? error.error : undefined
    expect(failure).toBeInstanceOf(OutputLockedError)
    expect((failure as OutputLockedError).message).toContain(`process ${owner.pid}`)
    // The refused claim leaves the owner's lock as it was, and no draft of its own.
    expect(await readFile(join(directory, lockFileName), "utf8")).toBe(lockOf(owner.pid as number))
    expect(await readdir(directory)).toEqual([lockFileName])
  })

  it("refuses a second claim by the same process", async () => {
    const first = await Effect.runPromise(claimOutputFolder(directory, "telos bench"))
    const second = await Effect.runPromiseExit(claimOutputFolder(directory, "telos bench"))
    expect(Exit.isFailure(second)).toBe(true)
    first.release()
    const third = await Effect.runPromise(claimOutputFolder(directory, "telos bench"))
    third.release()
  })

  it("takes over the lock of a process that died, and says whose it was", async () => {
    const owner = await liveProcess()
    const pid = owner.pid as number
    await writeFile(join(directory, lockFileName), lockOf(pid))
    await killAndWait(owner)
    const claim = await Effect.runPromise(claimOutputFolder(directory, "telos collect"))
    expect(claim.tookOver?.pid).toBe(pid)
    expect(JSON.parse(await readFile(join(directory, lockFileName), "utf8")).pid).toBe(process.pid)
    claim.release()
  })

  it("treats an unreadable lock as stale", async () => {
    await writeFile(join(directory, lockFileName), "{ half a lo")
    const claim = await Effect.runPromise(claimOutputFolder(directory, "telos collect"))
    expect(claim.tookOver).toBeDefined()
    claim.release()
  })

  it("refuses a lock from another host, whose liveness it cannot see, and says how to clear it", async () => {
    await writeFile(join(directory, lockFileName), lockOf(1, "another-host"))
    const exit = await Effect.runPromiseExit(claimOutputFolder(directory, "telos collect"))
    expect(Exit.isFailure(exit) ? String(exit.cause) : "").toMatch(/another-host.*remove/)
  })

  it("is not fooled by a file where the folder should be", async () => {
    const file = join(directory, "file")
    await writeFile(file, "x")
    const exit = await Effect.runPromiseExit(claimOutputFolder(file, "telos collect"))
    expect(Exit.isFailure(exit) ? String(exit.cause) : "").toContain("not a directory")
  })
})

describe("claimOutputFolder with the lock beside the folder", () => {
  it("keeps the lock when the folder is replaced whole, and sweeps only that folder's temporaries beside it", async () => {
    const dead = await liveProcess()
    const deadPid = dead.pid as number
    await killAndWait(dead)
    const model = join(directory, "model")
    const ours = `.model.${deadPid}.1700000000000.0.tmp`
    const theirs = `.other.${deadPid}.1700000000000.0.tmp`
    await mkdir(join(directory, ours))
    await writeFile(join(directory, theirs), "x")
    const claim = await Effect.runPromise(claimOutputFolder(model, "telos train", { lockBeside: true }))
    expect(claim.swept).toEqual([ours])
    expect((await readdir(directory)).sort()).toEqual([".model.telos.lock", theirs, "model"].sort())
    // A checkpoint save swaps the whole folder: the lock is not in it, so it stays.
    await rm(model, { recursive: true })
    await mkdir(model)
    const second = await Effect.runPromiseExit(claimOutputFolder(model, "telos train", { lockBeside: true }))
    expect(Exit.isFailure(second)).toBe(true)
    claim.release()
    expect(existsSync(join(directory, ".model.telos.lock"))).toBe(false)
  })
})

describe("makeDirectory", () => {
  it.runIf(existsSync("/proc/self"))(
    "fails at once under /proc, where Node's recursive mkdir spins",
    async () => {
      const exit = await Effect.runPromiseExit(makeDirectory("/proc/telos-test/deeper"))
      expect(Exit.isFailure(exit) ? String(exit.cause) : "").toContain("cannot create the folder")
      const atomic = await Effect.runPromiseExit(writeFileAtomic("/proc/telos-test/results.json", "{}"))
      expect(Exit.isFailure(atomic)).toBe(true)
    }
  )

  it("creates missing parents and accepts existing ones", async () => {
    const deep = join(directory, "x", "y", "z")
    await Effect.runPromise(makeDirectory(deep))
    await Effect.runPromise(makeDirectory(deep))
    expect(existsSync(deep)).toBe(true)
  })
})

describe("sweepTemporaries", () => {
  it("removes what dead processes left half-written and keeps everything else", async () => {
    const dead = await liveProcess()
    const deadPid = dead.pid as number
    await killAndWait(dead)
    const stale = [
      `.dataset.bin.${deadPid}.1700000000000.0.observations.part`,
      `.dataset.bin.${deadPid}.1700000000000.0.tmp`,
      `.results.json.${deadPid}.1700000000000.3.tmp`
    ]
    const staleFolder = `.checkpoint.${deadPid}.1700000000000.1.tmp`
    const kept = [
      "dataset.bin",
      `.dataset.bin.${process.pid}.1700000000000.0.tmp`,
      ".checkpoint.previous",
      "notes.tmp"
    ]
    for (const name of [...stale, ...kept]) await writeFile(join(directory, name), "x")
    await mkdir(join(directory, staleFolder))
    await writeFile(join(directory, staleFolder, "weights.bin"), "x")
    const removed = await Effect.runPromise(sweepTemporaries(directory))
    expect([...removed].sort()).toEqual([...stale, staleFolder].sort())
    expect((await readdir(directory)).sort()).toEqual([...kept].sort())
  })
})
