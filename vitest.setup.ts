/**
 * Runs every test file on the backend named by `TELOS_TEST_BACKEND` (when set), so that one
 * command checks the planners and trainers on each backend: `TELOS_TEST_BACKEND=native vitest run`.
 * Files that pick a backend themselves (to compare two) still do.
 */

import fc from "fast-check"
import { beforeAll } from "vitest"
// The root package depends on no workspace package, so core is imported by path.
import { activateBestBackend } from "./packages/core/src/Backend.js"

// A synchronous property that fails keeps shrinking on the test's own thread, out of reach of
// vitest's timeout; a run that long is reported as a failure (with its counterexample so far).
fc.configureGlobal({ interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true })

const wanted = process.env.TELOS_TEST_BACKEND

beforeAll(async () => {
  if (wanted === undefined || wanted === "") return
  const choice = await activateBestBackend({ preferred: wanted })
  if (choice.name !== wanted) {
    throw new Error(
      `TELOS_TEST_BACKEND=${wanted}, but ${choice.name} was activated: ${choice.notices.join("; ")}`
    )
  }
})
