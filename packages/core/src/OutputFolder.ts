/**
 * One writer per output folder. `collect`, `train`, `bench` and `run` claim their `--out` folder
 * before they spend any compute: the claim creates the folder, takes its lock file (the owner's
 * pid, host and command) and removes the temporaries that killed runs left there. A lock whose
 * owner is gone is taken over with a notice; a live owner's is an {@link OutputLockedError}.
 *
 * @module
 */
import { linkSync, readFileSync, rmdirSync, unlinkSync } from "node:fs"
import { lstat, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { hostname } from "node:os"
import { basename, dirname, join, resolve } from "node:path"
import { Data, Effect } from "effect"
import { FileError } from "./Errors.js"

/** The lock file's name inside a claimed folder (`.<folder>.telos.lock` beside one, see {@link ClaimOptions}). */
export const lockFileName = ".telos.lock"

/** What a lock file records about its owner. */
export interface LockOwner {
  /** The owner's process id. */
  readonly pid: number
  /** The host it runs on (a pid says nothing about a process on another machine). */
  readonly host: string
  /** What it runs, e.g. `telos train`. */
  readonly command: string
  /** When it took the lock (ISO 8601). */
  readonly since: string
}

/**
 * Another live process writes to the folder.
 *
 * @example
 * ```ts
 * new OutputLockedError({ directory: "runs/a", owner: { pid: 42, host: "h", command: "telos train", since: "..." }, lockFile: "runs/a/.telos.lock" })
 * ```
 */
export class OutputLockedError extends Data.TaggedError("OutputLockedError")<{
  /** The folder asked for. */
  readonly directory: string
  /** Who holds it. */
  readonly owner: LockOwner
  /** The lock file, to remove by hand if its owner is known to be gone (another host). */
  readonly lockFile: string
}> {
  /** Names the folder, the owner and what to do. */
  override get message(): string {
    const { owner } = this
    const where =
      owner.host === hostname()
        ? `process ${owner.pid}`
        : `process ${owner.pid} on host ${owner.host} (if it is gone, remove ${this.lockFile})`
    return `${this.directory} is in use by ${where}, running "${owner.command}" since ${owner.since}; use another output folder or wait for it to finish`
  }
}

/** How to claim a folder. */
export interface ClaimOptions {
  /**
   * Keep the lock beside the folder (`.<name>.telos.lock` in its parent) instead of inside it: for
   * a folder that is itself replaced as a whole, as a checkpoint directory is on every save. The
   * parent's temporaries of that folder (`.<name>.*.tmp`) are swept too.
   */
  readonly lockBeside?: boolean | undefined
}

/** A claimed output folder. */
export interface OutputClaim {
  /** The folder. */
  readonly directory: string
  /** The owner whose stale lock was taken over, when there was one. */
  readonly tookOver: LockOwner | undefined
  /** Temporaries of killed runs that were removed (names inside the folder). */
  readonly swept: ReadonlyArray<string>
  /**
   * Releases the lock (also released when the process exits), and removes the folder when the
   * claim made it and it is still empty.
   */
  readonly release: () => void
}

const reasonOf = (error: unknown): string =>
  error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)

/** Whether `pid` names a live process on this host. */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as { code?: unknown }).code === "EPERM"
  }
}

const maximumDepth = 256

/**
 * Creates `path` and its missing parents. Node's own `mkdir(path, { recursive: true })` spins
 * forever where a parent exists but refuses children (`/proc`); this walks up to the nearest
 * existing ancestor once and creates each level below it, so every failure is a `FileError`
 * naming the path.
 *
 * @example
 * ```ts
 * await Effect.runPromise(makeDirectory("runs/a/b"))
 * ```
 */
export const makeDirectory = (path: string): Effect.Effect<void, FileError> =>
  Effect.tryPromise({
    try: async () => {
      const missing: Array<string> = []
      let current = resolve(path)
      while (true) {
        const found = await lstat(current).catch((error: { code?: unknown }) => {
          if (error.code === "ENOENT") return undefined
          throw error
        })
        if (found !== undefined) {
          if (!found.isDirectory()) throw new Error(`${current} exists and is not a directory`)
          break
        }
        missing.push(current)
        const parent = dirname(current)
        if (parent === current || missing.length > maximumDepth) break
        current = parent
      }
      for (const directory of missing.reverse()) {
        await mkdir(directory).catch((error: { code?: unknown }) => {
          // Another process made it in between: as good as ours.
          if (error.code !== "EEXIST") throw error
        })
      }
    },
    catch: (error) => new FileError({ path, reason: `cannot create the folder: ${reasonOf(error)}` })
  })

// `.<name>.<pid>.<time>.<counter>[.<part>].tmp|part`: the temporaries of telos's atomic writes.
const temporaryPattern = /^\..+\.(\d+)\.\d+\.\d+(\.[^.]+)?\.(tmp|part)$/

/**
 * Removes the temporaries that dead processes left in `directory` (atomic writes' `.tmp` files and
 * folders, datasets' `.part` files) and returns their names; with `prefix`, only those whose name
 * starts with it. A live process's are left alone.
 *
 * @example
 * ```ts
 * const removed = await Effect.runPromise(sweepTemporaries("runs/a"))
 * ```
 */
export const sweepTemporaries = (
  directory: string,
  prefix = "."
): Effect.Effect<ReadonlyArray<string>, FileError> =>
  Effect.tryPromise({
    try: async () => {
      const removed: Array<string> = []
      for (const name of await readdir(directory)) {
        if (!name.startsWith(prefix)) continue
        const match = temporaryPattern.exec(name)
        if (match === null) continue
        const pid = Number(match[1])
        if (pid === process.pid || processAlive(pid)) continue
        await rm(join(directory, name), { recursive: true, force: true })
        removed.push(name)
      }
      return removed
    },
    catch: (error) =>
      new FileError({ path: directory, reason: `cannot clear temporaries: ${reasonOf(error)}` })
  })

/**
 * Where the lock of `directory` is: inside it, or beside it with `lockBeside`.
 *
 * @example
 * ```ts
 * lockFilePath("runs/model", { lockBeside: true }) // "/abs/runs/.model.telos.lock"
 * ```
 */
export const lockFilePath = (directory: string, options: ClaimOptions = {}): string =>
  options.lockBeside === true
    ? join(dirname(resolve(directory)), `.${basename(resolve(directory))}${lockFileName}`)
    : join(directory, lockFileName)

/**
 * The owner a lock file names, or `undefined` when there is none or it cannot be read.
 *
 * @example
 * ```ts
 * (await readLockOwner(lockFilePath("runs/a")))?.pid
 * ```
 */
export const readLockOwner = async (lockFile: string): Promise<LockOwner | undefined> =>
  parseOwner(await readFile(lockFile, "utf8").catch(() => ""))

const parseOwner = (text: string): LockOwner | undefined => {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>
    if (
      typeof value.pid === "number" &&
      Number.isInteger(value.pid) &&
      value.pid > 0 &&
      typeof value.host === "string" &&
      typeof value.command === "string" &&
      typeof value.since === "string"
    ) {
      return value as LockOwner
    }
  } catch {
    // An unreadable lock has no owner to protect: it is stale.
  }
  return undefined
}

const held = new Set<string>()
let exitHookInstalled = false

const releaseLock = (lockFile: string): void => {
  if (!held.delete(lockFile)) return
  try {
    const owner = parseOwner(readFileSync(lockFile, "utf8"))
    if (owner?.pid === process.pid && owner.host === hostname()) unlinkSync(lockFile)
  } catch {
    // Already gone.
  }
}

const installExitHook = (): void => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Synchronous on purpose: `exit` handlers cannot wait.
  process.on("exit", () => {
    for (const lockFile of [...held]) releaseLock(lockFile)
  })
}

/**
 * Claims `directory` for `command`: creates it, takes its lock, sweeps dead runs' temporaries.
 * Fails with an `OutputLockedError` while a live process holds it, a `FileError` when the folder
 * cannot be made or written.
 *
 * @example
 * ```ts
 * const claim = await Effect.runPromise(claimOutputFolder("runs/a", "telos collect"))
 * try { await work() } finally { claim.release() }
 * ```
 */
export const claimOutputFolder = (
  directory: string,
  command: string,
  options: ClaimOptions = {}
): Effect.Effect<OutputClaim, FileError | OutputLockedError> =>
  Effect.gen(function* () {
    const existed = yield* Effect.promise(() =>
      lstat(directory).then(
        () => true,
        () => false
      )
    )
    yield* makeDirectory(directory)
    const beside = options.lockBeside === true
    const lockFile = lockFilePath(directory, options)
    const taken = yield* Effect.tryPromise({
      try: () => takeLock(directory, lockFile, dirname(lockFile), command),
      catch: (error) =>
        error instanceof OutputLockedError
          ? error
          : new FileError({ path: lockFile, reason: `cannot take the lock: ${reasonOf(error)}` })
    })
    held.add(lockFile)
    installExitHook()
    const swept = yield* Effect.all([
      sweepTemporaries(directory),
      beside ? sweepTemporaries(dirname(lockFile), `.${basename(resolve(directory))}.`) : Effect.succeed([])
    ]).pipe(
      Effect.map(([inside, besideIt]) => [...inside, ...besideIt]),
      Effect.tapError(() => Effect.sync(() => releaseLock(lockFile)))
    )
    const release = () => {
      releaseLock(lockFile)
      // A run that made the folder and wrote nothing in it leaves no trace of itself.
      if (!existed) {
        try {
          rmdirSync(directory)
        } catch {
          // Not empty, or already gone: left as it is.
        }
      }
    }
    return { directory, tookOver: taken.tookOver, swept, release }
  })

/** Takes the lock file, or throws an `OutputLockedError` naming its live owner. */
const takeLock = async (
  directory: string,
  lockFile: string,
  lockFolder: string,
  command: string
): Promise<{ readonly tookOver: LockOwner | undefined }> => {
  const me: LockOwner = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() }
  // The owner's record is complete before the lock exists: written aside, then hard-linked into
  // place, which fails when a lock is there (no reader ever sees half a lock).
  const draft = join(lockFolder, `.telos.lock.${process.pid}.${Date.now()}.0.tmp`)
  await writeFile(draft, `${JSON.stringify(me)}\n`)
  let tookOver: LockOwner | undefined
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, lockFile)
        return { tookOver }
      } catch (error) {
        if ((error as { code?: unknown }).code !== "EEXIST" || attempt >= 3) throw error
      }
      const text = await readFile(lockFile, "utf8").catch(() => "")
      const owner = parseOwner(text)
      if (owner !== undefined && owner.host !== hostname()) {
        throw new OutputLockedError({ directory, owner, lockFile })
      }
      if (owner !== undefined && (owner.pid === process.pid || processAlive(owner.pid))) {
        throw new OutputLockedError({ directory, owner, lockFile })
      }
      tookOver = owner ?? { pid: 0, host: hostname(), command: "unknown (unreadable lock)", since: "" }
      // Only the stale record read above is removed, not a lock another claimant just took.
      const again = await readFile(lockFile, "utf8").catch(() => "")
      if (again === text) await rm(lockFile, { force: true })
    }
  } finally {
    await rm(draft, { force: true })
  }
}
