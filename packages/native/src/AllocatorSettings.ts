/**
 * glibc's allocator settings under which the native kernels run at a steady speed.
 *
 * ONNX Runtime's worker threads allocate and free buffers of a few megabytes on every large
 * product. glibc serves such sizes with fresh `mmap`s and hands freed memory back to the system
 * (`trim`), so the next product faults every page in again: on 2 cores the JEPA training step of
 * the perf suite measured 83-130 ms median (min 38) with glibc's defaults, 41-42 ms with both
 * thresholds raised, same machine, same sitting. glibc reads them only when a process starts, so
 * a program sets them for the process it starts (the `telos` command restarts itself with them).
 *
 * @module
 */

/**
 * The environment settings: allocations up to 32 MiB (glibc's largest threshold) come from the
 * heap, and freed memory stays with the process up to 1 GiB.
 */
export const steadyAllocatorSettings: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(1024 * 1024 * 1024)
}

/**
 * The settings `environment` lacks, on Linux (glibc reads them; other platforms and C libraries
 * ignore them, so nothing is missing there). A setting already present, whatever its value, is the
 * user's choice and kept.
 *
 * @example
 * ```ts
 * const missing = missingAllocatorSettings(process.env, process.platform)
 * if (Object.keys(missing).length > 0) restartWith({ ...process.env, ...missing })
 * ```
 */
export const missingAllocatorSettings = (
  environment: Readonly<Record<string, string | undefined>>,
  platform: string
): Record<string, string> =>
  platform !== "linux"
    ? {}
    : Object.fromEntries(
        Object.entries(steadyAllocatorSettings).filter(([name]) => environment[name] === undefined)
      )
