/**
 * `@telos/envs/define`: defining an environment: the definition a user writes, what defineEnv builds, and the checks.
 *
 * @module
 */
export * from "./ActionEncoding.js"
export * from "./CheckEnv.js"
export * from "./DefinedEnv.js"
export * from "./DefinedVectorEnv.js"
export * from "./DefineEnv.js"
export * from "./Doorway.js"
export * from "./EnvDefinition.js"
export * from "./LayoutSvg.js"
export * from "./Options.js"
export * from "./Registry.js"
export * from "./Svg.js"
