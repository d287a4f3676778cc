/**
 * fp-ts interop, for codebases built on fp-ts. telos itself uses Effect (which fp-ts names as its
 * successor); this entry offers the main fallible operations as `Either` and `TaskEither`.
 *
 * @example
 * ```ts
 * import { validateEither } from "@telos/core/fp-ts"
 * import { either } from "fp-ts"
 * either.isLeft(validateEither(space, [Number.NaN, 0], "action")) // true
 * ```
 *
 * @module
 */
import { Effect, Result, type Schema } from "effect"
import { either, type taskEither } from "fp-ts"
import { type BackendChoice, type ResolveBackendOptions, resolveBackend } from "./Backend.js"
import { decodeConfigResult } from "./Config.js"
import type { ConfigError, InvalidValueError } from "./Errors.js"
import type { Box, Discrete } from "./Space.js"

/** Converts an Effect `Result` to an fp-ts `Either`. */
export const fromResult = <A, E>(result: Result.Result<A, E>): either.Either<E, A> =>
  Result.isSuccess(result) ? either.right(result.success) : either.left(result.failure)

/** Validates a value against a space: `Right` with the checked value, or `Left` with the typed error. */
export function validateEither(
  space: Box,
  value: unknown,
  field?: string
): either.Either<InvalidValueError, Float64Array>
export function validateEither(
  space: Discrete,
  value: unknown,
  field?: string
): either.Either<InvalidValueError, number>
export function validateEither(
  space: Box | Discrete,
  value: unknown,
  field = "value"
): either.Either<InvalidValueError, Float64Array | number> {
  return space._tag === "Box"
    ? fromResult(space.validate(value, field))
    : fromResult(space.validate(value, field))
}

/** Decodes a config with a Schema: `Right` with the value, or `Left` naming every field at fault. */
export const decodeConfigEither = <S extends Schema.Decoder<unknown>>(
  schema: S,
  input: unknown,
  source = "config"
): either.Either<ConfigError, S["Type"]> => fromResult(decodeConfigResult(schema, input, source))

/** Resolves and activates the tensor backend as a `TaskEither`. */
export const resolveBackendTaskEither =
  (options: ResolveBackendOptions = {}): taskEither.TaskEither<ConfigError, BackendChoice> =>
  () =>
    Effect.runPromise(Effect.result(resolveBackend(options))).then(fromResult)
