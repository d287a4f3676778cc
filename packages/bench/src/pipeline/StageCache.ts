/**
 * The pipeline's stage cache: each stage's output lives in a folder named by the hash of the
 * stage's configuration and of its inputs' keys, so a rerun finds what is finished and a changed
 * setting misses only the stages that depend on it. A stage writes into a private temporary
 * folder and renames it into place when it has finished: a crash, a signal or a failing stage
 * leaves no half-written entry, and an entry once in place is never rewritten.
 *
 * @module
 */
import { createHash } from "node:crypto"
import { readdir, readFile, rename, rm, stat } from "node:fs/promises"
import { join } from "node:path"
import { FileError } from "@telos/core"
import { makeDirectory, processAlive, writeFileAtomic } from "@telos/core/node"
import { Effect } from "effect"

/** JSON with its object keys sorted, so equal values hash equally whatever their key order. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.keys(inner)
            .sort()
            .map((key) => [key, (inner as Record<string, unknown>)[key]])
        )
      : inner
  )

/**
 * The key of a stage: a hash of its name, its settings and the keys of the stages it reads.
 *
 * @example
 * ```ts
 * const key = stageKey("collect", { env: "point-mass", transitions: 20000 }, [])
 * ```
 */
export const stageKey = (stage: string, settings: unknown, inputs: ReadonlyArray<string>): string =>
  createHash("sha256")
    .update(canonicalJson({ stage, settings, inputs, format: 2 }))
    .digest("hex")
    .slice(0, 24)

/** Where one stage's entry lives and whether it was found there. */
export interface StageEntry {
  /** The stage's name. */
  readonly stage: string
  /** The cache key of its output (see {@link stageKey}). */
  readonly key: string
  /** The entry's folder (in place once finished). */
  readonly directory: string
  /** Whether the entry was in the cache already. */
  readonly cached: boolean
  /** Seconds the stage took to build (0 when cached). */
  readonly seconds: number
}

const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

const fileError = (path: string, error: unknown): FileError =>
  new FileError({
    path,
    reason: (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""
  })

/** The marker file a finished entry holds; an entry without it is not used. */
export const stageMarker = "stage.json"

let temporaryCounter = 0

/** Removes the partial folders of `key` whose process has died (killed in the middle of a build). */
const removeAbandoned = async (folder: string, key: string): Promise<void> => {
  let names: ReadonlyArray<string>
  try {
    names = await readdir(folder)
  } catch {
    return
  }
  const prefix = `${key}.partial-`
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(name.slice(prefix.length).split("-")[0])
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) {
      await rm(join(folder, name), { recursive: true, force: true })
    }
  }
}

/**
 * The entry of `stage` under `root`: found when a finished one is there, built by `build` (which
 * writes into the folder it is given) otherwise. Returns the entry once it is in place.
 *
 * @example
 * ```ts
 * const entry = await cachedStage("runs/cache", "collect", key, async (directory) => { await collectInto(directory) })
 * entry.cached // true on a second run
 * ```
 */
export const cachedStage = async (
  root: string,
  stage: string,
  key: string,
  build: (directory: string) => Promise<void>
): Promise<StageEntry> => {
  const directory = join(root, stage, key)
  if (await exists(join(directory, stageMarker))) {
    return { stage, key, directory, cached: true, seconds: 0 }
  }
  await removeAbandoned(join(root, stage), key)
  const temporary = `${directory}.partial-${process.pid}-${temporaryCounter++}`
  const started = performance.now()
  try {
    await Effect.runPromise(makeDirectory(temporary))
  } catch (error) {
    throw fileError(temporary, error)
  }
  try {
    await build(temporary)
    await Effect.runPromise(
      writeFileAtomic(
        join(temporary, stageMarker),
        `${JSON.stringify({ stage, key, finishedAt: new Date().toISOString() })}\n`
      )
    )
  } catch (error) {
    await rm(temporary, { recursive: true, force: true })
    throw error
  }
  const seconds = (performance.now() - started) / 1000
  try {
    // An entry that is not finished (no marker) is stale, from a process that died while renaming.
    if ((await exists(directory)) && !(await exists(join(directory, stageMarker)))) {
      await rm(directory, { recursive: true, force: true })
    }
    await rename(temporary, directory)
  } catch (error) {
    await rm(temporary, { recursive: true, force: true })
    // Another process finished the same entry first: its copy is as good as ours.
    if (await exists(join(directory, stageMarker))) return { stage, key, directory, cached: false, seconds }
    throw fileError(directory, error)
  }
  return { stage, key, directory, cached: false, seconds }
}

/**
 * Reads a JSON file of a stage's entry.
 *
 * @example
 * ```ts
 * const rows = await readStageJson(entry.directory, "rows.json")
 * ```
 */
export const readStageJson = async (directory: string, name: string): Promise<unknown> => {
  const path = join(directory, name)
  try {
    return JSON.parse(await readFile(path, "utf8"))
  } catch (error) {
    throw fileError(path, error)
  }
}

/**
 * Writes a JSON file into a stage's folder (atomically).
 *
 * @example
 * ```ts
 * await writeStageJson(directory, "rows.json", rows)
 * ```
 */
export const writeStageJson = (directory: string, name: string, value: unknown): Promise<void> =>
  Effect.runPromise(writeFileAtomic(join(directory, name), `${JSON.stringify(value)}\n`))
