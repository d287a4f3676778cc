/**
 * The suites `telos bench` knows.
 *
 * @module
 */
import { UnknownNameError } from "@telos/core"
import { diverseMazeSuite } from "../suites/diverseMaze/suite.js"
import { diverseMazeCeilingSuite } from "../suites/diverseMazeCeiling/suite.js"
import { envThroughputSuite } from "../suites/envThroughput/suite.js"
import { faultsSuite } from "../suites/faults/suite.js"
import { latentVariableSuite } from "../suites/latentVariable/suite.js"
import { mazeHierarchySuite } from "../suites/mazeHierarchy/suite.js"
import { perfSuite } from "../suites/perf/suite.js"
import { quickstartSuite } from "../suites/quickstart/suite.js"
import { soakSuite } from "../suites/soak/suite.js"
import { twoRoomsSuite } from "../suites/twoRooms/suite.js"
import { worldModelSuite } from "../suites/worldModel/suite.js"
import type { Suite } from "./Suite.js"

/** Every built-in suite, in the order `--list` shows them. */
export const suites: ReadonlyArray<Suite> = [
  quickstartSuite,
  envThroughputSuite,
  perfSuite,
  soakSuite,
  faultsSuite,
  worldModelSuite,
  latentVariableSuite,
  twoRoomsSuite,
  mazeHierarchySuite,
  diverseMazeSuite,
  diverseMazeCeilingSuite
]

/** The suite called `id`, or an error listing the known ones. */
export const findSuite = (id: string, catalog: ReadonlyArray<Suite> = suites): Suite => {
  const suite = catalog.find((candidate) => candidate.id === id)
  if (suite === undefined) {
    throw new UnknownNameError({ kind: "suite", name: id, known: catalog.map((candidate) => candidate.id) })
  }
  return suite
}
