/**
 * Corruptions of every file format telos reads: each case writes a damaged copy of a valid file and
 * reads it back the way telos does. A case is clear when the read fails with a typed error, and
 * harmless when it succeeds with exactly the original contents; succeeding with other contents,
 * failing with a raw error, or not returning is a defect. Besides random cuts, bit flips and
 * swapped blocks, hostile cases rewrite a file so that its checksums agree with the damage: what
 * they write is impossible (non-finite values, impossible sizes, shapes or counts), since a
 * rewrite to other possible values with recomputed checksums is, without a signature, a file
 * like any other.
 *
 * @module
 */
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { clearInterruption, crc32, InterruptedError, type Random, requestInterruption } from "@telos/core"
import { collectEpisodes, type EnvRegistry, randomWalkPolicy } from "@telos/envs"
import { checkpointFiles, createJepa, datasetPrefixBytes } from "@telos/worldmodel"
import {
  disposeWeights,
  loadCheckpoint,
  openDataset,
  saveCheckpoint,
  writeDataset
} from "@telos/worldmodel/node"
import { Effect } from "effect"
import { readConfigFile, resolveRunConfig } from "../../configurator/Resolve.js"
import { runSuite } from "../../report/Runner.js"
import type { Suite } from "../../report/Suite.js"
import { nthMutation } from "./Mutations.js"
import { type CaseOutcome, firstLine, isTypedError } from "./Tally.js"

/** One corruption case: what was done, and how the read ended. */
export interface CorruptionCase {
  /** The file and the corruption. */
  readonly description: string
  /** How the read ended. */
  readonly outcome: CaseOutcome
}

const timeoutMs = 30_000

/**
 * Classifies the read of a corrupted file: `read` returns a fingerprint of what it read, compared
 * with the original's.
 */
export const classifyRead = async (read: () => Promise<string>, original: string): Promise<CaseOutcome> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs)
  })
  try {
    const result = await Promise.race([read(), timedOut])
    if (result === "timeout") return { defect: `the read did not return within ${timeoutMs / 1000} s` }
    return result === original ? { harmless: true } : { defect: "read back as valid with other contents" }
  } catch (error) {
    return isTypedError(error) ? {} : { defect: `a raw error: ${firstLine(error)}` }
  } finally {
    clearTimeout(timer)
  }
}

const hashOf = (...parts: ReadonlyArray<Uint8Array | string | undefined>): string =>
  parts
    .map((part) =>
      part === undefined
        ? "-"
        : typeof part === "string"
          ? crc32(new TextEncoder().encode(part)).toString(16)
          : `${part.length}:${crc32(part).toString(16)}`
    )
    .join("/")

const bytesOf = (array: Float32Array | Uint8Array): Uint8Array =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength)

/** What a dataset reads back as, for comparing a corrupted file's read with the original's. */
const datasetFingerprint = async (path: string): Promise<string> => {
  const dataset = await openDataset(path)
  return hashOf(
    JSON.stringify(dataset.header),
    bytesOf(dataset.observations),
    bytesOf(dataset.actions),
    dataset.images === undefined ? undefined : bytesOf(dataset.images)
  )
}

/** A small dataset with images from `env` (a registered id with an image renderer), as `telos collect` writes it. */
const writeSmallDataset = async (path: string, registry: EnvRegistry, env: string): Promise<void> => {
  const spec = registry.get(env)
  const image = spec.definition.image
  if (image === undefined || spec.definition.actionSpace._tag !== "Box") {
    throw new Error(`${env}: the fault suite needs an environment with images and box actions`)
  }
  const policy = randomWalkPolicy(spec.definition.actionSpace)
  await writeDataset(
    path,
    {
      envId: spec.id,
      seed: 0,
      collector: { ...policy.settings, observations: "pixels" },
      observationSize: spec.definition.observationSpace.size,
      actionSize: spec.definition.actionSpace.size,
      imageShape: [image.channels, image.height, image.width]
    },
    collectEpisodes({ spec, policy, transitions: 120, episodeLength: 40, pixels: true, seed: 0 })
  )
}

interface HeaderEdit {
  readonly description: string
  readonly edit: (header: Record<string, unknown>, bytes: Uint8Array, dataStart: number) => void
}

const fieldsOf = (header: Record<string, unknown>): Array<Record<string, unknown>> =>
  header.fields as Array<Record<string, unknown>>

const fieldNamed = (header: Record<string, unknown>, name: string): Record<string, unknown> => {
  const field = fieldsOf(header).find((entry) => entry.name === name)
  if (field === undefined) throw new Error(`the dataset has no ${name} field`)
  return field
}

/** Writes a float into a raw float32 block and recomputes the block's checksum. */
const poisonValue =
  (name: string, value: number): HeaderEdit["edit"] =>
  (header, bytes, dataStart) => {
    const field = fieldNamed(header, name)
    if (field.encoding !== "raw") throw new Error(`${name} is not stored raw`)
    const start = dataStart + (field.offset as number)
    new DataView(bytes.buffer, bytes.byteOffset).setFloat32(start + 4 * 7, value, true)
    field.crc32 = crc32(bytes.subarray(start, start + (field.length as number)))
  }

/** Hostile edits of a dataset's header, each followed by a recomputed header checksum. */
const hostileDatasetEdits: ReadonlyArray<HeaderEdit> = [
  {
    description: "NaN observation, block checksum recomputed",
    edit: poisonValue("observations", Number.NaN)
  },
  {
    description: "infinite action, block checksum recomputed",
    edit: poisonValue("actions", Number.POSITIVE_INFINITY)
  },
  { description: "3e38 observation, block checksum recomputed", edit: poisonValue("observations", 3e38) },
  {
    description: "transitions count of 1e12",
    edit: (header) => {
      ;(header.counts as Record<string, unknown>).transitions = 1e12
    }
  },
  {
    description: "image shape of 1e5 x 1e5 x 1e5",
    edit: (header) => {
      fieldNamed(header, "images").shape = [1e5, 1e5, 1e5]
    }
  },
  {
    description: "observation block offset past the end",
    edit: (header) => {
      fieldNamed(header, "observations").offset = 2 ** 40
    }
  },
  {
    description: "negative episode length",
    edit: (header) => {
      const lengths = (header.episodes as Record<string, Array<number>>).lengths as Array<number>
      lengths[0] = -5
    }
  },
  {
    description: "float64 dtype",
    edit: (header) => {
      fieldNamed(header, "observations").dtype = "float64"
    }
  },
  {
    description: "fields removed",
    edit: (header) => {
      header.fields = []
    }
  },
  {
    description: "observations declared as a string",
    edit: (header) => {
      fieldNamed(header, "observations").rows = "many"
    }
  },
  {
    description: "a prototype-polluting key",
    edit: (header) => {
      header.counts = JSON.parse(
        '{"__proto__": {"polluted": true}, "episodes": 1, "transitions": 1, "steps": 2}'
      )
    }
  }
]

/** Rewrites the header of a dataset file with `edit` applied and its checksum recomputed. */
const rewriteHeader = (bytes: Uint8Array, edit: HeaderEdit["edit"]): Uint8Array => {
  const view = new DataView(bytes.buffer, bytes.byteOffset)
  const length = view.getUint32(8, true)
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(datasetPrefixBytes, datasetPrefixBytes + length))
  )
  const copy = new Uint8Array(bytes)
  edit(header, copy, datasetPrefixBytes + length)
  // The data section starts where it did: the new header is padded (or cut) to the old length.
  let text = JSON.stringify(header)
  if (text.length > length) text = JSON.stringify({ ...header, collector: {} })
  const encoded = new TextEncoder().encode(text.padEnd(length, " "))
  if (encoded.length !== length) throw new Error("the hostile header does not fit")
  copy.set(encoded, datasetPrefixBytes)
  new DataView(copy.buffer, copy.byteOffset).setUint32(12, crc32(encoded), true)
  return copy
}

/**
 * Corruptions of `dataset.bin`: `randomCases` random cuts, bit flips and swapped blocks, then every
 * hostile header edit.
 */
export const datasetCorruptions = async (
  folder: string,
  registry: EnvRegistry,
  env: string,
  randomCases: number,
  rng: Random
): Promise<ReadonlyArray<CorruptionCase>> => {
  await mkdir(folder, { recursive: true })
  const original = join(folder, "dataset.bin")
  await writeSmallDataset(original, registry, env)
  const bytes = new Uint8Array(await readFile(original))
  const fingerprint = await datasetFingerprint(original)
  const target = join(folder, "corrupt.bin")
  const cases: Array<CorruptionCase> = []
  for (let index = 0; index < randomCases; index++) {
    const mutation = nthMutation(index, bytes, rng)
    await writeFile(target, mutation.bytes)
    cases.push({
      description: `dataset.bin, ${mutation.description}`,
      outcome: await classifyRead(() => datasetFingerprint(target), fingerprint)
    })
  }
  for (const hostile of hostileDatasetEdits) {
    let outcome: CaseOutcome
    try {
      await writeFile(target, rewriteHeader(bytes, hostile.edit))
      outcome = await classifyRead(() => datasetFingerprint(target), fingerprint)
    } catch (error) {
      outcome = { defect: `the case could not be built: ${firstLine(error)}` }
    }
    cases.push({ description: `dataset.bin, hostile: ${hostile.description}`, outcome })
  }
  return cases
}

/** Broken and hostile configuration files, each with the extension it is read as. */
const hostileConfigs: ReadonlyArray<readonly [string, string, string]> = [
  ["empty file", "yaml", ""],
  ["not YAML", "yaml", "actor: [horizon: 3\n  : :"],
  ["not JSON", "json", '{"actor": {"horizon": 3'],
  ["a list at the top", "json", "[1, 2, 3]"],
  ["a string horizon", "json", '{"actor": {"horizon": "many"}}'],
  ["a NaN-like horizon", "yaml", "actor:\n  horizon: .nan\n"],
  ["an infinite horizon", "yaml", "actor:\n  horizon: .inf\n"],
  ["a negative horizon", "json", '{"actor": {"horizon": -3}}'],
  ["a zero horizon", "json", '{"actor": {"horizon": 0}}'],
  ["a horizon of 1e9", "json", '{"actor": {"horizon": 1e9}}'],
  ["a fractional horizon", "json", '{"actor": {"horizon": 2.5}}'],
  ["unknown key", "json", '{"actorr": {"horizon": 3}}'],
  [
    "a prototype-polluting key",
    "json",
    '{"__proto__": {"polluted": true}, "actor": {"__proto__": {"x": 1}}}'
  ],
  ["constructor key", "json", '{"constructor": {"prototype": {"polluted": true}}}'],
  [
    "a billion-laughs alias bomb",
    "yaml",
    `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`
  ],
  ["deep nesting", "json", `${"[".repeat(100_000)}${"]".repeat(100_000)}`],
  ["a seed of 1e300", "json", '{"seed": 1e300}'],
  ["a negative episode count", "json", '{"evaluation": {"episodes": -1}}'],
  ["levels with a stride of 0", "json", '{"levels": [{"stride": 0}]}'],
  ["a NUL byte", "json", '{"actor": {"planner": "cem\\u0000"}}'],
  ["binary garbage", "yaml", "\u0000\u0001\u00ff\u00fe"]
]

/**
 * Broken and hostile configuration files, read and resolved for `env` as `telos run --config` does:
 * each must give a typed error (a resolved configuration that is valid counts as clear too, since a
 * configuration has no checksum to say it was damaged).
 */
export const configCorruptions = async (
  folder: string,
  registry: EnvRegistry,
  env: string
): Promise<ReadonlyArray<CorruptionCase>> => {
  await mkdir(folder, { recursive: true })
  const spec = registry.get(env)
  const cases: Array<CorruptionCase> = []
  for (const [description, extension, text] of hostileConfigs) {
    const path = join(folder, `config.${extension}`)
    await writeFile(path, text)
    let outcome: CaseOutcome
    try {
      const file = await readConfigFile(path)
      resolveRunConfig(spec, env, { file, filePath: path })
      outcome = {}
      if (({} as Record<string, unknown>).polluted !== undefined)
        outcome = { defect: "Object.prototype was polluted" }
    } catch (error) {
      outcome = isTypedError(error) ? {} : { defect: `a raw error: ${firstLine(error)}` }
    }
    cases.push({ description: `config, ${description}`, outcome })
  }
  return cases
}

/** A small state JEPA's configuration, as `telos train` makes one for a 2-D environment. */
const smallModelConfig = {
  observation: { kind: "vector" as const, size: 2 },
  latentSize: 8,
  actionLow: [-1, -1],
  actionHigh: [1, 1],
  encoderHidden: [16],
  predictorHidden: [16],
  inverseDynamicsHidden: [8],
  latentVariableSize: 0
}

/** What a checkpoint reads back as, the way `train --resume` reads it (against the model it expects). */
const checkpointFingerprint = async (directory: string): Promise<string> => {
  const model = createJepa(smallModelConfig, 0)
  try {
    const loaded = await loadCheckpoint(directory, { config: model.config, parameters: model.parameters })
    try {
      const parts: Array<Uint8Array | string> = [
        JSON.stringify(loaded.config),
        JSON.stringify(loaded.metadata)
      ]
      for (const [name, tensor] of loaded.weights) {
        parts.push(name, bytesOf(tensor.dataSync() as Float32Array))
      }
      return hashOf(...parts)
    } finally {
      disposeWeights(loaded.weights)
    }
  } finally {
    model.dispose()
  }
}

interface ManifestEntry {
  readonly name: string
  shape: Array<number>
  crc32?: number
}

/** The manifest's entries, in the order of their bytes in the weights file. */
const entriesOf = (model: Record<string, unknown>): Array<ManifestEntry> =>
  (model.weightsManifest as Array<{ weights: Array<ManifestEntry> }>).flatMap((group) => group.weights)

const elementsOf = (entry: ManifestEntry): number => entry.shape.reduce((product, size) => product * size, 1)

/** Sets element 3 of the tensor at `index` to `value` and recomputes its checksum in the manifest. */
const poisonWeight =
  (index: number, value: number) =>
  (model: Record<string, unknown>, weights: Uint8Array): void => {
    const entries = entriesOf(model)
    const offset = entries.slice(0, index).reduce((total, entry) => total + 4 * elementsOf(entry), 0)
    const entry = entries[index] as ManifestEntry
    new DataView(weights.buffer, weights.byteOffset).setFloat32(offset + 12, value, true)
    entry.crc32 = crc32(weights.subarray(offset, offset + 4 * elementsOf(entry)))
  }

interface CheckpointEdit {
  readonly description: string
  readonly edit: (
    model: Record<string, unknown>,
    weights: Uint8Array,
    metadata: Record<string, unknown>
  ) => void
}

const hostileCheckpointEdits: ReadonlyArray<CheckpointEdit> = [
  { description: "a NaN weight, its checksum recomputed", edit: poisonWeight(0, Number.NaN) },
  {
    description: "an infinite weight, its checksum recomputed",
    edit: poisonWeight(1, Number.NEGATIVE_INFINITY)
  },
  {
    description: "downgraded to format version 1 (no checksums) with a NaN weight",
    edit: (model, weights) => {
      model.formatVersion = 1
      delete model.metadataCrc32
      for (const entry of entriesOf(model)) delete entry.crc32
      new DataView(weights.buffer, weights.byteOffset).setFloat32(8, Number.NaN, true)
    }
  },
  {
    description: "a tensor's shape transposed in the manifest",
    edit: (model) => {
      const entry = entriesOf(model)[0] as ManifestEntry
      entry.shape = [...entry.shape].reverse()
    }
  },
  {
    description: "the epoch in the metadata changed, its checksum left",
    edit: (_model, _weights, file) => {
      file.epoch = 99
    }
  },
  {
    description: "a negative epoch, the metadata's checksum recomputed",
    edit: (model, _weights, file) => {
      file.epoch = -1
      model.metadataCrc32 = crc32(new TextEncoder().encode(JSON.stringify(file)))
    }
  },
  {
    description: "a fractional epoch, the metadata's checksum recomputed",
    edit: (model, _weights, file) => {
      file.epoch = 2.5
      model.metadataCrc32 = crc32(new TextEncoder().encode(JSON.stringify(file)))
    }
  },
  {
    description: "a huge tensor declared",
    edit: (model) => {
      ;(entriesOf(model)[0] as ManifestEntry).shape = [1e6, 1e6]
    }
  },
  {
    description: "the weights file named elsewhere",
    edit: (model) => {
      ;(model.weightsManifest as Array<{ paths: Array<string> }>)[0]!.paths = ["../../../etc/passwd"]
    }
  }
]

/**
 * Corruptions of a checkpoint directory (`model.json`, `weights.bin`, `metadata.json`):
 * `randomCases` random cuts, bit flips and swapped blocks of one of its files, then every hostile
 * edit, each read as `train --resume` reads it.
 */
export const checkpointCorruptions = async (
  folder: string,
  randomCases: number,
  rng: Random
): Promise<ReadonlyArray<CorruptionCase>> => {
  await mkdir(folder, { recursive: true })
  const original = join(folder, "checkpoint")
  const model = createJepa(smallModelConfig, 0)
  try {
    await saveCheckpoint(original, {
      parameters: model.parameters,
      config: model.config,
      metadata: { epoch: 3, observations: "state" }
    })
  } finally {
    model.dispose()
  }
  const fingerprint = await checkpointFingerprint(original)
  const target = join(folder, "corrupt")
  const files = [checkpointFiles.weights, checkpointFiles.model, checkpointFiles.metadata]
  const fresh = async () => {
    await rm(target, { recursive: true, force: true })
    await cp(original, target, { recursive: true })
  }
  const cases: Array<CorruptionCase> = []
  for (let index = 0; index < randomCases; index++) {
    await fresh()
    const file = files[rng.integer(files.length)] as string
    const mutation = nthMutation(index, new Uint8Array(await readFile(join(target, file))), rng)
    await writeFile(join(target, file), mutation.bytes)
    cases.push({
      description: `checkpoint ${file}, ${mutation.description}`,
      outcome: await classifyRead(() => checkpointFingerprint(target), fingerprint)
    })
  }
  for (const hostile of hostileCheckpointEdits) {
    await fresh()
    const manifest = JSON.parse(await readFile(join(target, checkpointFiles.model), "utf8"))
    const weights = new Uint8Array(await readFile(join(target, checkpointFiles.weights)))
    const metadata = JSON.parse(await readFile(join(target, checkpointFiles.metadata), "utf8"))
    hostile.edit(manifest, weights, metadata)
    await writeFile(join(target, checkpointFiles.model), JSON.stringify(manifest))
    await writeFile(join(target, checkpointFiles.weights), weights)
    await writeFile(join(target, checkpointFiles.metadata), JSON.stringify(metadata))
    cases.push({
      description: `checkpoint, hostile: ${hostile.description}`,
      outcome: await classifyRead(() => checkpointFingerprint(target), fingerprint)
    })
  }
  return cases
}

/** A small deterministic suite whose run the results corruptions interrupt and resume. */
const probeSuite = (stopAfter: number | undefined): Suite => ({
  id: "faults-probe",
  description: "four rows computed from the seed",
  protocol: { rows: 4 },
  skipsFinishedRows: true,
  columns: [
    { title: "index", cell: (row) => String(row.index) },
    { title: "success", cell: (row) => String(row.successRate) }
  ],
  run: async function* (context) {
    for (let index = context.resumeAfter ?? 0; index < 4; index++) {
      if (index === stopAfter) requestInterruption("SIGTERM")
      yield {
        env: "probe",
        index,
        successRate: (((context.seed + 1) * (index + 3)) % 7) / 7,
        planMsPerStep: 1
      }
    }
  }
})

const silentProgress = { update: () => {}, finish: () => {} }

const runProbe = (directory: string, stopAfter?: number) =>
  Effect.runPromise(
    runSuite(probeSuite(stopAfter), {
      backend: "cpu",
      episodes: undefined,
      seed: 3,
      out: directory,
      progress: silentProgress
    })
  )

/**
 * Corruptions of the `results.json` of an interrupted run, which `bench` resumes from: each damaged
 * copy is resumed, and must either be refused with a typed error or end with the rows of an
 * uninterrupted run.
 */
export const resultsCorruptions = async (
  folder: string,
  randomCases: number,
  rng: Random
): Promise<ReadonlyArray<CorruptionCase>> => {
  await mkdir(folder, { recursive: true })
  const reference = JSON.stringify((await runProbe(join(folder, "reference"))).results.rows)
  const interrupted = join(folder, "interrupted")
  try {
    await runProbe(interrupted, 2)
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error
  } finally {
    clearInterruption()
  }
  const bytes = new Uint8Array(await readFile(join(interrupted, "results.json")))
  const target = join(folder, "corrupt")
  const cases: Array<CorruptionCase> = []
  for (let index = 0; index < randomCases; index++) {
    const mutation = nthMutation(index, bytes, rng)
    await rm(target, { recursive: true, force: true })
    await mkdir(target)
    await writeFile(join(target, "results.json"), mutation.bytes)
    cases.push({
      description: `results.json of an interrupted run, ${mutation.description}, resumed`,
      outcome: await classifyRead(
        async () => JSON.stringify((await runProbe(target)).results.rows),
        reference
      )
    })
  }
  return cases
}
