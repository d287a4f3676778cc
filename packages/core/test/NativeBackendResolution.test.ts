import { activateBestBackend, type BackendCandidate, defaultCandidates } from "@telos/core"
import { NativeRuntimeUnavailable } from "@telos/native"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { restoreBackendAfterAll } from "./support.js"

restoreBackendAfterAll()

describe("backend resolution with the native backend", () => {
  const candidate = (name: BackendCandidate["name"]): BackendCandidate => {
    const found = defaultCandidates.find((entry) => entry.name === name)
    if (found === undefined) throw new Error(`no default candidate ${name}`)
    return found
  }

  it("lists native between the TensorFlow bindings and wasm", () => {
    expect(defaultCandidates.map((entry) => entry.name)).toEqual([
      "node-gpu",
      "node",
      "native",
      "wasm",
      "cpu"
    ])
  })

  it("picks native when it is preferred", async () => {
    const choice = await activateBestBackend({ preferred: "native", environment: {} })
    expect(choice).toEqual({ name: "native", notices: [] })
    expect(tf.getBackend()).toBe("native")
  })

  it("picks native from TELOS_BACKEND with the default candidates", async () => {
    await tf.setBackend("cpu")
    const choice = await activateBestBackend({ environment: { TELOS_BACKEND: "native" } })
    expect(choice).toEqual({ name: "native", notices: [] })
    expect(tf.getBackend()).toBe("native")
  })

  it("falls back to wasm with a notice naming native and why, when ONNX Runtime is unavailable", async () => {
    await tf.setBackend("cpu")
    const unavailable: BackendCandidate = {
      name: "native",
      tensorflowName: "native",
      load: () => Promise.reject(new NativeRuntimeUnavailable("onnxruntime-node is not installed"))
    }
    const choice = await activateBestBackend({
      candidates: [unavailable, candidate("wasm"), candidate("cpu")],
      environment: {}
    })
    expect(choice.name).toBe("wasm")
    expect(tf.getBackend()).toBe("wasm")
    expect(choice.notices).toHaveLength(1)
    const notice = choice.notices[0] as string
    expect(notice).toContain("native")
    expect(notice).toContain("onnxruntime-node is not installed")
    expect(notice).toBe(
      "telos: backend native skipped (onnxruntime-node cannot be used: onnxruntime-node is not installed)"
    )
  })

  it("falls back the same way when native is asked for by name", async () => {
    const unavailable: BackendCandidate = {
      name: "native",
      tensorflowName: "native",
      load: () =>
        Promise.reject(
          new NativeRuntimeUnavailable("onnxruntime-node 1.29.0 is installed; telos needs exactly 1.30.0")
        )
    }
    const choice = await activateBestBackend({
      candidates: [unavailable, candidate("wasm"), candidate("cpu")],
      preferred: "native",
      environment: {}
    })
    expect(choice).toEqual({
      name: "wasm",
      notices: [
        "telos: backend native skipped (onnxruntime-node cannot be used: onnxruntime-node 1.29.0 is installed; telos needs exactly 1.30.0)"
      ]
    })
  })
})
