/**
 * Command-line arguments of `telos` (`telos bench ...`, `telos collect ...`), decoded with a Schema
 * so that a bad argument is one line naming the flag and what it expected.
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
  | CollectCommand

/**
 * `telos collect`: gather an offline dataset from an environment with an exploration policy.
 *
 * @example
 * ```ts
 * const command: CollectCommand = {
 *   kind: "collect", env: "two-rooms", transitions: 100_000, out: "runs/data",
 *   observations: "pixels", policy: undefined, episodeLength: undefined, seed: 0
 * }
 * ```
 */
export interface CollectCommand {
  readonly kind: "collect"
  readonly env: string
  readonly transitions: number
  readonly out: string
  /** Record state observations only, or images too. */
  readonly observations: "state" | "pixels"
  /** `undefined`: a random walk for 2-D actions, uniform actions otherwise. */
  readonly policy: "random-walk" | "uniform" | undefined
  /** `undefined`: the environment's own episode budget. */
  readonly episodeLength: number | undefined
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

/**
 * The flags of `telos collect`, after tokenising.
 *
 * @example
 * ```ts
 * decodeConfigResult(CollectFlags, { env: "two-rooms", transitions: 1000, out: "runs/d" }, "arguments")
 * ```
 */
export const CollectFlags = Schema.Struct({
  help: Schema.optional(Schema.Boolean),
  env: Schema.optional(Schema.NonEmptyString),
  transitions: Schema.optional(Schema.Int.check(Schema.isGreaterThan(0))),
  out: Schema.optional(Schema.NonEmptyString),
  obs: Schema.optional(Schema.Literals(["state", "pixels"])),
  policy: Schema.optional(Schema.Literals(["random-walk", "uniform"])),
  "episode-length": Schema.optional(Schema.Int.check(Schema.isGreaterThan(0))),
  seed: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
})

const booleanFlags = new Set(["list", "help"])
// Only these flags hold numbers; the others (a suite id, a directory) stay strings even when they
// look numeric, so `--out 2024` names a directory called 2024.
const numericFlags = new Set(["episodes", "seed", "transitions", "episode-length"])

/** The usage text. */
export const usage = `usage:
  telos bench --list                 list the benchmark suites
  telos bench --suite ID [options]   run a suite
options:
  --out DIR        where to write results.json, report.md, report.html (default runs/ID/TIMESTAMP)
  --episodes N     episodes per row, overriding the suite's own counts (N > 0)
  --seed S         seed of the first episode (default 0); episode i uses S + i

  telos collect --env ID --transitions N --out DIR [options]
                   gather an offline dataset into DIR/dataset.bin
options:
  --obs state|pixels            record images too with pixels (default state)
  --policy random-walk|uniform  exploration (default random-walk for 2-D actions, else uniform)
  --episode-length L            transitions per episode (default the environment's budget)
  --seed S                      seed of the whole collection (default 0)
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

const asFlagError = (error: ConfigError, command: string): ConfigError =>
  new ConfigError({
    source: "arguments",
    issues: error.issues.map((issue) => ({
      field: issue.field === "(root)" ? issue.field : `--${issue.field}`,
      expected: issue.expected.replace(/^expected no excess property$/, `not a telos ${command} flag`)
    }))
  })

const parseCollect = (rest: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(CollectFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "collect"))
  const flags = decoded.success
  if (flags.help === true) return Result.succeed({ kind: "help" })
  const missing = [
    ...(flags.env === undefined ? [{ field: "--env", expected: "an environment id" }] : []),
    ...(flags.transitions === undefined
      ? [{ field: "--transitions", expected: "a number of transitions > 0" }]
      : []),
    ...(flags.out === undefined ? [{ field: "--out", expected: "a directory for dataset.bin" }] : [])
  ]
  if (flags.env === undefined || flags.transitions === undefined || flags.out === undefined) {
    return Result.fail(new ConfigError({ source: "arguments", issues: missing }))
  }
  return Result.succeed({
    kind: "collect",
    env: flags.env,
    transitions: flags.transitions,
    out: flags.out,
    observations: flags.obs ?? "state",
    policy: flags.policy,
    episodeLength: flags["episode-length"],
    seed: flags.seed ?? 0
  })
}

/**
 * Decodes `argv` (without the node and script paths).
 *
 * @example
 * ```ts
 * parseArguments(["bench", "--suite", "quickstart", "--episodes", "2"])
 * // Success: { kind: "run", suite: "quickstart", episodes: 2, seed: 0, out: undefined }
 * parseArguments(["collect", "--env", "two-rooms", "--transitions", "1000", "--out", "runs/d"])
 * // Success: { kind: "collect", env: "two-rooms", transitions: 1000, observations: "state", ... }
 * ```
 */
export const parseArguments = (argv: ReadonlyArray<string>): Result.Result<Command, ConfigError> => {
  const [command, ...rest] = argv
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return Result.succeed({ kind: "help" })
  }
  if (command === "collect") return parseCollect(rest)
  if (command !== "bench") {
    return Result.fail(argumentError("command", `"bench" or "collect", received "${command}"`))
  }
  const tokens = tokenize(rest)
  if (Result.isFailure(tokens)) return Result.fail(tokens.failure)
  const decoded = decodeConfigResult(BenchFlags, tokens.success, "arguments")
  if (Result.isFailure(decoded)) return Result.fail(asFlagError(decoded.failure, "bench"))
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
