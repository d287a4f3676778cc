/**
 * The suites `telos bench` knows.
 *
 * @module
 */
import { UnknownNameError } from "@telos/core"
import type { Suite } from "./Suite.js"
import { envThroughputSuite } from "./suites/EnvThroughput.js"
import { latentVariableSuite } from "./suites/LatentVariableSuite.js"
import { mazeHierarchySuite } from "./suites/MazeHierarchySuite.js"
import { perfSuite } from "./suites/Perf.js"
import { quickstartSuite } from "./suites/Quickstart.js"
import { soakSuite } from "./suites/Soak.js"
import { twoRoomsSuite } from "./suites/TwoRoomsSuite.js"
import { worldModelSuite } from "./suites/WorldModelSuite.js"

/** Every built-in suite, in the order `--list` shows them. */
export const suites: ReadonlyArray<Suite> = [
  quickstartSuite,
  envThroughputSuite,
  perfSuite,
  soakSuite,
  worldModelSuite,
  latentVariableSuite,
  twoRoomsSuite,
  mazeHierarchySuite
]

/** The suite called `id`, or an error listing the known ones. */
export const findSuite = (id: string, catalog: ReadonlyArray<Suite> = suites): Suite => {
  const suite = catalog.find((candidate) => candidate.id === id)
  if (suite === undefined) {
    throw new UnknownNameError({ kind: "suite", name: id, known: catalog.map((candidate) => candidate.id) })
  }
  return suite
}
