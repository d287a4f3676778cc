#!/usr/bin/env node
/**
 * The `telos` executable.
 *
 * @module
 */
import { main, nodeTerminal } from "./CommandLine.js"

process.exitCode = await main(process.argv.slice(2), nodeTerminal())
