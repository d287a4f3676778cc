/**
 * Test helpers shared with `@telos/native`'s tests (core depends on native, so its tests may use
 * native's helpers): backend restoration, seeded values and element-wise comparison.
 */
export {
  evaluate,
  expectAllClose,
  expectClose,
  restoreBackendAfterAll,
  seededValues,
  sizeOf,
  type Values,
  wasmBackend
} from "../../native/test/support.js"
