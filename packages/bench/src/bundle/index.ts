/**
 * `@telos/bench/bundle`: agent bundles — a run's learned agents as files a web server can serve,
 * read back in Node or a browser (this entry loads in both) — and the configurator's agents made
 * from their parts.
 *
 * @example
 * ```ts
 * import { fetchAgentBundle } from "@telos/bench/bundle"
 * const bundle = await fetchAgentBundle("models/two-rooms")
 * const agent = bundle.agent("flat+memory")
 * ```
 *
 * @module
 */

export { type AgentKind, RunConfig } from "../configurator/RunConfig.js"
export { type AgentParts, agentOf, episodeGoal } from "../pipeline/Agents.js"
export { type PositionProbe, positionProbeOf } from "../pipeline/LatentMemory.js"
export * from "./AgentBundle.js"
