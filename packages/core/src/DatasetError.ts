/**
 * The typed error of offline datasets on disk. A dataset file that is truncated, corrupt or of an
 * unknown format must be reported as what it is (which file, which part, what went wrong), never
 * as a `RangeError` from deep inside a typed-array constructor.
 *
 * @module
 */
import { Data } from "effect"

/**
 * What is wrong with a dataset file or a request made of it.
 *
 * @example
 * ```ts
 * const problem: DatasetProblem = "checksum-mismatch"
 * ```
 */
export type DatasetProblem =
  /** The file ends inside the part named in the detail (magic, header, or a field's block). */
  | "truncated"
  /** The file does not start with the dataset magic bytes. */
  | "bad-magic"
  /** The header is not JSON. */
  | "header-not-json"
  /** The header is JSON but a field of it is missing or wrong. */
  | "bad-header"
  /** A format version this reader does not know. */
  | "unsupported-version"
  /** The file goes on after the last block its header describes. */
  | "trailing-bytes"
  /** A block's bytes do not match its CRC-32. */
  | "checksum-mismatch"
  /** A block does not decode to the size its header promises. */
  | "corrupt-block"
  /** No episode is long enough for the subsequences asked for. */
  | "episodes-too-short"
  /** The file, or what its header says it decodes to, is larger than the memory limit of the read. */
  | "too-large"
  /** An observation or action is NaN or an infinity. */
  | "non-finite-value"
  /** An observation or action is finite but of a magnitude no environment produces (a corrupt value). */
  | "implausible-value"
  /** The data's sizes (observation, action, image) are not those of the environment it is used with. */
  | "env-mismatch"

/**
 * A dataset file could not be read, or cannot serve a request.
 *
 * @example
 * ```ts
 * new DatasetError({ path: "runs/data/dataset.bin", problem: "bad-magic", detail: "not a telos dataset" })
 *   .message // "runs/data/dataset.bin: not a telos dataset"
 * ```
 */
export class DatasetError extends Data.TaggedError("DatasetError")<{
  /** The dataset file concerned. */
  readonly path: string
  /** What went wrong, as a machine-readable kind. */
  readonly problem: DatasetProblem
  /** A human-readable explanation. */
  readonly detail: string
}> {
  /** `path: detail`. */
  override get message(): string {
    return `${this.path}: ${this.detail}`
  }
}
