#!/usr/bin/env node
/**
 * The `telos` executable. On Linux it restarts itself once with glibc's allocator settings for
 * the native kernels (see `steadyAllocatorSettings` in `@telos/native`): glibc reads them only
 * when a process starts, and without them the native backend's speed swings by 2-3x from run to
 * run. A setting the user gave is kept.
 *
 * The restarted worker runs in its own process group and the launcher forwards every stop signal to
 * it, so `kill <telos pid>` stops the worker too; a launcher killed outright closes the worker's
 * IPC channel, which stops the worker at its next safe point. The launcher exits with the worker's
 * status.
 *
 * @module
 */
import { spawn } from "node:child_process"
// The settings' own module: the process that only restarts need not load TensorFlow.js.
import { missingAllocatorSettings } from "@telos/native/allocator-settings"
import { signalExitCode, stopOnSignals, stopSignals } from "./cli/Signals.js"

const runHere = async (): Promise<void> => {
  stopOnSignals((line) => process.stderr.write(`${line}\n`))
  const { main, nodeTerminal } = await import("./cli/CommandLine.js")
  process.exitCode = await main(process.argv.slice(2), nodeTerminal())
}

const missing = missingAllocatorSettings(process.env, process.platform)
if (Object.keys(missing).length === 0) {
  await runHere()
} else {
  const worker = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...missing },
    detached: true
  })
  const forward = (signal: NodeJS.Signals) => () => {
    if (worker.exitCode === null && worker.signalCode === null) worker.kill(signal)
  }
  for (const signal of stopSignals) process.on(signal, forward(signal))
  if (process.channel !== undefined) {
    // Started by a program that watches it (the fault suite): its death stops the worker too.
    process.channel.unref()
    process.on("disconnect", forward("SIGTERM"))
  }
  const started = await new Promise<boolean>((resolve) => {
    worker.once("spawn", () => resolve(true))
    worker.once("error", () => resolve(false))
  })
  if (!started) {
    for (const signal of stopSignals) process.removeAllListeners(signal)
    await runHere()
  } else {
    process.exitCode = await new Promise<number>((resolve) => {
      worker.once("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : signalExitCode(signal))))
    })
  }
}
