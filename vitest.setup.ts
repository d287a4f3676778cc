/**
 * Runs every test file on the backend named by `TELOS_TEST_BACKEND` (when set), so that one
 * command checks the planners and trainers on each backend: `TELOS_TEST_BACKEND=native vitest run`.
 * Files that pick a backend themselves (to compare two) still do.
 */
// The root package depends on no workspace package, so core is imported by path.

import { beforeAll } from "vitest"
import { activateBestBackend } from "./packages/core/src/Backend.js"

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
