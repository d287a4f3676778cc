#!/usr/bin/env node
/**
 * The `telos` executable. On Linux it restarts itself once with glibc's allocator settings for
 * the native kernels (see `steadyAllocatorSettings` in `@telos/native`): glibc reads them only
 * when a process starts, and without them the native backend's speed swings by 2-3x from run to
 * run. A setting the user gave is kept.
 *
 * @module
 */
import { spawnSync } from "node:child_process"
// The settings' own module: the process that only restarts need not load TensorFlow.js.
import { missingAllocatorSettings } from "@telos/native/allocator-settings"

const missing = missingAllocatorSettings(process.env, process.platform)
const restarted =
  Object.keys(missing).length === 0
    ? undefined
    : spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        stdio: "inherit",
        env: { ...process.env, ...missing }
      })

if (restarted === undefined || restarted.error !== undefined) {
  const { main, nodeTerminal } = await import("./cli/CommandLine.js")
  process.exitCode = await main(process.argv.slice(2), nodeTerminal())
} else {
  // A child ended by a signal has no status: report it as a failure.
  process.exitCode = restarted.status ?? 1
}
