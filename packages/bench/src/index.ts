/**
 * `@telos/bench`: benchmark suites, their results files and reports, and the `telos` command line.
 *
 * @module
 */
// The `telos` command line.

// The configurator: one configuration of a whole run, with defaults from the environment.
export * from "./bundle/AgentBundle.js"
export * from "./bundle/ExportBundle.js"
export { main, nodeTerminal, type Terminal } from "./cli/CommandLine.js"
export * from "./configurator/Defaults.js"
export * from "./configurator/Resolve.js"
export * from "./configurator/RunConfig.js"
// The pipeline: env -> collect -> train -> levels -> memory -> agents, each stage cached.
export * from "./pipeline/Agents.js"
export * from "./pipeline/EnvSource.js"
export * from "./pipeline/EpisodeTraces.js"
export * from "./pipeline/Guardrail.js"
export * from "./pipeline/ImaginedFrames.js"
export * from "./pipeline/LatentMemory.js"
export * from "./pipeline/LearnedParts.js"
export * from "./pipeline/MemoryJson.js"
export * from "./pipeline/Pipeline.js"
export * from "./pipeline/RunsSuite.js"
export * from "./pipeline/StageCache.js"
export * from "./pipeline/Stages.js"
// Suites, running them, and their results and reports.
export * from "./report/PlanningBenchmark.js"
export * from "./report/Report.js"
export * from "./report/Results.js"
export * from "./report/Resume.js"
export * from "./report/Runner.js"
export * from "./report/Suite.js"
export * from "./report/Suites.js"
// The built-in suites: each with its protocol's settings and its checks.
export * from "./suites/diverseMaze/checks.js"
export * from "./suites/diverseMaze/settings.js"
export * from "./suites/diverseMaze/suite.js"
export * from "./suites/diverseMazeCeiling/suite.js"
export * from "./suites/envThroughput/suite.js"
export * from "./suites/latentVariable/suite.js"
export * from "./suites/mazeHierarchy/checks.js"
export * from "./suites/mazeHierarchy/settings.js"
export * from "./suites/mazeHierarchy/suite.js"
export * from "./suites/perf/suite.js"
export * from "./suites/quickstart/checks.js"
export * from "./suites/quickstart/settings.js"
export * from "./suites/quickstart/suite.js"
export * from "./suites/soak/suite.js"
export * from "./suites/twoRooms/checks.js"
export * from "./suites/twoRooms/settings.js"
export * from "./suites/twoRooms/suite.js"
export * from "./suites/worldModel/checks.js"
export * from "./suites/worldModel/settings.js"
export * from "./suites/worldModel/suite.js"
