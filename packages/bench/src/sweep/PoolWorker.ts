/**
 * The entry module of the local pool's worker processes: activates the tensor backend
 * (`TELOS_BACKEND` as for any `telos` command) and serves trials with `runTrial`.
 *
 * @module
 */
import { resolveBackend } from "@telos/core"
import { Effect } from "effect"
import { runTrial } from "./TrialRun.js"
import { serveTrials } from "./TrialServer.js"

await Effect.runPromise(resolveBackend())
serveTrials((plan, trial) => runTrial(plan, trial))
