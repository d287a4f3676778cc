/**
 * A turn of the event loop between training steps, so that timers, I/O (progress output) and
 * signals (a stop request) are seen during a long run. Node's `setImmediate` lets pending I/O run
 * first; a browser has no `setImmediate`, only timers.
 *
 * @module
 */

/** Resolves on the event loop's next turn. */
export const nextTurn = (): Promise<void> =>
  new Promise((resolve) =>
    typeof globalThis.setImmediate === "function" ? globalThis.setImmediate(resolve) : setTimeout(resolve, 0)
  )
