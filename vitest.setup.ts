/**
 * Runs every test file on the backend named by `TELOS_TEST_BACKEND` (when set), so that one
 * command checks the planners and trainers on each backend: `TELOS_TEST_BACKEND=native vitest run`.
 * Files that pick a backend themselves (to compare two) still do.
 */

import * as tf from "@tensorflow/tfjs"
import fc from "fast-check"
import { afterAll, beforeAll } from "vitest"
// The root package depends on no workspace package, so core is imported by path.
import { activateBestBackend } from "./packages/core/src/Backend.js"

// A synchronous property that fails keeps shrinking on the test's own thread, out of reach of
// vitest's timeout; a run that long is reported as a failure (with its counterexample so far).
fc.configureGlobal({ interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true })

const wanted = process.env.TELOS_TEST_BACKEND

// Files share a process (`isolate: false`): a file that switches the backend and leaves it so
// would run every later file on it, unseen. The backend a file starts on is noted here...
let startedOn = ""

beforeAll(async () => {
  if (wanted !== undefined && wanted !== "") {
    const choice = await activateBestBackend({ preferred: wanted })
    if (choice.name !== wanted) {
      throw new Error(
        `TELOS_TEST_BACKEND=${wanted}, but ${choice.name} was activated: ${choice.notices.join("; ")}`
      )
    }
  }
  await tf.ready()
  startedOn = tf.getBackend()
})

// ...and a file that ends on another fails, once it has been put back for the files after it.
// After-all hooks run last registered first, so the file's own restoring hooks have run by now.
afterAll(async () => {
  const endedOn = tf.getBackend()
  if (endedOn === startedOn) return
  await tf.setBackend(startedOn)
  throw new Error(
    `this file started on the ${startedOn} backend and left ${endedOn} active: put the backend back in an afterAll`
  )
})
