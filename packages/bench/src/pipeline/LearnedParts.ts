/**
 * The learned half of the pipeline, up to the agents: collect, train the JEPA, train the levels,
 * build the memory and fit the goal probe, each a cached stage, into the parts every learned agent
 * is made of. A run's episodes and an exported agent bundle both start from here.
 *
 * @module
 */
import type { LatentProbe, LatentTrajectories } from "@telos/planner"
import { medianStepLength, strideHops } from "@telos/planner"
import type { JepaModel } from "@telos/worldmodel"
import { type AgentKind, memoryServes, usesOnlineMemory } from "../configurator/RunConfig.js"
import type { AgentParts } from "./Agents.js"
import { guarded } from "./Guardrail.js"
import { fitPositionProbe, type PositionProbe, positionProbeOf } from "./LatentMemory.js"
import {
  type CollectedData,
  collectStage,
  levelsStage,
  memoryStage,
  probeStage,
  recordedStates,
  type StageContext,
  type StageRecord,
  type TrainedLevels,
  type TrainedWorldModel,
  worldModelStage
} from "./Stages.js"

/**
 * What the learned stages made: their products, and the agent parts built from them.
 *
 * @example
 * ```ts
 * const learned = await learnedParts(context, ["flat+memory"], (record) => records.push(record))
 * try { agentOf("flat+memory", learned.parts) } finally { learned.dispose() }
 * ```
 */
export interface LearnedParts {
  /** The collected data. */
  readonly collected: CollectedData
  /** The trained JEPA (level 0). */
  readonly trained: TrainedWorldModel
  /** The trained levels; `undefined` when no hierarchical agent needs them or none are configured. */
  readonly levels: TrainedLevels | undefined
  /** The JEPA the agents perceive with: the one trained with the levels when that is joint. */
  readonly jepa: JepaModel
  /** The key of the stage that trained `jepa`'s encoder. */
  readonly encoderKey: string
  /** The keys of every stage the parts depend on, for the episodes' cache keys. */
  readonly inputs: ReadonlyArray<string>
  /** The agents' parts. */
  readonly parts: AgentParts
  /** Every recorded step's latent as `jepa` encodes it (computed once, on first use). */
  readonly recorded: () => LatentTrajectories
  /** The probe from `jepa`'s latents to positions, fitted on the recorded data (once, on first use). */
  readonly positionProbe: () => LatentProbe
  /** Positions read through that probe, on the host and on the backend. */
  readonly positions: () => PositionProbe
  /** Frees the models. */
  dispose(): void
}

/**
 * Runs (or reuses from the cache) the learned stages `agents` need and builds their parts
 * (`agents`: the ones that plan with the learned models, not the ground truth's). `keep` is told
 * each stage's record as it finishes.
 *
 * @example
 * ```ts
 * const learned = await learnedParts(context, config.evaluation.agents, (record) => records.push(record))
 * ```
 */
export const learnedParts = async (
  context: StageContext,
  agents: ReadonlyArray<AgentKind>,
  keep: (record: StageRecord) => void
): Promise<LearnedParts> => {
  const { config, source } = context
  const collected = await collectStage(context)
  keep(collected.record)
  const trained = await worldModelStage(context, collected)
  keep(trained.record)
  const inputs = [collected.record.key, trained.record.key]
  let levels: TrainedLevels | undefined
  try {
    if (agents.some((agent) => agent.startsWith("hierarchical"))) {
      levels = await levelsStage(context, collected, trained)
      if (levels !== undefined) {
        keep(levels.record)
        inputs.push(levels.record.key)
      }
    }
    // A jointly trained encoder is the one the agents perceive with.
    const jepa = levels?.jointJepa ?? trained.jepa
    const encoderKey = levels?.jointJepa === undefined ? trained.record.key : levels.record.key
    let recorded: LatentTrajectories | undefined
    const recordedOnce = () => {
      recorded ??= recordedStates(collected, jepa, config)
      return recorded
    }
    // The memory serves the +memory agents' waypoints and the hierarchical agents' upper levels.
    const memory = agents.some(memoryServes)
      ? await memoryStage(context, collected, encoderKey, recordedOnce)
      : undefined
    if (memory !== undefined) {
      keep(memory.record)
      inputs.push(memory.record.key)
    }
    const passageHops =
      memory !== undefined && config.memory.passages.weight > 0
        ? config.levels.strides.map((stride) =>
            strideHops(memory.graph, recordedOnce(), stride, config.memory.passages.quantile)
          )
        : []
    let positionProbe: LatentProbe | undefined
    const positionProbeOnce = () => {
      positionProbe ??= fitPositionProbe(
        recordedOnce(),
        collected.dataset,
        config.seed,
        config.guardrail.position
      )
      return positionProbe
    }
    let positions: PositionProbe | undefined
    const positionsOnce = () => {
      positions ??= positionProbeOf(positionProbeOnce())
      return positions
    }
    const probe = await probeStage(context, collected, encoderKey, recordedOnce)
    if (probe !== undefined) {
      keep(probe.record)
      inputs.push(probe.record.key)
    }
    const parts: AgentParts = {
      config,
      model: jepa.worldModel,
      upperModels: levels?.stack.worldModels(jepa.worldModel).slice(1) ?? [],
      probe: probe?.probe,
      memory: memory?.graph,
      passageHops,
      observationSize: source.spec.definition.observationSpace.size,
      ...(guarded(config) ? { positions: positionsOnce() } : {}),
      ...(agents.some(usesOnlineMemory) ? { stepLength: medianStepLength(recordedOnce()) } : {})
    }
    const finalLevels = levels
    return {
      collected,
      trained,
      levels: finalLevels,
      jepa,
      encoderKey,
      inputs,
      parts,
      recorded: recordedOnce,
      positionProbe: positionProbeOnce,
      positions: positionsOnce,
      dispose: () => {
        trained.jepa.dispose()
        finalLevels?.stack.dispose()
        finalLevels?.jointJepa?.dispose()
      }
    }
  } catch (error) {
    trained.jepa.dispose()
    levels?.stack.dispose()
    levels?.jointJepa?.dispose()
    throw error
  }
}
