/**
 * The typed error of model checkpoints on disk. A checkpoint that is incomplete, corrupt, of
 * another format, or made for a differently configured model must be reported as what it is
 * (which file, which field or parameter, both values), never as a shape error from deep inside a
 * tensor operation after half the weights were already assigned.
 *
 * @module
 */
import { Data } from "effect"

/**
 * What is wrong with a checkpoint, or with what is asked of it.
 *
 * @example
 * ```ts
 * const problem: CheckpointProblem = "shape-mismatch"
 * ```
 */
export type CheckpointProblem =
  /** The checkpoint directory, or a file it must hold, does not exist. */
  | "missing-file"
  /** A JSON file does not parse, or a value to save does not serialise as JSON. */
  | "bad-json"
  /** `model.json` or `metadata.json` parses but a field of it is missing or wrong. */
  | "bad-manifest"
  /** `model.json` is not a telos world-model checkpoint. */
  | "wrong-format"
  /** A format version this reader does not know. */
  | "unsupported-version"
  /** `weights.bin` is not the size the manifest describes (truncated, or with bytes appended). */
  | "weights-size-mismatch"
  /** A tensor's bytes in `weights.bin` do not match the CRC-32 its manifest entry records. */
  | "checksum-mismatch"
  /** A tensor holds NaN or an infinity: loaded, or about to be saved. */
  | "non-finite-value"
  /** The checkpoint's model config differs from the expected one. */
  | "config-mismatch"
  /** The model has a parameter the checkpoint lacks. */
  | "missing-parameter"
  /** The checkpoint has a parameter the model lacks. */
  | "extra-parameter"
  /** A parameter has another shape in the checkpoint than in the model. */
  | "shape-mismatch"
  /** A parameter to save cannot be saved (not float32, or its values cannot be read). */
  | "bad-parameter"
  /** The destination exists and is not a checkpoint, so saving would replace something else. */
  | "not-a-checkpoint"

/**
 * A checkpoint could not be saved or loaded, or does not fit the model it is loaded into.
 *
 * @example
 * ```ts
 * new CheckpointError({
 *   path: "runs/jepa/checkpoint/model.json",
 *   problem: "shape-mismatch",
 *   detail: "encoder/layer0/kernel: checkpoint [64, 256], model [32, 256]"
 * }).message // "runs/jepa/checkpoint/model.json: encoder/layer0/kernel: checkpoint [64, 256], model [32, 256]"
 * ```
 */
export class CheckpointError extends Data.TaggedError("CheckpointError")<{
  /** The checkpoint file concerned. */
  readonly path: string
  /** What went wrong, as a machine-readable kind. */
  readonly problem: CheckpointProblem
  /** A human-readable explanation. */
  readonly detail: string
}> {
  /** `path: detail`. */
  override get message(): string {
    return `${this.path}: ${this.detail}`
  }
}
