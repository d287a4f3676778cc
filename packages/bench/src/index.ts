/**
 * `@telos/bench`: benchmark suites, their results files and reports, and the `telos` command line.
 *
 * @module
 */
export * from "./Arguments.js"
export * from "./Collection.js"
export * from "./CommandLine.js"
export * from "./PlanningBenchmark.js"
export * from "./Progress.js"
export * from "./Report.js"
export * from "./Results.js"
export * from "./Runner.js"
export * from "./Suite.js"
export * from "./Suites.js"
export * from "./suites/EnvThroughput.js"
export * from "./suites/Quickstart.js"
