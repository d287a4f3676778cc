import {
  activateBestBackend,
  type BackendCandidate,
  type BackendChoice,
  backendNames,
  ConfigError,
  defaultCandidates,
  type ResolveBackendOptions,
  resolveBackend,
  TensorBackend
} from "@telos/core"
import * as tf from "@tensorflow/tfjs"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { restoreBackendAfterAll } from "./support.js"

/** A candidate that activates TensorFlow.js's bundled cpu backend under a telos name. */
const working = (name: BackendCandidate["name"], loads: Array<string> = []): BackendCandidate => ({
  name,
  tensorflowName: "cpu",
  load: () => {
    loads.push(name)
    return Promise.resolve()
  }
})

/** A candidate whose package is absent, as Node reports it. */
const missing = (name: BackendCandidate["name"], loads: Array<string> = []): BackendCandidate => ({
  name,
  tensorflowName: "telos-test-missing",
  load: () => {
    loads.push(name)
    return Promise.reject(
      Object.assign(new Error(`no such package for ${name}`), { code: "ERR_MODULE_NOT_FOUND" })
    )
  }
})

/** A candidate whose package loads but fails, with a multi-line message and a stack. */
const broken = (
  name: BackendCandidate["name"],
  message: string,
  loads: Array<string> = []
): BackendCandidate => ({
  name,
  tensorflowName: "telos-test-broken",
  load: () => {
    loads.push(name)
    return Promise.reject(new Error(message))
  }
})

const resolve = (options: ResolveBackendOptions): Promise<BackendChoice> =>
  Effect.runPromise(resolveBackend({ environment: {}, ...options }))

const resolveFailure = async (options: ResolveBackendOptions): Promise<ConfigError> => {
  const result = await Effect.runPromise(Effect.result(resolveBackend(options)))
  if (Result.isSuccess(result)) throw new Error(`expected a failure, got ${result.success.name}`)
  return result.failure
}

restoreBackendAfterAll()

describe("resolveBackend with simulated candidates", () => {
  it("skips a backend that is not installed with a one-line notice", async () => {
    const choice = await resolve({ candidates: [missing("node-gpu"), working("cpu")] })
    expect(choice).toEqual({ name: "cpu", notices: ["telos: backend node-gpu skipped (not installed)"] })
    expect(tf.getBackend()).toBe("cpu")
  })

  it("recognises CommonJS's MODULE_NOT_FOUND and a bundler's 'could not resolve' as not installed", async () => {
    const commonjs: BackendCandidate = {
      name: "node",
      tensorflowName: "tensorflow",
      load: () =>
        Promise.reject(Object.assign(new Error("Cannot find module 'x'"), { code: "MODULE_NOT_FOUND" }))
    }
    const bundler: BackendCandidate = {
      name: "node-gpu",
      tensorflowName: "tensorflow",
      load: () =>
        Promise.reject(new Error('Could not resolve "@tensorflow/tfjs-node-gpu" imported by "@telos/core".'))
    }
    const choice = await resolve({ candidates: [bundler, commonjs, working("cpu")] })
    expect(choice.notices).toEqual([
      "telos: backend node-gpu skipped (not installed)",
      "telos: backend node skipped (not installed)"
    ])
  })

  it("skips a broken backend with the first line of its message and no stack", async () => {
    const message =
      "\nlibtensorflow.so.2: cannot open shared object file\n    at Module._load (node:internal)\n"
    const choice = await resolve({ candidates: [broken("node", message), working("wasm")] })
    expect(choice.name).toBe("wasm")
    expect(choice.notices).toEqual([
      "telos: backend node skipped (libtensorflow.so.2: cannot open shared object file)"
    ])
  })

  it("keeps every notice to one short line, whatever the failure says", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), fc.boolean(), async (message, asError) => {
        const candidate: BackendCandidate = {
          name: "node",
          tensorflowName: "telos-test-broken",
          load: () => Promise.reject(asError ? new Error(message) : message)
        }
        const choice = await resolve({ candidates: [candidate, working("cpu")] })
        expect(choice.name).toBe("cpu")
        expect(choice.notices).toHaveLength(1)
        const notice = choice.notices[0]!
        expect(notice).not.toContain("\n")
        expect(notice.startsWith("telos: backend node skipped (")).toBe(true)
        expect(notice.length).toBeLessThanOrEqual("telos: backend node skipped ()".length + 160)
        const first = message.split("\n").find((line) => line.trim().length > 0)
        if (
          first !== undefined &&
          first.length <= 160 &&
          !/^\s*(Cannot find|Could not resolve|Failed to)/i.test(first)
        ) {
          expect(notice).toBe(`telos: backend node skipped (${first})`)
        }
      }),
      { numRuns: 50 }
    )
  })

  it("reports a thrown non-error, an empty message and a synchronous throw", async () => {
    const choice = await resolve({
      candidates: [
        { name: "node-gpu", tensorflowName: "x", load: () => Promise.reject("plain string") },
        { name: "node", tensorflowName: "x", load: () => Promise.reject(new Error("")) },
        {
          name: "wasm",
          tensorflowName: "x",
          load: () => {
            throw new Error("thrown synchronously")
          }
        },
        working("cpu")
      ]
    })
    expect(choice).toEqual({
      name: "cpu",
      notices: [
        "telos: backend node-gpu skipped (plain string)",
        "telos: backend node skipped (unknown error)",
        "telos: backend wasm skipped (thrown synchronously)"
      ]
    })
  })

  it("cuts a long first line", async () => {
    const choice = await resolve({ candidates: [broken("node", "x".repeat(500)), working("cpu")] })
    expect(choice.notices[0]).toBe(`telos: backend node skipped (${"x".repeat(157)}...)`)
  })

  it("skips a backend whose package loads but that TensorFlow.js does not know", async () => {
    const unregistered: BackendCandidate = {
      name: "node",
      tensorflowName: "telos-test-unregistered",
      load: () => Promise.resolve()
    }
    const choice = await resolve({ candidates: [unregistered, working("cpu")] })
    expect(choice.name).toBe("cpu")
    expect(choice.notices).toHaveLength(1)
    expect(choice.notices[0]).toMatch(/^telos: backend node skipped \(.*telos-test-unregistered.*\)$/)
  })

  it("skips a backend that TensorFlow.js fails to initialise", async () => {
    tf.registerBackend("telos-test-failing", () => {
      throw new Error("no device")
    })
    try {
      const failing: BackendCandidate = {
        name: "node-gpu",
        tensorflowName: "telos-test-failing",
        load: () => Promise.resolve()
      }
      const choice = await resolve({ candidates: [failing, working("cpu")] })
      expect(choice).toEqual({
        name: "cpu",
        notices: ['telos: backend node-gpu skipped (TensorFlow.js could not initialise "telos-test-failing")']
      })
    } finally {
      tf.removeBackend("telos-test-failing")
    }
  })

  it("chooses the first candidate that works and stops there", async () => {
    const loads: Array<string> = []
    const choice = await resolve({
      candidates: [
        missing("node-gpu", loads),
        working("node", loads),
        working("wasm", loads),
        working("cpu", loads)
      ]
    })
    expect(choice).toEqual({ name: "node", notices: ["telos: backend node-gpu skipped (not installed)"] })
    expect(loads).toEqual(["node-gpu", "node"])
  })

  it("tries the candidates in order for any pattern of failures", async () => {
    const kinds = fc.array(fc.constantFrom("missing", "broken", "working"), {
      minLength: backendNames.length,
      maxLength: backendNames.length
    })
    await fc.assert(
      fc.asyncProperty(kinds, async (pattern) => {
        const loads: Array<string> = []
        const candidates = backendNames.map((name, index) =>
          pattern[index] === "missing"
            ? missing(name, loads)
            : pattern[index] === "broken"
              ? broken(name, "boom", loads)
              : working(name, loads)
        )
        const choice = await resolve({ candidates })
        const firstWorking = pattern.indexOf("working")
        if (firstWorking === -1) {
          expect(choice.name).toBe("cpu")
          expect(choice.notices).toHaveLength(6)
          expect(choice.notices[5]).toBe(
            "telos: no backend could be activated; TensorFlow.js keeps its own default"
          )
          expect(loads).toEqual([...backendNames])
        } else {
          expect(choice.name).toBe(backendNames[firstWorking])
          expect(loads).toEqual(backendNames.slice(0, firstWorking + 1))
          expect(choice.notices).toEqual(
            pattern
              .slice(0, firstWorking)
              .map(
                (kind, index) =>
                  `telos: backend ${backendNames[index]} skipped (${kind === "missing" ? "not installed" : "boom"})`
              )
          )
        }
      }),
      { numRuns: 40 }
    )
  })
})

describe("resolveBackend with TELOS_BACKEND", () => {
  it("selects the backend TELOS_BACKEND names", async () => {
    for (const name of backendNames) {
      const loads: Array<string> = []
      const candidates = backendNames.map((candidate) => working(candidate, loads))
      const choice = await resolve({ candidates, environment: { TELOS_BACKEND: name } })
      expect(choice).toEqual({ name, notices: [] })
      expect(loads).toEqual([name])
    }
  })

  it("treats auto and an empty value as no preference", async () => {
    for (const value of ["auto", "", undefined]) {
      const choice = await resolve({
        candidates: [missing("node"), working("wasm"), working("cpu")],
        environment: { TELOS_BACKEND: value }
      })
      expect(choice.name).toBe("wasm")
    }
  })

  it("lets the preferred option override TELOS_BACKEND", async () => {
    const choice = await resolve({
      candidates: [working("wasm"), working("cpu")],
      environment: { TELOS_BACKEND: "wasm" },
      preferred: "cpu"
    })
    expect(choice).toEqual({ name: "cpu", notices: [] })
  })

  it("falls through to the default order when the requested backend fails", async () => {
    const loads: Array<string> = []
    const choice = await resolve({
      candidates: [
        missing("node-gpu", loads),
        broken("wasm", "wasm binary is corrupt", loads),
        working("cpu", loads)
      ],
      environment: { TELOS_BACKEND: "wasm" }
    })
    expect(choice).toEqual({
      name: "cpu",
      notices: [
        "telos: backend wasm skipped (wasm binary is corrupt)",
        "telos: backend node-gpu skipped (not installed)"
      ]
    })
    expect(loads).toEqual(["wasm", "node-gpu", "cpu"])
  })

  it("returns a ConfigError naming TELOS_BACKEND for an unknown name, loading nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ minLength: 1 })
          .filter((name) => name !== "auto" && !(backendNames as ReadonlyArray<string>).includes(name)),
        async (name) => {
          const loads: Array<string> = []
          const error = await resolveFailure({
            candidates: backendNames.map((candidate) => working(candidate, loads)),
            environment: { TELOS_BACKEND: name }
          })
          expect(error).toBeInstanceOf(ConfigError)
          expect(error.source).toBe("environment")
          expect(error.issues).toHaveLength(1)
          expect(error.issues[0]!.field).toBe("TELOS_BACKEND")
          expect(error.issues[0]!.expected).toContain("auto, node-gpu, node, native, wasm, cpu")
          expect(error.issues[0]!.expected).toContain(JSON.stringify(name))
          expect(error.message).toContain("TELOS_BACKEND")
          expect(loads).toEqual([])
        }
      ),
      { numRuns: 30 }
    )
  })

  it("reports an unknown preferred option as coming from the option", async () => {
    const error = await resolveFailure({ preferred: "tpu", environment: {}, candidates: [working("cpu")] })
    expect(error.source).toBe("backend option")
    expect(error.issues[0]!.field).toBe("TELOS_BACKEND")
    expect(error.issues[0]!.expected).toBe('expected one of auto, cpu, received "tpu"')
    expect(error.message).toBe(
      'invalid backend option: TELOS_BACKEND: expected one of auto, cpu, received "tpu"'
    )
  })
})

describe("resolveBackend with the default candidates", () => {
  it("lists the backends in order of preference", () => {
    expect(defaultCandidates.map((candidate) => candidate.name)).toEqual([
      "node-gpu",
      "node",
      "native",
      "wasm",
      "cpu"
    ])
    expect(backendNames).toEqual(["node-gpu", "node", "native", "wasm", "cpu"])
  })

  // onnxruntime-node is installed here (an optional dependency of @telos/native), the TensorFlow
  // bindings are not.
  it("chooses native here, noting that the TensorFlow bindings are not installed", async () => {
    const choice = await Effect.runPromise(resolveBackend({ environment: {} }))
    expect(choice).toEqual({
      name: "native",
      notices: [
        "telos: backend node-gpu skipped (not installed)",
        "telos: backend node skipped (not installed)"
      ]
    })
    expect(tf.getBackend()).toBe("native")
    // The backend computes.
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync())
    expect(sum).toEqual([4, 6])
  })

  it("reports missing TensorFlow bindings requested by TELOS_BACKEND and falls through to native", async () => {
    const choice = await Effect.runPromise(resolveBackend({ environment: { TELOS_BACKEND: "node" } }))
    expect(choice).toEqual({
      name: "native",
      notices: [
        "telos: backend node skipped (not installed)",
        "telos: backend node-gpu skipped (not installed)"
      ]
    })
  })

  it("honours TELOS_BACKEND=cpu", async () => {
    const choice = await Effect.runPromise(resolveBackend({ environment: { TELOS_BACKEND: "cpu" } }))
    expect(choice).toEqual({ name: "cpu", notices: [] })
    expect(tf.getBackend()).toBe("cpu")
  })
})

describe("TensorBackend layer", () => {
  it("provides the resolved choice, resolving once", async () => {
    const loads: Array<string> = []
    const program = Effect.gen(function* () {
      const first = yield* TensorBackend
      const second = yield* TensorBackend
      return [first, second] as const
    })
    const [first, second] = await Effect.runPromise(
      program.pipe(
        Effect.provide(
          TensorBackend.layer({
            candidates: [missing("node", loads), working("cpu", loads)],
            environment: {}
          })
        )
      )
    )
    expect(first).toEqual({ name: "cpu", notices: ["telos: backend node skipped (not installed)"] })
    expect(second).toBe(first)
    expect(loads).toEqual(["node", "cpu"])
  })

  it("honours TELOS_BACKEND through its options", async () => {
    const choice = await Effect.runPromise(
      Effect.gen(function* () {
        return yield* TensorBackend
      }).pipe(
        Effect.provide(
          TensorBackend.layer({
            candidates: [working("wasm"), working("cpu")],
            environment: { TELOS_BACKEND: "cpu" }
          })
        )
      )
    )
    expect(choice.name).toBe("cpu")
  })

  it("fails to build with a ConfigError for an unknown TELOS_BACKEND", async () => {
    const result = await Effect.runPromise(
      Effect.result(
        Effect.gen(function* () {
          return yield* TensorBackend
        }).pipe(Effect.provide(TensorBackend.layer({ environment: { TELOS_BACKEND: "gpu" } })))
      )
    )
    expect(Result.isFailure(result)).toBe(true)
    if (Result.isFailure(result)) {
      expect(result.failure._tag).toBe("ConfigError")
      expect(result.failure.issues[0]!.field).toBe("TELOS_BACKEND")
    }
  })
})

describe("activateBestBackend", () => {
  it("resolves like resolveBackend, as a promise", async () => {
    const choice = await activateBestBackend({
      candidates: [missing("node"), working("cpu")],
      environment: {}
    })
    expect(choice).toEqual({ name: "cpu", notices: ["telos: backend node skipped (not installed)"] })
  })

  it("rejects with a ConfigError for an unknown TELOS_BACKEND", async () => {
    await expect(
      activateBestBackend({ candidates: [working("cpu")], environment: { TELOS_BACKEND: "tpu" } })
    ).rejects.toMatchObject({ _tag: "ConfigError" })
  })
})
