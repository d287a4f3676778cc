/**
 * Random command lines against `telos`'s argument parser: commands, known and unknown flags, and
 * values of every kind (huge, negative, fractional, NaN, empty, flags where values belong). The
 * parser must return a command or a `ConfigError` naming a flag for every one, and never throw.
 *
 * @module
 */
import { ConfigError, type Random } from "@telos/core"
import { Result } from "effect"
import { parseArguments } from "../../cli/Arguments.js"
import type { CaseOutcome } from "./Tally.js"

const commands = ["bench", "collect", "train", "run", "help", "--help", "frobnicate", ""]
const flags = [
  "--suite",
  "--out",
  "--episodes",
  "--seed",
  "--backends",
  "--env",
  "--transitions",
  "--obs",
  "--policy",
  "--episode-length",
  "--data",
  "--epochs",
  "--steps-per-epoch",
  "--batch-size",
  "--rollout-steps",
  "--latent-size",
  "--learning-rate",
  "--latent-variable",
  "--resume",
  "--overwrite",
  "--list",
  "--help",
  "--config",
  "--preset",
  "--set",
  "--cache",
  "--print-config",
  "--bogus",
  "-x",
  "--"
]
const values = [
  "0",
  "1",
  "-3",
  "2.5",
  "1e12",
  "1e300",
  "-1e300",
  "NaN",
  "Infinity",
  "0x10",
  "",
  " ",
  "two-rooms",
  "state",
  "pixels",
  "native,wasm",
  "native,native",
  "actor.horizon=1e9",
  "a=b=c",
  "=",
  "../../etc/passwd",
  "/proc/x",
  "\u0000",
  "ünïcödé",
  "--episodes",
  String(Number.MAX_SAFE_INTEGER + 2)
]

const pick = <A>(items: ReadonlyArray<A>, rng: Random): A => items[rng.integer(items.length)] as A

/** A random command line. */
export const randomArgv = (rng: Random): ReadonlyArray<string> => {
  const argv = [pick(commands, rng)]
  const tokens = rng.integer(8)
  for (let index = 0; index < tokens; index++) {
    const flag = pick(flags, rng)
    const form = rng.integer(4)
    if (form === 0) argv.push(flag)
    else if (form === 1) argv.push(`${flag}=${pick(values, rng)}`)
    else argv.push(flag, pick(values, rng))
  }
  return argv
}

/** Parses `argv` and classifies the outcome. */
export const argumentCase = (argv: ReadonlyArray<string>): CaseOutcome => {
  try {
    const parsed = parseArguments(argv)
    if (Result.isSuccess(parsed)) return {}
    const error = parsed.failure
    if (!(error instanceof ConfigError)) return { defect: "a failure that is not a ConfigError" }
    if (error.issues.length === 0 || error.issues.some((issue) => issue.field.length === 0)) {
      return { defect: `a ConfigError that names no flag: ${error.message}` }
    }
    return {}
  } catch (error) {
    return { defect: `threw ${error instanceof Error ? error.message : String(error)}` }
  }
}
