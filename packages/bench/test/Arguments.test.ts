import { ConfigError } from "@telos/core"
import { Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { flagBounds, parseArguments, usage } from "../src/cli/Arguments.js"
import { parsedFailure as failure, parsedSuccess as success } from "./fixtures.js"

describe("parseArguments", () => {
  it.each([
    [[]],
    [["--help"]],
    [["-h"]],
    [["help"]],
    [["bench", "--help"]],
    [["bench", "--suite", "x", "--help"]]
  ])("asks for help given %j", (argv) => {
    expect(success(argv)).toEqual({ kind: "help" })
  })

  it("documents every flag in the usage text", () => {
    for (const flag of [
      "--list",
      "--suite",
      "--out",
      "--episodes",
      "--seed",
      "--backends",
      "TELOS_BACKEND"
    ]) {
      expect(usage).toContain(flag)
    }
  })

  it("lists the suites with bench --list", () => {
    expect(success(["bench", "--list"])).toEqual({ kind: "list" })
  })

  it("runs a suite with defaults: seed 0, no out directory, the suite's own episode counts", () => {
    const command = success(["bench", "--suite", "quickstart"])
    expect(command).toEqual({
      kind: "run",
      suite: "quickstart",
      out: undefined,
      episodes: undefined,
      seed: 0,
      overwrite: false
    })
  })

  it("reads every option, in --flag value and --flag=value forms", () => {
    const expected = {
      kind: "run",
      suite: "quickstart",
      out: "tmp/run",
      episodes: 3,
      seed: 7,
      overwrite: false
    }
    expect(
      success(["bench", "--suite", "quickstart", "--out", "tmp/run", "--episodes", "3", "--seed", "7"])
    ).toEqual(expected)
    expect(success(["bench", "--suite=quickstart", "--out=tmp/run", "--episodes=3", "--seed=7"])).toEqual(
      expected
    )
    expect(
      success(["bench", "--seed=7", "--episodes", "3", "--out=tmp/run", "--suite", "quickstart"])
    ).toEqual(expected)
  })

  it("reads --backends as a list of backend names, each checked", () => {
    expect(success(["bench", "--suite", "perf", "--backends", "native, wasm,cpu"])).toMatchObject({
      backends: ["native", "wasm", "cpu"]
    })
    expect(success(["bench", "--suite", "perf"])).not.toHaveProperty("backends")
    expect(failure(["bench", "--suite", "perf", "--backends", "native,gpu"]).issues[0]).toMatchObject({
      field: "--backends",
      expected: expect.stringContaining('received "gpu"')
    })
    expect(failure(["bench", "--suite", "perf", "--backends", "wasm,wasm"]).issues[0]).toMatchObject({
      field: "--backends",
      expected: expect.stringContaining("each backend at most once")
    })
  })

  it("keeps an inline value that itself contains '='", () => {
    expect(success(["bench", "--suite", "s", "--out=a=b"])).toMatchObject({ out: "a=b" })
  })

  it("keeps numeric-looking suite ids and directories as strings", () => {
    expect(success(["bench", "--suite", "123", "--out", "2024"])).toMatchObject({ suite: "123", out: "2024" })
  })

  it.each([
    { argv: ["bench", "--suite", "s", "--bogus", "x"], flag: "--bogus" },
    { argv: ["bench", "--suite", "s", "--bogus=x"], flag: "--bogus" },
    { argv: ["bench", "--suite", "s", "--episodes", "-2"], flag: "--episodes" },
    { argv: ["bench", "--suite", "s", "--episodes", "0"], flag: "--episodes" },
    { argv: ["bench", "--suite", "s", "--episodes", "1.5"], flag: "--episodes" },
    { argv: ["bench", "--suite", "s", "--episodes", "abc"], flag: "--episodes" },
    { argv: ["bench", "--suite", "s", "--episodes="], flag: "--episodes" },
    { argv: ["bench", "--suite", "s", "--seed", "-1"], flag: "--seed" },
    { argv: ["bench", "--suite", "s", "--seed", "0.5"], flag: "--seed" },
    { argv: ["bench", "--suite", "s", "--episodes"], flag: "--episodes" },
    { argv: ["bench", "--suite"], flag: "--suite" },
    { argv: ["bench", "--suite", "--episodes", "2"], flag: "--suite" },
    { argv: ["bench", "--suite", "s", "stray"], flag: "stray" },
    { argv: ["bench", "quickstart"], flag: "quickstart" },
    { argv: ["frobnicate"], flag: "frobnicate" },
    { argv: ["bench", "--list=1"], flag: "--list" },
    { argv: ["bench"], flag: "--suite" },
    { argv: ["bench", "--out", "dir"], flag: "--suite" }
  ])("rejects $argv with a ConfigError naming $flag", ({ argv, flag }) => {
    const error = failure(argv)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error._tag).toBe("ConfigError")
    expect(error.source).toBe("arguments")
    expect(error.message).toContain(flag)
    expect(error.message).not.toContain("\n")
  })

  it("says which command it expected for an unknown one", () => {
    expect(failure(["frobnicate"]).message).toMatch(/bench/)
  })

  it("names every bad flag at once", () => {
    const error = failure(["bench", "--suite", "s", "--episodes", "0", "--seed", "-3"])
    expect(error.issues.map((issue) => issue.field).sort()).toEqual(["--episodes", "--seed"])
  })

  it("round-trips any episode count and seed within their bounds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: flagBounds.episodes }),
        fc.nat(),
        fc.boolean(),
        (episodes, seed, inline) => {
          const argv = inline
            ? ["bench", "--suite=s", `--episodes=${episodes}`, `--seed=${seed}`]
            : ["bench", "--suite", "s", "--episodes", String(episodes), "--seed", String(seed)]
          expect(success(argv)).toEqual({
            kind: "run",
            suite: "s",
            out: undefined,
            episodes,
            seed,
            overwrite: false
          })
        }
      )
    )
  })

  it("never throws, and names a flag or token in every error, for any command line", () => {
    const token = fc.oneof(
      fc.constantFrom(
        "bench",
        "collect",
        "train",
        "run",
        "--suite",
        "--out",
        "--episodes",
        "--seed",
        "--env"
      ),
      fc.constantFrom("--transitions", "--epochs", "--batch-size", "--resume", "--overwrite", "--set", "--"),
      fc.constantFrom("", " ", "1e300", "-1", "NaN", "2.5", "a=b", "--episodes=", "--seed=1e999"),
      fc.string(),
      fc.string().map((text) => `--${text}`)
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), (argv) => {
        const parsed = parseArguments(argv)
        if (Result.isFailure(parsed)) {
          expect(parsed.failure).toBeInstanceOf(ConfigError)
          expect(parsed.failure.issues.length).toBeGreaterThan(0)
          for (const issue of parsed.failure.issues) expect(issue.field.trim()).not.toBe("")
        }
      }),
      { numRuns: 2_000 }
    )
  })

  it("rejects counts beyond their bounds before anything is allocated, naming the flag and the bound", () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [["bench", "--suite", "s", "--episodes", "1e12"], "--episodes"],
      [["bench", "--suite", "s", "--seed", "1e300"], "--seed"],
      [["collect", "--env", "e", "--out", "d", "--transitions", "1e12"], "--transitions"],
      [
        ["collect", "--env", "e", "--out", "d", "--transitions", "9", "--episode-length", "1e9"],
        "--episode-length"
      ],
      [
        ["train", "--env", "e", "--obs", "state", "--data", "d", "--out", "m", "--batch-size", "1e12"],
        "--batch-size"
      ],
      [
        ["train", "--env", "e", "--obs", "state", "--data", "d", "--out", "m", "--latent-size", "1e7"],
        "--latent-size"
      ],
      [
        ["train", "--env", "e", "--obs", "state", "--data", "d", "--out", "m", "--rollout-steps", "5000"],
        "--rollout-steps"
      ]
    ]
    for (const [argv, flag] of cases) {
      const issue = failure(argv).issues[0]
      expect(issue?.field).toBe(flag)
      expect(issue?.expected).toMatch(/less than or equal to \d|an integer/)
    }
  })

  it("rejects any non-positive integer episode count, naming --episodes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 0 }), (episodes) => {
        expect(failure(["bench", "--suite", "s", `--episodes=${episodes}`]).message).toContain("--episodes")
      })
    )
  })
})
