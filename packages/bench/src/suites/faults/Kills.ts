/**
 * Kills at random moments: `telos collect`, `telos train` and `telos bench` started as a user starts
 * them, stopped by SIGINT, SIGTERM or SIGKILL (of the launcher or of its worker) after a random
 * delay, over a folder that already holds finished work. A case is clear when the finished work is
 * intact (or replaced by complete new work), a polite stop left no temporaries and exited 130/143,
 * no process outlived its launcher, and the same command run again in the same folder succeeds and
 * leaves nothing behind.
 *
 * @module
 */
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises"
import { basename, join } from "node:path"
import { setTimeout as delay } from "node:timers/promises"
import type { Random } from "@telos/core"
import { lockFilePath, processAlive, readLockOwner } from "@telos/core/node"
import { openDataset, verifyCheckpoint } from "@telos/worldmodel/node"
import { type CaseOutcome, firstLine } from "./Tally.js"
import { runTelos, startTelos } from "./TelosProcess.js"

/** How a case stops the process. */
export type KillMode = "SIGINT" | "SIGTERM" | "SIGKILL launcher" | "SIGKILL worker"

/** Every way a case stops the process. */
export const killModes: ReadonlyArray<KillMode> = ["SIGINT", "SIGTERM", "SIGKILL launcher", "SIGKILL worker"]

/** One kill case: its description and outcome. */
export interface KillCase {
  /** What was run and how it was stopped. */
  readonly description: string
  /** How it ended. */
  readonly outcome: CaseOutcome
}

/** The commands the kill cases run, over a scratch folder. */
export interface KillTarget {
  /** `collect`, `train` or `bench`. */
  readonly name: string
  /** Makes the finished work the cases must not lose; run once. */
  readonly prepare: (folder: string) => Promise<void>
  /** The long command a case kills. */
  readonly command: (folder: string) => ReadonlyArray<string>
  /** The folder whose lock names the worker. */
  readonly lockFile: (folder: string) => string
  /** Checks the finished work after a kill: `bytesLost` and any defect. */
  readonly inspect: (folder: string) => Promise<CaseOutcome>
  /** The command that must succeed afterwards in the same folder. */
  readonly recover: (folder: string) => Promise<ReadonlyArray<string>>
  /** The names in the folders the command writes (temporaries and locks among them are leftovers). */
  readonly leftovers: (folder: string) => Promise<ReadonlyArray<string>>
  /** Checks the work once the next run has finished: a defect, or `undefined`. */
  readonly afterRecovery?: (folder: string) => Promise<string | undefined>
}

const exitCodes: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 }

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> => {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (await condition()) return true
    await delay(50)
  }
  return condition()
}

const temporaryPattern = /\.(tmp|part)$|\.partial-/

/**
 * Runs one kill case of `target` in `folder` (prepared): starts the command, waits `delayMs`, stops
 * it by `mode`, and checks what is left.
 */
export const killCase = async (
  target: KillTarget,
  folder: string,
  mode: KillMode,
  delayMs: number
): Promise<CaseOutcome> => {
  const run = startTelos(target.command(folder), folder)
  await Promise.race([delay(delayMs), run.exit])
  const worker = (await readLockOwner(target.lockFile(folder)))?.pid
  const finishedEarly = run.launcher.exitCode !== null
  if (!finishedEarly) {
    if (mode === "SIGKILL worker" && worker !== undefined && worker !== run.launcher.pid) {
      process.kill(worker, "SIGKILL")
    } else {
      run.launcher.kill(mode === "SIGINT" || mode === "SIGTERM" ? mode : "SIGKILL")
    }
  }
  const stopped = await Promise.race([run.exit, delay(60_000).then(() => undefined)])
  if (stopped === undefined) {
    run.launcher.kill("SIGKILL")
    return { defect: "the launcher did not stop within 60 s" }
  }
  if (worker !== undefined && !(await until(() => !processAlive(worker), 30_000))) {
    process.kill(worker, "SIGKILL")
    return { defect: `the worker ${worker} kept running after its launcher stopped` }
  }
  const polite = !finishedEarly && (mode === "SIGINT" || mode === "SIGTERM")
  // Killed by the signal itself: it came before telos had started anything (its handlers are set
  // before the worker starts), which a shell reports as the same 128 + n.
  const endedBySignal = stopped.code === null && stopped.signal === mode
  if (polite && stopped.code !== exitCodes[mode] && stopped.code !== 0 && !endedBySignal) {
    return {
      defect: `exit ${stopped.code} after ${mode}, expected ${exitCodes[mode]}: ${run.output.join("").trim().split("\n").at(-1)}`
    }
  }
  const inspected = await target.inspect(folder)
  if (inspected.defect !== undefined) return inspected
  if (polite) {
    const left = (await target.leftovers(folder)).filter((name) => temporaryPattern.test(name))
    if (left.length > 0) return { ...inspected, defect: `a clean stop left ${left.join(", ")}` }
  }
  const recovered = await runTelos(await target.recover(folder), folder)
  if (recovered.code !== 0) {
    return {
      ...inspected,
      defect: `the next run in the same folder failed (exit ${recovered.code}): ${recovered.output.trim().split("\n").at(-1)}`
    }
  }
  const left = (await target.leftovers(folder)).filter(
    (name) => temporaryPattern.test(name) || name.endsWith(".lock")
  )
  if (left.length > 0) return { ...inspected, defect: `left behind after the next run: ${left.join(", ")}` }
  const after = await target.afterRecovery?.(folder)
  return after === undefined ? inspected : { ...inspected, defect: after }
}

/** Runs `cases` kill cases of `target` in `folder`, each with a mode and delay drawn from `rng`. */
export const killCases = async (
  target: KillTarget,
  folder: string,
  cases: number,
  maxDelayMs: number,
  rng: Random
): Promise<ReadonlyArray<KillCase>> => {
  await mkdir(folder, { recursive: true })
  await target.prepare(folder)
  const results: Array<KillCase> = []
  for (let index = 0; index < cases; index++) {
    const mode = killModes[rng.integer(killModes.length)] as KillMode
    const delayMs = Math.round(rng.uniformIn(0, maxDelayMs))
    const description = `${target.name}, ${mode} after ${delayMs} ms`
    try {
      results.push({ description, outcome: await killCase(target, folder, mode, delayMs) })
    } catch (error) {
      results.push({ description, outcome: { defect: `the case itself failed: ${firstLine(error)}` } })
    }
  }
  return results
}

const names = async (folder: string): Promise<ReadonlyArray<string>> => readdir(folder).catch(() => [])

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((value, index) => value === b[index])

/**
 * `collect --overwrite` of a long run over a finished dataset: the dataset must survive whole (or be
 * replaced by a complete one).
 */
export const collectTarget = (): KillTarget => {
  let previous = new Uint8Array()
  const dataset = (folder: string) => join(folder, "data", "dataset.bin")
  const small = (seed: number) => [
    "collect",
    "--env",
    "point-mass",
    "--transitions",
    "500",
    "--out",
    "data",
    "--seed",
    String(seed),
    "--overwrite"
  ]
  return {
    name: "collect",
    prepare: async (folder) => {
      const made = await runTelos(small(1), folder)
      if (made.code !== 0) throw new Error(`could not prepare a dataset: ${made.output}`)
      previous = await readFile(dataset(folder))
    },
    command: () => [
      "collect",
      "--env",
      "point-mass",
      "--transitions",
      "50000000",
      "--out",
      "data",
      "--seed",
      "2",
      "--overwrite"
    ],
    lockFile: (folder) => lockFilePath(join(folder, "data")),
    inspect: async (folder) => {
      const now = await readFile(dataset(folder)).catch(() => undefined)
      if (now !== undefined && sameBytes(now, previous)) return {}
      try {
        // Replaced: only by a complete dataset that reads back whole.
        await openDataset(dataset(folder))
        return {}
      } catch (error) {
        return {
          bytesLost: previous.length,
          defect: `the finished dataset is gone or damaged: ${firstLine(error)}`
        }
      }
    },
    recover: async () => small(3),
    leftovers: async (folder) => {
      const left = await names(join(folder, "data"))
      previous = (await readFile(dataset(folder)).catch(() => undefined)) ?? previous
      return left
    }
  }
}

/**
 * `train --resume` for many epochs over a finished checkpoint: the checkpoint must stay loadable
 * at the epoch it had or a later one.
 */
export const trainTarget = (): KillTarget => {
  let epoch = 0
  let bytes = 0
  const model = (folder: string) => join(folder, "model")
  const train = (epochs: number, resume: boolean) => [
    "train",
    "--env",
    "point-mass",
    "--obs",
    "state",
    "--data",
    "data",
    "--out",
    "model",
    "--epochs",
    String(epochs),
    "--steps-per-epoch",
    "10",
    ...(resume ? ["--resume"] : [])
  ]
  const savedEpoch = async (folder: string): Promise<number> => {
    const verified = await verifyCheckpoint(model(folder))
    const value = (verified.metadata as { epoch?: unknown }).epoch
    return typeof value === "number" ? value : 0
  }
  return {
    name: "train",
    prepare: async (folder) => {
      const data = await runTelos(
        ["collect", "--env", "point-mass", "--transitions", "2000", "--out", "data"],
        folder
      )
      if (data.code !== 0) throw new Error(`could not prepare a dataset: ${data.output}`)
      const trained = await runTelos(train(1, false), folder)
      if (trained.code !== 0) throw new Error(`could not prepare a checkpoint: ${trained.output}`)
      epoch = await savedEpoch(folder)
      bytes = (await stat(join(model(folder), "weights.bin"))).size
    },
    command: () => train(100_000, true),
    lockFile: (folder) => lockFilePath(model(folder), { lockBeside: true }),
    inspect: async (folder) => {
      try {
        const now = await savedEpoch(folder)
        if (now < epoch)
          return { bytesLost: bytes, defect: `the checkpoint went back from epoch ${epoch} to ${now}` }
        epoch = now
        return {}
      } catch (error) {
        return { bytesLost: bytes, defect: `the finished checkpoint is gone or damaged: ${firstLine(error)}` }
      }
    },
    recover: async () => train(epoch + 1, true),
    leftovers: async (folder) => {
      const inside = await names(model(folder))
      const beside = (await names(folder)).filter((name) => name.startsWith(`.${basename(model(folder))}.`))
      epoch = await savedEpoch(folder).catch(() => epoch)
      return [...inside, ...beside.filter((name) => !name.endsWith(".previous"))]
    }
  }
}

/** The rows of a results file, or `undefined` when there is none or it does not parse. */
const resultRows = async (path: string): Promise<ReadonlyArray<unknown> | undefined> => {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as { rows?: unknown }
    return Array.isArray(parsed.rows) ? parsed.rows : undefined
  } catch {
    return undefined
  }
}

const rowBytes = (rows: ReadonlyArray<unknown>): number =>
  rows.reduce<number>((total, row) => total + JSON.stringify(row).length, 0)

/**
 * `bench --suite <suite>` in a fresh run directory, killed once and restarted with the same `--out`:
 * the rows finished before the kill must all be there afterwards, and the restarted run must end
 * with the rows of an uninterrupted run (`sameRows` compares them apart from timings), none lost or
 * repeated.
 */
export const benchTarget = (
  suite: string,
  episodes: number,
  sameRows: (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>) => boolean
): KillTarget => {
  let reference: ReadonlyArray<unknown> = []
  const results = (folder: string) => join(folder, "run", "results.json")
  const bench = (out: string) => ["bench", "--suite", suite, "--episodes", String(episodes), "--out", out]
  let before: ReadonlyArray<unknown> = []
  return {
    name: "bench",
    prepare: async (folder) => {
      const made = await runTelos(bench("reference"), folder)
      if (made.code !== 0) throw new Error(`could not run the reference: ${made.output}`)
      reference = (await resultRows(join(folder, "reference", "results.json"))) ?? []
    },
    command: () => bench("run"),
    lockFile: (folder) => lockFilePath(join(folder, "run")),
    inspect: async (folder) => {
      const rows = (await resultRows(results(folder))) ?? []
      before = rows
      const kept = sameRows(rows, reference.slice(0, rows.length))
      return kept
        ? {}
        : { bytesLost: rowBytes(rows), defect: `the saved rows are not those of an uninterrupted run` }
    },
    recover: async () => bench("run"),
    leftovers: (folder) => names(join(folder, "run")),
    afterRecovery: async (folder) => {
      const rows = (await resultRows(results(folder))) ?? []
      // The next case kills a fresh run again.
      await rm(join(folder, "run"), { recursive: true, force: true })
      if (rows.length !== reference.length || !sameRows(rows, reference)) {
        return `after the restart ${rows.length} rows (${before.length} saved before it), not the ${reference.length} rows of an uninterrupted run`
      }
      return undefined
    }
  }
}
