/**
 * Command-line arguments of `telos`, decoded with a Schema so that a bad argument is one line
 * naming the flag and what it expected.
 *
 * @module
 */
import { ConfigError, decodeConfigResult } from "@telos/core"
import { Result, Schema } from "effect"

/** What the user asked for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "list" }
  | {
      readonly kind: "run"
      readonly suite: string
      readonly out: string | undefined
      readonly episodes: number | undefined
      readonly seed: number
    }

/** The flags of `telos bench`, after tokenising. */
export const BenchFlags = Schema.Struct({
  list: Schema.optional(Schema.Boolean),
  help: Schema.optional(Schema.Boolean),
  suite: Schema.optional(Schema.NonEmptyString),
  out: Schema.optional(Schema.NonEmptyString),
  episodes: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0))),
  seed: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
})

const booleanFlags = new Set(["list", "help"])
// Only these flags hold numbers; the others (a suite id, a directory) stay strings even when they
// look numeric, so `--out 2024` names a directory called 2024.
const numericFlags = new Set(["episodes", "seed"])

/** The usage text. */
export const usage = `usage:
  telos bench --list                 list the benchmark suites
  telos bench --suite ID [options]   run a suite
options:
  --out DIR        where to write results.json, report.md, report.html (default runs/ID/TIMESTAMP)
  --episodes N     episodes per row, overriding the suite's own counts (N > 0)
  --seed S         seed of the first episode (default 0); episode i uses S + i
environment:
  TELOS_BACKEND    auto | node-gpu | node | wasm | cpu`

const argumentError = (field: string, expected: string): ConfigError =>
  new ConfigError({ source: "arguments", issues: [{ field, expected }] })

const asNumberIfNumeric = (text: string): string | number => {
  const value = Number(text)
  return text.trim() !== "" && Number.isFinite(value) ? value : text
}

/** Splits `--flag value` and `--flag=value` pairs into a record for the Schema. */
const tokenize = (tokens: ReadonlyArray<string>): Result.Result<Record<string, unknown>, ConfigError> => {
  const flags: Record<string, unknown> = {}
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string
    if (!token.startsWith("--"))
      return Result.fail(argumentError(token, "a flag starting with --; see telos --help"))
    const [name, inline] = token.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    if (booleanFlags.has(name)) {
      if (inline !== undefined) return Result.fail(argumentError(`--${name}`, "no value"))
      flags[name] = true
      continue
    }
    const value = inline ?? tokens[index + 1]
    if (value === undefined || (inline === undefined && value.startsWith("--"))) {
      return Result.fail(argumentError(`--${name}`, "a value after the flag"))
    }
    if (inline === undefined) index++
    flags[name] = numericFlags.has(name) ? asNumberIfNumeric(value) : value
  }
  return Result.succeed(flags)
}

const asFlagError = (error: ConfigError): ConfigError =>
  new ConfigError({
    source: "arguments",
    issues: error.issues.map((issue) => ({
      field: issue.field === "(root)" ? issue.field : `--${issue.field}`,
      expected: issue.expected.replace(/^expected no excess property$/, "not a telos bench flag")
    }))
  })

/**
 * Decodes `argv` (without the node and script paths).
 *
 * @example
 * ```ts
 * parseArguments(["bench", "--suite", "quickstart", "--episodes", "2"])
 * // Success: { kind: "run", suite: "quickstart", episodes: 2, seed: 0, out: undefined }
 * ```
 */
export const parseArguments = (argv: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const [command, ...rest] = argv
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return Result.succeed({ kind: "help" })
  }
  if (command !== "bench") return Result.fail(argumentError("command", `"bench", received "${command}"`))
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(BenchFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure))
  const flags = decoded.success
  if (flags.help === true) return Result.succeed({ kind: "help" })
  if (flags.list === true) return Result.succeed({ kind: "list" })
  if (flags.suite === undefined)
    return Result.fail(argumentError("--suite", "a suite id (or --list to see them)"))
  return Result.succeed({
    kind: "run",
    suite: flags.suite,
    out: flags.out,
    episodes: flags.episodes,
    seed: flags.seed ?? 0
  })
}
