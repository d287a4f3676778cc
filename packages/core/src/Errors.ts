/**
 * Typed errors shared by every telos package. Each names the field at fault and what was
 * expected, so that a bad input is a message a user can act on, never a stack trace.
 *
 * @module
 */
import { Data } from "effect"
import type { CheckpointError } from "./CheckpointError.js"
import type { DatasetError } from "./DatasetError.js"

/**
 * A value (an action, an observation, a tensor, an argument) does not fit what was expected.
 *
 * @example
 * ```ts
 * new InvalidValueError({ field: "action[1]", expected: "a number in [-1, 1]", received: "NaN" })
 * ```
 */
export class InvalidValueError extends Data.TaggedError("InvalidValueError")<{
  /** The value's name or path, e.g. `action[1]`. */
  readonly field: string
  /** What the value should have been. */
  readonly expected: string
  /** What it was. */
  readonly received: string
}> {
  /** `field: expected ..., received ...`. */
  override get message(): string {
    return `${this.field}: expected ${this.expected}, received ${this.received}`
  }
}

/**
 * A level of a hierarchy is configured inconsistently with the level below it (a stride that is not
 * a larger multiple of the one below, a macro-action or latent size that does not match). `level`
 * counts from 0, the primitive level; `field` names the setting, e.g. `levels[2].stride`.
 *
 * @example
 * ```ts
 * new LevelConfigError({ level: 2, field: "levels[2].stride", expected: "a multiple of level 1's stride 10, above it", received: "15" })
 * ```
 */
export class LevelConfigError extends InvalidValueError {
  /** The misconfigured level, counting from 0 (the primitive level). */
  readonly level: number

  constructor(details: {
    readonly level: number
    readonly field: string
    readonly expected: string
    readonly received: string
  }) {
    super({
      field: details.field,
      expected: `level ${details.level}: ${details.expected}`,
      received: details.received
    })
    this.level = details.level
  }
}

/** A configuration failed to decode; `issues` lists every field at fault with what it expected. */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  /** What was being decoded (a file, the command line, ...). */
  readonly source: string
  /** One entry per invalid field: its path and what it should have been. */
  readonly issues: ReadonlyArray<{
    /** The field's path. */
    readonly field: string
    /** What it should have been. */
    readonly expected: string
  }>
}> {
  /** `invalid source: ` followed by every issue. */
  override get message(): string {
    const lines = this.issues.map((issue) => `${issue.field}: ${issue.expected}`)
    return `invalid ${this.source}: ${lines.join("; ")}`
  }
}

/** A tensor backend could not be loaded or initialised. */
export class BackendError extends Data.TaggedError("BackendError")<{
  /** The backend asked for. */
  readonly backend: string
  /** Why it is unavailable. */
  readonly reason: string
}> {
  /** `backend ... unavailable: reason`. */
  override get message(): string {
    return `backend ${this.backend} unavailable: ${this.reason}`
  }
}

/** A name (environment, suite, planner) is not registered. */
export class UnknownNameError extends Data.TaggedError("UnknownNameError")<{
  /** What kind of name it is (environment, suite, planner, ...). */
  readonly kind: string
  /** The name that is not registered. */
  readonly name: string
  /** The names registered for that kind. */
  readonly known: ReadonlyArray<string>
}> {
  /** The unknown name and the known ones. */
  override get message(): string {
    return `unknown ${this.kind} "${this.name}"; known: ${this.known.join(", ")}`
  }
}

/** A file could not be written or read. */
export class FileError extends Data.TaggedError("FileError")<{
  /** The file concerned. */
  readonly path: string
  /** Why the operation failed. */
  readonly reason: string
}> {
  /** `path: reason`. */
  override get message(): string {
    return `${this.path}: ${this.reason}`
  }
}

/** Every error telos raises on bad input or a bad file. */
export type TelosError =
  | InvalidValueError
  | ConfigError
  | BackendError
  | UnknownNameError
  | FileError
  | DatasetError
  | CheckpointError

/** Describes any value briefly for an error message. */
export const describeValue = (value: unknown): string => {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value)
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "boolean") return String(value)
  if (typeof value === "bigint") return `${value}n`
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const items = Array.from(value as ArrayLike<unknown>)
    const shown = items.slice(0, 6).map(describeValue).join(", ")
    return `[${shown}${items.length > 6 ? ", ..." : ""}] (length ${items.length})`
  }
  return typeof value
}
