import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { FileError } from "@telos/core"
import * as fc from "fast-check"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  cachedStage,
  readStageJson,
  stageKey,
  stageMarker,
  writeStageJson
} from "../src/pipeline/StageCache.js"

const benchRoot = join(dirname(fileURLToPath(import.meta.url)), "..")
const stageCacheSource = join(benchRoot, "src", "pipeline", "StageCache.ts")

/** tsx's ESM API (`tsImport`), resolved as the bench package resolves it. */
const tsxApi = (): string => {
  const resolved = createRequire(join(benchRoot, "package.json")).resolve("tsx/esm/api")
  const esm = join(dirname(resolved), "index.mjs")
  return pathToFileURL(existsSync(esm) ? esm : resolved).href
}

/** The same JSON with every object's keys sorted: the test's own notion of "the same settings". */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.keys(inner)
            .sort()
            .map((name) => [name, (inner as Record<string, unknown>)[name]])
        )
      : inner
  )

/** `value` with every object's keys in reverse order, then rotated by `turn`. */
const reorder = (value: unknown, turn: number): unknown => {
  if (Array.isArray(value)) return value.map((item) => reorder(item, turn))
  if (typeof value !== "object" || value === null) return value
  const entries = Object.entries(value).reverse()
  const shift = entries.length === 0 ? 0 : turn % entries.length
  return Object.fromEntries(
    [...entries.slice(shift), ...entries.slice(0, shift)].map(([name, inner]) => [
      name,
      reorder(inner, turn + 1)
    ])
  )
}

const settingsArbitrary = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }),
  fc.jsonValue({ maxDepth: 3 }),
  {
    minKeys: 1,
    maxKeys: 6
  }
)
const inputsArbitrary = fc.array(fc.stringMatching(/^[0-9a-f]{24}$/), { maxLength: 3 })

describe("stageKey", () => {
  it("is 24 hex digits and the same whatever the settings' key order (property)", () => {
    fc.assert(
      fc.property(
        fc.string(),
        settingsArbitrary,
        inputsArbitrary,
        fc.nat(10),
        (stage, settings, inputs, turn) => {
          const key = stageKey(stage, settings, inputs)
          expect(key).toMatch(/^[0-9a-f]{24}$/)
          expect(stageKey(stage, reorder(settings, turn), [...inputs])).toBe(key)
          expect(stageKey(stage, JSON.parse(JSON.stringify(settings)), inputs)).toBe(key)
        }
      )
    )
  })

  it("changes when any one setting changes (property)", () => {
    fc.assert(
      fc.property(
        fc.string(),
        settingsArbitrary,
        inputsArbitrary,
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        (stage, settings, inputs, pick, replacement) => {
          const names = Object.keys(settings)
          const name = names[pick % names.length] as string
          fc.pre(canonical(settings[name]) !== canonical(replacement))
          const changed = { ...settings, [name]: replacement }
          expect(stageKey(stage, changed, inputs)).not.toBe(stageKey(stage, settings, inputs))
        }
      )
    )
  })

  it("changes when a setting is added, an input changes or the stage differs (property)", () => {
    fc.assert(
      fc.property(
        settingsArbitrary,
        inputsArbitrary,
        fc.stringMatching(/^[0-9a-f]{24}$/),
        fc.string({ minLength: 1, maxLength: 6 }),
        (settings, inputs, extra, added) => {
          const key = stageKey("collect", settings, inputs)
          expect(stageKey("train", settings, inputs)).not.toBe(key)
          expect(stageKey("collect", settings, [...inputs, extra])).not.toBe(key)
          if (inputs.length > 0) {
            fc.pre(extra !== inputs[0])
            expect(stageKey("collect", settings, [extra, ...inputs.slice(1)])).not.toBe(key)
          }
          if (!(added in settings))
            expect(stageKey("collect", { ...settings, [added]: 0 }, inputs)).not.toBe(key)
        }
      )
    )
  })

  it("tells nested settings and input order apart", () => {
    const base = stageKey("world-model", { worldModel: { epochs: 10, lossWeights: { variance: 25 } } }, [
      "a",
      "b"
    ])
    expect(
      stageKey("world-model", { worldModel: { epochs: 10, lossWeights: { variance: 24 } } }, ["a", "b"])
    ).not.toBe(base)
    expect(
      stageKey("world-model", { worldModel: { epochs: 10, lossWeights: { variance: 25 } } }, ["b", "a"])
    ).not.toBe(base)
    expect(
      stageKey("world-model", { worldModel: { lossWeights: { variance: 25 }, epochs: 10 } }, ["a", "b"])
    ).toBe(base)
  })
})

let root = ""
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "telos-stage-cache-"))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

let folderCounter = 0
const freshRoot = async (): Promise<string> => {
  const folder = join(root, `case-${folderCounter++}`)
  await mkdir(folder, { recursive: true })
  return folder
}

const partials = async (folder: string): Promise<ReadonlyArray<string>> => {
  try {
    return (await readdir(folder)).filter((name) => name.includes(".partial-"))
  } catch {
    return []
  }
}

const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

describe("cachedStage", () => {
  it("builds once into a private folder, then returns the entry as cached without building", async () => {
    const cache = await freshRoot()
    const final = join(cache, "collect", "key-1")
    const built: Array<string> = []
    const buildOf = (key: string) => async (directory: string) => {
      built.push(directory)
      expect(directory).not.toBe(join(cache, "collect", key))
      // Nothing is in place while the stage builds.
      expect(await exists(join(cache, "collect", key))).toBe(false)
      await writeStageJson(directory, "rows.json", { rows: [1, 2, 3] })
    }
    const build = buildOf("key-1")
    const first = await cachedStage(cache, "collect", "key-1", build)
    expect(first).toMatchObject({ stage: "collect", key: "key-1", directory: final, cached: false })
    expect(first.seconds).toBeGreaterThanOrEqual(0)
    expect(built).toHaveLength(1)
    expect(await readStageJson(final, "rows.json")).toEqual({ rows: [1, 2, 3] })
    const marker = (await readStageJson(final, stageMarker)) as Record<string, unknown>
    expect(marker).toMatchObject({ stage: "collect", key: "key-1" })
    const second = await cachedStage(cache, "collect", "key-1", build)
    expect(second).toEqual({ stage: "collect", key: "key-1", directory: final, cached: true, seconds: 0 })
    expect(built).toHaveLength(1)
    expect(await partials(join(cache, "collect"))).toEqual([])
    // Another key is another entry.
    expect((await cachedStage(cache, "collect", "key-2", buildOf("key-2"))).cached).toBe(false)
    expect(built).toHaveLength(2)
  })

  it("leaves nothing behind when the build throws, and builds again on the next call", async () => {
    const cache = await freshRoot()
    const failure = new Error("stage exploded")
    await expect(
      cachedStage(cache, "train", "k", async (directory) => {
        await writeFile(join(directory, "half.bin"), "half")
        throw failure
      })
    ).rejects.toBe(failure)
    expect(await exists(join(cache, "train", "k"))).toBe(false)
    expect(await partials(join(cache, "train"))).toEqual([])
    let calls = 0
    const entry = await cachedStage(cache, "train", "k", async (directory) => {
      calls++
      await writeFile(join(directory, "whole.bin"), "whole")
    })
    expect(calls).toBe(1)
    expect(entry.cached).toBe(false)
    expect(await readdir(entry.directory)).toEqual(expect.arrayContaining(["whole.bin", stageMarker]))
    expect(await readdir(entry.directory)).not.toContain("half.bin")
  })

  it("does not trust an entry folder without its marker: it is rebuilt whole", async () => {
    const cache = await freshRoot()
    const stale = join(cache, "levels", "k")
    await mkdir(stale, { recursive: true })
    await writeFile(join(stale, "stale.txt"), "from a process that died")
    let calls = 0
    const entry = await cachedStage(cache, "levels", "k", async (directory) => {
      calls++
      await writeFile(join(directory, "fresh.txt"), "fresh")
    })
    expect(calls).toBe(1)
    expect(entry).toMatchObject({ directory: stale, cached: false })
    expect((await readdir(stale)).sort()).toEqual(["fresh.txt", stageMarker].sort())
    expect((await cachedStage(cache, "levels", "k", async () => undefined)).cached).toBe(true)
  })

  it("reports an unreadable stage file as a FileError naming it", async () => {
    const cache = await freshRoot()
    const error = await readStageJson(cache, "missing.json").catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(FileError)
    expect((error as FileError).path).toBe(join(cache, "missing.json"))
  })
})

/** A script that builds one entry through the real module, in its own process. */
const childScript = `
import { readdir, readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
const [api, source, root, tag, barrier, mode] = process.argv.slice(2)
const { tsImport } = await import(api)
const { cachedStage } = await tsImport(source, import.meta.url)
const sleep = (ms) => new Promise((done) => setTimeout(done, ms))
const entry = await cachedStage(root, "collect", "shared-key", async (directory) => {
  await writeFile(join(directory, "first.txt"), tag)
  await writeFile(join(barrier, "started-" + tag), "")
  if (mode === "hang") {
    await sleep(120000)
    return
  }
  // Both processes are inside their builds before either finishes: a real race to rename.
  const deadline = Date.now() + 30000
  while ((await readdir(barrier)).filter((name) => name.startsWith("started-")).length < 2) {
    if (Date.now() > deadline) throw new Error("the other process never started building")
    await sleep(10)
  }
  await sleep(Math.floor(Math.random() * 20))
  await writeFile(join(directory, "second.txt"), tag)
})
const content = [
  await readFile(join(entry.directory, "first.txt"), "utf8"),
  await readFile(join(entry.directory, "second.txt"), "utf8")
]
process.stdout.write(JSON.stringify({ cached: entry.cached, directory: entry.directory, content }) + "\\n")
`

interface ChildRun {
  readonly child: ChildProcess
  readonly done: Promise<{
    readonly code: number | null
    readonly signal: string | null
    readonly out: string
    readonly err: string
  }>
}

const children: Array<ChildProcess> = []

const runChild = (script: string, args: ReadonlyArray<string>): ChildRun => {
  // The source condition makes the child load @telos/core from source too (as vitest does): no build needed.
  const child = spawn(process.execPath, ["--conditions=@telos/source", script, ...args], {
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  let out = ""
  let err = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString()
  })
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>(
    (resolve) => {
      child.on("close", (code, signal) => resolve({ code, signal, out, err }))
    }
  )
  return { child, done }
}

const waitFor = async (path: string, seconds: number): Promise<void> => {
  const deadline = Date.now() + seconds * 1000
  while (!(await exists(path))) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${seconds} s`)
    await new Promise((done) => setTimeout(done, 20))
  }
}

describe("cachedStage across processes", () => {
  let script = ""
  beforeAll(async () => {
    script = join(await freshRoot(), "build-entry.mjs")
    await writeFile(script, childScript)
  })
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  })

  it("two processes racing to build the same entry both succeed and leave one whole entry", async () => {
    const cache = await freshRoot()
    const barrier = await freshRoot()
    const runs = ["alpha", "beta"].map((tag) =>
      runChild(script, [tsxApi(), pathToFileURL(stageCacheSource).href, cache, tag, barrier, "race"])
    )
    const results = await Promise.all(runs.map((run) => run.done))
    for (const result of results) expect(result, result.err).toMatchObject({ code: 0 })
    const reports = results.map(
      (result) =>
        JSON.parse(result.out.trim()) as {
          cached: boolean
          directory: string
          content: ReadonlyArray<string>
        }
    )
    const entry = join(cache, "collect", "shared-key")
    // Both built (neither found a finished entry), and both were handed the one entry in place.
    expect(reports.map((report) => report.cached)).toEqual([false, false])
    expect(reports.map((report) => report.directory)).toEqual([entry, entry])
    expect(await readdir(join(cache, "collect"))).toEqual(["shared-key"])
    const first = await readFile(join(entry, "first.txt"), "utf8")
    const second = await readFile(join(entry, "second.txt"), "utf8")
    expect(["alpha", "beta"]).toContain(first)
    // One build whole, not a mix of the two.
    expect(second).toBe(first)
    expect((await readdir(entry)).sort()).toEqual(["first.txt", "second.txt", stageMarker].sort())
    for (const report of reports) expect(report.content).toEqual([first, first])
  }, 40_000)

  it("a process killed in the middle of a build leaves no finished entry; the next call builds one", async () => {
    const cache = await freshRoot()
    const barrier = await freshRoot()
    const run = runChild(script, [
      tsxApi(),
      pathToFileURL(stageCacheSource).href,
      cache,
      "doomed",
      barrier,
      "hang"
    ])
    await waitFor(join(barrier, "started-doomed"), 25)
    run.child.kill("SIGKILL")
    const result = await run.done
    expect(result.signal).toBe("SIGKILL")
    const entry = join(cache, "collect", "shared-key")
    expect(await exists(join(entry, stageMarker))).toBe(false)
    expect(await exists(entry)).toBe(false)
    let calls = 0
    const rebuilt = await cachedStage(cache, "collect", "shared-key", async (directory) => {
      calls++
      await writeFile(join(directory, "first.txt"), "survivor")
      await writeFile(join(directory, "second.txt"), "survivor")
    })
    expect(calls).toBe(1)
    expect(rebuilt).toMatchObject({ directory: entry, cached: false })
    expect(await readFile(join(entry, "first.txt"), "utf8")).toBe("survivor")
    expect(await exists(join(entry, stageMarker))).toBe(true)
    expect((await cachedStage(cache, "collect", "shared-key", async () => undefined)).cached).toBe(true)
  }, 40_000)
})
