import { ConfigError } from "@telos/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { flagBounds, usage } from "../src/cli/Arguments.js"
import { parsedFailure as failure, parsedSuccess as success } from "./fixtures.js"

const required = ["collect", "--env", "two-rooms", "--transitions", "1000", "--out", "runs/data"]

describe("parseArguments for telos collect", () => {
  it("documents every collect flag in the usage text", () => {
    for (const flag of [
      "telos collect",
      "--env",
      "--transitions",
      "--obs",
      "--policy",
      "--episode-length",
      "--seed"
    ]) {
      expect(usage).toContain(flag)
    }
  })

  it("collects with defaults: state observations, the env's own policy and episode length, seed 0", () => {
    expect(success(required)).toEqual({
      kind: "collect",
      env: "two-rooms",
      transitions: 1000,
      out: "runs/data",
      observations: "state",
      policy: undefined,
      episodeLength: undefined,
      seed: 0,
      overwrite: false
    })
  })

  it("reads every option, in --flag value and --flag=value forms", () => {
    const expected = {
      kind: "collect",
      env: "two-rooms",
      transitions: 100000,
      out: "2024",
      observations: "pixels",
      policy: "uniform",
      episodeLength: 50,
      seed: 9,
      overwrite: false
    }
    expect(
      success([
        "collect",
        "--env",
        "two-rooms",
        "--transitions",
        "100000",
        "--out",
        "2024",
        "--obs",
        "pixels",
        "--policy",
        "uniform",
        "--episode-length",
        "50",
        "--seed",
        "9"
      ])
    ).toEqual(expected)
    expect(
      success([
        "collect",
        "--seed=9",
        "--episode-length=50",
        "--policy=uniform",
        "--obs=pixels",
        "--out=2024",
        "--transitions=100000",
        "--env=two-rooms"
      ])
    ).toEqual(expected)
  })

  it("asks for help given collect --help", () => {
    expect(success(["collect", "--help"])).toEqual({ kind: "help" })
  })

  it.each([
    { argv: [...required, "--obs", "rgb"], flag: "--obs" },
    { argv: [...required, "--policy", "greedy"], flag: "--policy" },
    { argv: [...required, "--episode-length", "0"], flag: "--episode-length" },
    { argv: [...required, "--episode-length", "2.5"], flag: "--episode-length" },
    { argv: [...required, "--seed", "-1"], flag: "--seed" },
    { argv: [...required, "--suite", "x"], flag: "--suite" },
    { argv: [...required, "--list"], flag: "--list" },
    { argv: [...required, "stray"], flag: "stray" },
    { argv: ["collect", "--env", "e", "--transitions", "0", "--out", "d"], flag: "--transitions" },
    { argv: ["collect", "--env", "e", "--transitions", "many", "--out", "d"], flag: "--transitions" },
    { argv: ["collect", "--env", "e", "--transitions", "1e3.5", "--out", "d"], flag: "--transitions" },
    { argv: ["collect", "--transitions", "10", "--out", "d"], flag: "--env" },
    { argv: ["collect", "--env", "e", "--out", "d"], flag: "--transitions" },
    { argv: ["collect", "--env", "e", "--transitions", "10"], flag: "--out" },
    { argv: ["collect", "--env"], flag: "--env" }
  ])("rejects $argv with one line naming $flag", ({ argv, flag }) => {
    const error = failure(argv)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.source).toBe("arguments")
    expect(error.message).toContain(flag)
    expect(error.message).not.toContain("\n")
  })

  it("names a flag that belongs to bench as not a collect flag", () => {
    expect(failure([...required, "--episodes", "3"]).message).toContain("not a telos collect flag")
  })

  it("names every missing required flag at once", () => {
    expect(failure(["collect"]).issues.map((issue) => issue.field)).toEqual([
      "--env",
      "--transitions",
      "--out"
    ])
  })

  it("keeps telos bench working and names both commands for an unknown one", () => {
    expect(success(["bench", "--suite", "quickstart"])).toMatchObject({ kind: "run", suite: "quickstart" })
    expect(failure(["bench", "--suite", "s", "--transitions", "5"]).message).toContain(
      "not a telos bench flag"
    )
    expect(failure(["gather"]).message).toContain('"bench", "collect" or "train"')
  })

  it("round-trips any positive transition count, episode length and seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: flagBounds.transitions }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.nat(),
        (transitions, episodeLength, seed) => {
          const command = success([
            "collect",
            "--env=e",
            `--transitions=${transitions}`,
            "--out=d",
            `--episode-length=${episodeLength}`,
            `--seed=${seed}`
          ])
          expect(command).toMatchObject({ transitions, episodeLength, seed })
        }
      )
    )
  })
})
