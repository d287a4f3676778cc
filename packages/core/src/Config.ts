/**
 * Configuration decoding. Every config telos accepts (planner options, suite options, command-line
 * arguments) is described by an Effect Schema and decoded here, so that a bad config reports each
 * field at fault, what it expected and what it received, all at once.
 *
 * @module
 */
import { Effect, Result, Schema, SchemaIssue } from "effect"
import { ConfigError, describeValue } from "./Errors.js"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0
    ? "(root)"
    : path
        .map((key, index) =>
          typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`
        )
        .join("")

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): { found: boolean; value: unknown } => {
  let current: unknown = input
  for (const key of path) {
    if (typeof current !== "object" || current === null || !(key in current))
      return { found: false, value: undefined }
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return { found: true, value: current }
}

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1)

const toConfigError = (source: string, input: unknown, issue: SchemaIssue.Issue): ConfigError => {
  const failure = formatter(issue)
  return new ConfigError({
    source,
    issues: failure.issues.map((entry) => {
      const path = (entry.path ?? []).map((segment) =>
        typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment
      ) as ReadonlyArray<PropertyKey>
      const at = valueAt(input, path)
      const expected = lowerFirst(entry.message)
      const received =
        at.found && !/missing key|excess property/i.test(entry.message)
          ? `, received ${describeValue(at.value)}`
          : ""
      return { field: formatPath(path), expected: `${expected}${received}` }
    })
  })
}

/**
 * Decodes `input` with `schema`, collecting every problem into one {@link ConfigError}.
 * Unknown fields are errors too: a typo in a config must not be silently ignored.
 *
 * @example
 * ```ts
 * const Options = Schema.Struct({ horizon: Schema.Int })
 * decodeConfigResult(Options, { horizon: 1.5 }, "planner config")
 * // Failure: invalid planner config: horizon: expected an integer, received 1.5
 * ```
 */
export const decodeConfigResult = <S extends Schema.Decoder<unknown>>(
  schema: S,
  input: unknown,
  source = "config"
): Result.Result<S["Type"], ConfigError> => {
  const decoded = Schema.decodeUnknownResult(schema)(input, { errors: "all", onExcessProperty: "error" })
  return Result.isSuccess(decoded)
    ? Result.succeed(decoded.success)
    : Result.fail(toConfigError(source, input, decoded.failure.issue))
}

/** {@link decodeConfigResult} in the Effect error channel. */
export const decodeConfig = <S extends Schema.Decoder<unknown>>(
  schema: S,
  input: unknown,
  source = "config"
): Effect.Effect<S["Type"], ConfigError> => Effect.fromResult(decodeConfigResult(schema, input, source))

/** {@link decodeConfigResult} that throws the {@link ConfigError}, for code outside Effect. */
export const decodeConfigSync = <S extends Schema.Decoder<unknown>>(
  schema: S,
  input: unknown,
  source = "config"
): S["Type"] => {
  const decoded = decodeConfigResult(schema, input, source)
  if (Result.isFailure(decoded)) throw decoded.failure
  return decoded.success
}

/** Every field of `T` present and defined. */
export type Complete<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> }

/**
 * Fills the fields a decoded config left out (or set to `undefined`) from `defaults`.
 *
 * @example
 * ```ts
 * withDefaults({ horizon: 16, restarts: 8 }, { horizon: 30 }) // { horizon: 30, restarts: 8 }
 * ```
 */
export const withDefaults = <T extends object>(
  defaults: T,
  overrides: { readonly [K in keyof T]?: T[K] | undefined }
): T => {
  const merged = { ...defaults }
  for (const key of Object.keys(overrides) as Array<keyof T>) {
    const value = overrides[key]
    if (value !== undefined) merged[key] = value as T[keyof T]
  }
  return merged
}
