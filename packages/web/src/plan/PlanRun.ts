/**
 * Model-predictive control, one step at a time, for the page to draw between steps: an agent of a
 * bundle in its environment, with what it planned at each step (the best plan's predicted latents
 * and the positions a probe reads from them), the subgoals each level handed down, the real frame
 * and the decoder's imagined ones. No DOM here: the page draws what `step` returns, and the tests
 * run it in Node.
 *
 * @module
 */
import { episodeGoal, type LoadedAgentBundle } from "@telos/bench/bundle"
import { type Info, Random } from "@telos/core"
import { type EnvRegistry, type EnvSpec, envRegistry } from "@telos/envs"
import { type AgentEpisodes, type PlanEvent, toEnvironmentAction } from "@telos/planner"
import * as tf from "@tensorflow/tfjs"

/** A point on the environment's map, in its observation's coordinates. */
export type MapPoint = readonly [number, number]

/** An image, channels first, values 0-255. */
export interface Frame {
  /** Channels per pixel. */
  readonly channels: number
  /** Height in pixels. */
  readonly height: number
  /** Width in pixels. */
  readonly width: number
  /** `[channels, height, width]`, row-major. */
  readonly pixels: Uint8Array
}

/** What one step of an episode did and expected. */
export interface StepView {
  /** Steps taken so far in this episode (1 after the first). */
  readonly step: number
  /** Where the agent is now. */
  readonly position: MapPoint | undefined
  /** The goal's position. */
  readonly goal: MapPoint | undefined
  /** The best plan's predicted positions, from now on (through the position probe). */
  readonly predicted: ReadonlyArray<MapPoint>
  /** Each level's latest subgoal position, level 1 first. */
  readonly subgoals: ReadonlyArray<MapPoint | undefined>
  /** The cost the chosen plan predicts. */
  readonly plannedCost: number
  /** Milliseconds the agent took to choose this step's action. */
  readonly planMs: number
  /** The environment's SVG picture after the step. */
  readonly picture: string
  /** The real frame after the step, when the environment draws images. */
  readonly frame: Frame | undefined
  /** The decoder's images of the best plan's predicted latents at a few steps ahead. */
  readonly imagined: ReadonlyArray<{ readonly ahead: number; readonly frame: Frame }>
  /** Whether the episode ended with this step. */
  readonly done: boolean
  /** Whether it reached its goal. */
  readonly success: boolean
}

/** An episode being played. */
export interface PlannedEpisode {
  /** The starting picture and positions. */
  readonly start: StepView
  /** Plans and takes one step. */
  step(): StepView
  /** Frees the agent's tensors. */
  dispose(): void
}

/** Options of {@link startEpisode}. */
export interface EpisodeOptions {
  /** The agent kind (one of the bundle's). */
  readonly kind: Parameters<LoadedAgentBundle["agent"]>[0]
  /** The episode's seed (start and goal). */
  readonly seed: number
  /** A goal position of the user's, instead of the episode's own (navigation worlds take it). */
  readonly goal?: MapPoint | undefined
  /** A start position of the user's (with `goal`: continue from where the agent is). */
  readonly start?: MapPoint | undefined
  /** Model steps ahead whose predicted latents are decoded into imagined frames. */
  readonly imagineAhead?: ReadonlyArray<number> | undefined
  /** Where environment ids are looked up (default: the built-in registry). */
  readonly registry?: EnvRegistry | undefined
}

/** The environments an agent of `bundle` acts in: its own, and its picture twin when it reads states. */
export const bundleEnvironments = (
  bundle: LoadedAgentBundle,
  registry: EnvRegistry = envRegistry
): { readonly acting: EnvSpec<unknown>; readonly pictures: EnvSpec<unknown> | undefined } => {
  // A model trained on some layouts plans in the held-out ones its run was evaluated in.
  const id = bundle.manifest.config.evaluation.env ?? bundle.manifest.envId
  const pixelsId = `${id}-pixels`
  const pixels = registry.has(pixelsId) ? registry.get(pixelsId) : undefined
  if (bundle.manifest.config.data.observations === "pixels") {
    if (pixels === undefined) throw new Error(`${id} has no image variant (${pixelsId}) for a pixel agent`)
    return { acting: pixels, pictures: pixels }
  }
  return { acting: registry.get(id), pictures: pixels }
}

const imageOf = (spec: EnvSpec<unknown> | undefined, observation: unknown): Frame | undefined => {
  const image = spec?.definition.image
  if (image === undefined || !(observation instanceof Float64Array || observation instanceof Float32Array))
    return undefined
  const pixels = Uint8Array.from(observation, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255))
  return { channels: image.channels, height: image.height, width: image.width, pixels }
}

/**
 * Starts an episode of `bundle`'s agent `options.kind`: resets its environment with the seed (and
 * the user's start and goal, when given), encodes the goal, and returns the starting view and a
 * `step` that plans and acts once.
 *
 * @example
 * ```ts
 * const episode = startEpisode(bundle, { kind: "flat+memory", seed: 0 })
 * let view = episode.start
 * while (!view.done) view = episode.step()
 * episode.dispose()
 * ```
 */
export const startEpisode = (bundle: LoadedAgentBundle, options: EpisodeOptions): PlannedEpisode => {
  const { acting, pictures } = bundleEnvironments(bundle, options.registry)
  const config = bundle.manifest.config
  const pixelAgent = config.data.observations === "pixels"
  const env = acting.make()
  // A state agent's frames come from the image twin, stepped with the same seed and actions.
  const twin = !pixelAgent && pictures !== undefined ? pictures.make() : undefined
  const placement =
    options.goal === undefined
      ? undefined
      : { goal: [...options.goal], ...(options.start === undefined ? {} : { start: [...options.start] }) }
  const resetOptions = { seed: options.seed, ...(placement === undefined ? {} : { options: placement }) }
  let { observation, info } = env.reset(resetOptions)
  let twinObservation: unknown = twin?.reset(resetOptions).observation
  const goalOf = episodeGoal(config, pixelAgent) ?? ((start: Info) => start.goal as ArrayLike<number>)
  const positionDims = config.guardrail.position
  // Positions go on the map only in worlds with a place to reach (a goal or a reported position):
  // elsewhere (pendulum) the observation's coordinates are not the picture's.
  const placed = info.position !== undefined || info.goal !== undefined
  const probe = placed ? bundle.positions : undefined
  const positionOfObservation = (value: unknown, at: Info): MapPoint | undefined => {
    if (!placed) return undefined
    const recorded = at.position as ArrayLike<number> | undefined
    if (recorded !== undefined) return [recorded[0] as number, recorded[1] as number]
    if (pixelAgent || !(value instanceof Float64Array || value instanceof Float32Array)) return undefined
    return [value[positionDims[0]] as number, value[positionDims[1]] as number]
  }
  const goalPoint = (at: Info): MapPoint | undefined => {
    const goal = at.goal as ArrayLike<number> | undefined
    return goal === undefined ? undefined : [goal[positionDims[0]] as number, goal[positionDims[1]] as number]
  }
  const latentSize = bundle.jepa.config.latentSize
  const levels = bundle.levels === undefined ? 0 : bundle.parts.upperModels.length
  const subgoals: Array<MapPoint | undefined> = Array.from({ length: levels }, () => undefined)
  let lastPlan: { readonly latents: Float32Array; readonly horizon: number } | undefined
  const agent = bundle.agent(options.kind, {
    onSubgoals: (level, _episodes, targets) => {
      if (probe === undefined) return
      const [x, y] = probe.positionOf(targets.slice(0, latentSize))
      subgoals[level - 1] = [x, y]
    },
    onPlan: (event: PlanEvent) => {
      const horizon = event.plan.horizon
      lastPlan = { latents: event.plan.predictedStates.slice(0, (horizon + 1) * latentSize), horizon }
    }
  })
  const goal = goalOf(info)
  const episodes: AgentEpisodes = agent.start([goal], Random.fromSeed(options.seed + 7919))
  const goalAt = goalPoint(info)
  const imagineAhead = options.imagineAhead ?? [1, 4, 8]
  let step = 0
  const view = (plannedCost: number, planMs: number, done: boolean, success: boolean): StepView => {
    const predicted: Array<MapPoint> = []
    const imagined: Array<{ readonly ahead: number; readonly frame: Frame }> = []
    if (lastPlan !== undefined && probe !== undefined) {
      for (let k = 0; k <= lastPlan.horizon; k++) {
        const [x, y] = probe.positionOf(lastPlan.latents.slice(k * latentSize, (k + 1) * latentSize))
        predicted.push([x, y])
      }
    }
    if (lastPlan !== undefined && bundle.decoder !== undefined) {
      const plan = lastPlan
      const aheads = imagineAhead.filter((ahead) => ahead <= plan.horizon)
      const { channels, height, width } = bundle.decoder.config.image
      const decoded = tf.tidy(() => {
        const rows = aheads.map((ahead) =>
          Array.from(plan.latents.slice(ahead * latentSize, (ahead + 1) * latentSize))
        )
        return (bundle.decoder as NonNullable<LoadedAgentBundle["decoder"]>).decode(
          tf.tensor2d(rows, [aheads.length, latentSize])
        )
      })
      const values = decoded.dataSync()
      decoded.dispose()
      const size = channels * height * width
      aheads.forEach((ahead, index) => {
        const pixels = Uint8Array.from(values.subarray(index * size, (index + 1) * size), (value) =>
          Math.round(value * 255)
        )
        imagined.push({ ahead, frame: { channels, height, width, pixels } })
      })
    }
    return {
      step,
      position: positionOfObservation(observation, info),
      goal: goalAt,
      predicted,
      subgoals: [...subgoals],
      plannedCost,
      planMs,
      picture: env.render(),
      frame: pixelAgent ? imageOf(acting, observation) : imageOf(pictures, twinObservation),
      imagined,
      done,
      success
    }
  }
  let finished = false
  let succeeded = false
  return {
    start: view(Number.NaN, 0, false, false),
    step: () => {
      if (finished) return view(Number.NaN, 0, true, succeeded)
      const started = performance.now()
      const [chosen] = episodes.act([observation as ArrayLike<number>], [true])
      const planMs = performance.now() - started
      if (chosen === undefined) throw new Error("the agent returned no action for a running episode")
      const action = toEnvironmentAction(chosen.action, env)
      const outcome = env.step(action)
      if (twin !== undefined) twinObservation = twin.step(action).observation
      observation = outcome.observation
      info = outcome.info
      step += 1
      finished = outcome.terminated || outcome.truncated
      succeeded = finished && info.success === true
      return view(chosen.plannedCost, planMs, finished, succeeded)
    },
    dispose: () => episodes.dispose()
  }
}
