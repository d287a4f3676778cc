/**
 * How the fault suite counts: every case ends clear (the right result, or a typed error that names
 * what was wrong), harmless (a corruption that changed nothing that is read) or as a defect (a raw
 * error, a hang, corrupt data accepted, a blocked folder, a leftover); and every case adds the
 * bytes of finished work it destroyed.
 *
 * @module
 */

/** What one case came to. */
export interface CaseOutcome {
  /** `undefined` when the case ended as it should; otherwise what went wrong. */
  readonly defect?: string | undefined
  /** The corruption changed nothing that is read (counted apart from the clear errors). */
  readonly harmless?: boolean | undefined
  /** Bytes of finished work (a dataset, a checkpoint, result rows) the case destroyed. */
  readonly bytesLost?: number | undefined
}

/** The counts of one group of cases: a row of the fault suite. */
export interface Tally {
  /** Cases tried. */
  cases: number
  /** Cases that ended with the right result or a typed error naming what was wrong. */
  clear: number
  /** Corruptions that changed nothing read (e.g. a byte of padding). */
  harmless: number
  /** Cases that did not end as they should. */
  defects: number
  /** Bytes of finished work destroyed, over all cases. */
  bytesLost: number
  /** The first few defects, each with its case, to reproduce them. */
  readonly examples: Array<string>
}

/** An empty tally. */
export const emptyTally = (): Tally => ({
  cases: 0,
  clear: 0,
  harmless: 0,
  defects: 0,
  bytesLost: 0,
  examples: []
})

const examplesKept = 5

/** Adds one case's outcome, described by `description`, to `tally`. */
export const record = (tally: Tally, description: string, outcome: CaseOutcome): void => {
  tally.cases++
  tally.bytesLost += outcome.bytesLost ?? 0
  if (outcome.defect !== undefined) {
    tally.defects++
    if (tally.examples.length < examplesKept) tally.examples.push(`${description}: ${outcome.defect}`)
  } else if (outcome.harmless === true) tally.harmless++
  else tally.clear++
}

const typedTags = new Set([
  "ConfigError",
  "InvalidValueError",
  "UnknownNameError",
  "FileError",
  "DatasetError",
  "CheckpointError",
  "RunDirectoryError",
  "OutputLockedError",
  "EnvModuleError",
  "EnvCheckError"
])

/** Whether `error` is one of telos's typed errors, which name what was wrong. */
export const isTypedError = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "_tag" in error &&
  typedTags.has(String((error as { _tag: unknown })._tag))

/** The first line of an error, for a defect's description. */
export const firstLine = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split("\n")[0] ?? ""
