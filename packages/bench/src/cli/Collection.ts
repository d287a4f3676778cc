/**
 * `telos collect`: runs an exploration policy in a registered environment and streams what it
 * sees into `DIR/dataset.bin`, with a progress bar on a terminal and a one-line summary at the end.
 *
 * @module
 */
import { stat } from "node:fs/promises"
import { join } from "node:path"
import {
  ConfigError,
  type DatasetError,
  FileError,
  type InterruptedError,
  type InvalidValueError,
  type UnknownNameError
} from "@telos/core"
import type { OutputLockedError } from "@telos/core/node"
import {
  actionEncodingSize,
  collectEpisodes,
  correlatedPolicy,
  doorwayWalkPolicy,
  type EnvRegistry,
  type EnvSpec,
  type ExplorationPolicy,
  randomWalkPolicy,
  uniformPolicy
} from "@telos/envs"
import { type DatasetSummary, datasetFileName, writeDataset } from "@telos/worldmodel/node"
import { Effect } from "effect"
import { doorwayRateMismatch, policyMismatch } from "../configurator/Resolve.js"
import type { CollectCommand } from "./Arguments.js"
import { claimFolder } from "./Claim.js"
import type { Progress } from "./Progress.js"

/**
 * What a finished collection reports.
 *
 * @example
 * ```ts
 * collectionSummaryText(summary)
 * // "collected 100000 transitions in 500 episodes: 12.1 MB in 9.3 s, 10753 transitions/s -> runs/d/dataset.bin"
 * ```
 */
export interface CollectionSummary extends DatasetSummary {
  readonly env: string
  readonly policy: string
  readonly observations: "state" | "pixels"
  readonly seconds: number
}

/** Every way a collection can fail. */
export type CollectionError =
  | ConfigError
  | UnknownNameError
  | InvalidValueError
  | FileError
  | DatasetError
  | OutputLockedError
  | InterruptedError

const flagError = (field: string, expected: string): ConfigError =>
  new ConfigError({ source: "arguments", issues: [{ field, expected }] })

const choosePolicy = (spec: EnvSpec<unknown>, command: CollectCommand): ExplorationPolicy => {
  const actionSpace = spec.definition.actionSpace
  const displacement = actionSpace._tag === "Box" && actionSpace.size === 2
  const policy = command.policy ?? (displacement ? "random-walk" : "uniform")
  const mismatch = policyMismatch(policy, actionSpace, `"${spec.id}"`)
  if (mismatch !== undefined) throw flagError("--policy", mismatch)
  const doorwayRate = command.doorwayRate ?? 0
  const doorwayMismatch = doorwayRateMismatch(doorwayRate, policy, spec.definition, `"${spec.id}"`)
  if (doorwayMismatch !== undefined) throw flagError("--doorway-rate", doorwayMismatch)
  if (actionSpace._tag === "Discrete") return uniformPolicy(actionSpace)
  if (policy === "random-walk" && doorwayRate > 0) {
    return doorwayWalkPolicy(actionSpace, { doorways: spec.definition.doorways ?? [], rate: doorwayRate })
  }
  if (policy === "random-walk") return randomWalkPolicy(actionSpace)
  if (policy === "correlated") return correlatedPolicy(actionSpace)
  return uniformPolicy(actionSpace)
}

const isTypedError = (error: unknown): error is CollectionError =>
  typeof error === "object" && error !== null && "_tag" in error

/**
 * The one line printed when a collection is done.
 *
 * @example
 * ```ts
 * collectionSummaryText({ path: "d/dataset.bin", bytes: 2_500_000, episodes: 5, transitions: 1000, seconds: 0.5, env: "point-mass", policy: "uniform", observations: "state" })
 * // "collected 1000 transitions in 5 episodes: 2.5 MB in 0.50 s, 2000 transitions/s -> d/dataset.bin"
 * ```
 */
export const collectionSummaryText = (summary: CollectionSummary): string => {
  const rate = summary.seconds > 0 ? Math.round(summary.transitions / summary.seconds) : summary.transitions
  const megabytes = (summary.bytes / 1e6).toFixed(summary.bytes < 1e5 ? 3 : 1)
  const seconds = summary.seconds < 10 ? summary.seconds.toFixed(2) : summary.seconds.toFixed(1)
  return `collected ${summary.transitions} transitions in ${summary.episodes} episodes: ${megabytes} MB in ${seconds} s, ${rate} transitions/s -> ${summary.path}`
}

/** What `runCollection` works with. */
export interface CollectionOptions {
  /** The environments `--env` may name. */
  readonly environments: EnvRegistry
  /** The progress display. */
  readonly progress: Progress
  /** Where notices go (a stale lock taken over, temporaries of killed runs removed). */
  readonly notify?: ((line: string) => void) | undefined
}

/**
 * Collects the dataset a `telos collect` command asks for and writes it atomically. An unknown
 * environment is an `UnknownNameError` listing the known ones; `--obs pixels` on an environment
 * without an image renderer, or `--policy random-walk` on one without 2-D actions, a
 * `ConfigError` naming the flag.
 *
 * @example
 * ```ts
 * const summary = await Effect.runPromise(
 *   runCollection(command, { environments: envRegistry, progress: makeProgress(process.stderr, process.env) })
 * )
 * ```
 */
export const runCollection = (
  command: CollectCommand,
  options: CollectionOptions
): Effect.Effect<CollectionSummary, CollectionError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const spec = yield* Effect.try({
        try: () => options.environments.get(command.env),
        catch: (error) => error as UnknownNameError
      })
      const pixels = command.observations === "pixels"
      if (pixels && spec.definition.image === undefined) {
        return yield* flagError("--obs", `state: environment "${spec.id}" has no image renderer`)
      }
      const policy = yield* Effect.try({
        try: () => choosePolicy(spec, command),
        catch: (error) => error as ConfigError | InvalidValueError
      })
      const episodeLength = command.episodeLength ?? spec.definition.maxEpisodeSteps
      const image = spec.definition.image
      const path = join(command.out, datasetFileName)
      yield* claimFolder(command.out, "telos collect", options.notify)
      const existing = yield* Effect.promise(() => stat(path).catch(() => undefined))
      if (existing !== undefined && command.overwrite !== true) {
        return yield* flagError(
          "--out",
          `a folder without a dataset, or --overwrite to replace it: ${path} exists (${existing.size} bytes)`
        )
      }
      const label = `collect ${spec.id}`
      const started = performance.now()
      const written = yield* Effect.tryPromise({
        try: () =>
          writeDataset(
            path,
            {
              envId: spec.id,
              seed: command.seed,
              collector: { ...policy.settings, episodeLength, observations: command.observations },
              observationSize: spec.definition.observationSpace.size,
              actionSize: actionEncodingSize(spec.definition.actionSpace),
              imageShape:
                pixels && image !== undefined ? [image.channels, image.height, image.width] : undefined
            },
            collectEpisodes({
              spec,
              policy,
              transitions: command.transitions,
              episodeLength,
              pixels,
              seed: command.seed,
              onProgress: (progress) => options.progress.update(label, progress.transitions / progress.total)
            })
          ),
        catch: (error) =>
          isTypedError(error)
            ? error
            : new FileError({
                path,
                reason: (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? ""
              })
      }).pipe(Effect.ensuring(Effect.sync(() => options.progress.finish())))
      return {
        ...written,
        env: spec.id,
        policy: policy.id,
        observations: command.observations,
        seconds: (performance.now() - started) / 1000
      }
    })
  )
