import { missingAllocatorSettings, steadyAllocatorSettings } from "@telos/native"
import { describe, expect, it } from "vitest"

describe("missingAllocatorSettings", () => {
  it("names every setting an environment lacks on Linux, and keeps the user's own values", () => {
    expect(missingAllocatorSettings({}, "linux")).toEqual(steadyAllocatorSettings)
    expect(missingAllocatorSettings({ MALLOC_TRIM_THRESHOLD_: "0" }, "linux")).toEqual({
      MALLOC_MMAP_THRESHOLD_: steadyAllocatorSettings.MALLOC_MMAP_THRESHOLD_
    })
    expect(missingAllocatorSettings({ ...steadyAllocatorSettings }, "linux")).toEqual({})
  })

  it("asks for nothing where glibc does not read them", () => {
    expect(missingAllocatorSettings({}, "darwin")).toEqual({})
    expect(missingAllocatorSettings({}, "win32")).toEqual({})
  })

  it("stays within glibc's limits: the mmap threshold at most 32 MiB", () => {
    expect(Number(steadyAllocatorSettings.MALLOC_MMAP_THRESHOLD_)).toBeLessThanOrEqual(32 * 1024 * 1024)
    expect(Number(steadyAllocatorSettings.MALLOC_TRIM_THRESHOLD_)).toBeGreaterThan(0)
  })
})
