/**
 * The diverse-maze generator's inner loop: one candidate layout drawn, smoothed and tested, with
 * each row of blocks held as a bit mask so that a whole row is counted or searched at once. PLDM's
 * rules accept about one candidate in 83 000, so this is where drawing a layout spends its time.
 * Internal to `DiverseMazeLayouts`; not exported from the package.
 *
 * @module
 */
import type { Random } from "@telos/core"

// Blocks per side, border included: the masks below assume 8 (6 interior bits a row).
const side = 8

const bitCounts = Uint8Array.from({ length: 256 }, (_, value) => {
  let count = 0
  for (let bits = value; bits !== 0; bits &= bits - 1) count++
  return count
})

// Blocks of `here`'s row with at least two walls among their 8 neighbours: one free block with at
// most one wall around it has more than 6 free neighbours, the rule's crowded block. Two
// saturating bit counters, so all columns are counted at once.
const atLeastTwoWalls = (above: number, here: number, below: number): number => {
  let one = ~(above << 1)
  let two = 0
  let wall = ~above
  two |= one & wall
  one |= wall
  wall = ~(above >> 1)
  two |= one & wall
  one |= wall
  wall = ~(here << 1)
  two |= one & wall
  one |= wall
  wall = ~(here >> 1)
  two |= one & wall
  one |= wall
  wall = ~(below << 1)
  two |= one & wall
  one |= wall
  wall = ~below
  two |= one & wall
  one |= wall
  wall = ~(below >> 1)
  two |= one & wall
  return two
}

/**
 * One candidate layout under test, as row masks, with the scratch rows its tests share: the
 * generator draws millions of candidates, so none of this allocates. `rows[r]` has bit `c` set
 * when the block at row `r`, column `c` is free; rows 0 and 7 and bits 0 and 7 (the border) are
 * never set, so shifting a row by one column brings in wall, as the rules want outside the
 * interior.
 *
 * @example
 * ```ts
 * const candidate = new DiverseMazeCandidate()
 * candidate.draw(Random.fromSeed(1))
 * candidate.smooth()
 * candidate.smooth()
 * candidate.freeCount() >= 18 && candidate.connected() && candidate.diameter(7) <= 7 // accepted?
 * ```
 */
export class DiverseMazeCandidate {
  readonly rows = new Int32Array(side)
  private readonly reach = new Int32Array(side)
  private readonly grown = new Int32Array(side)

  /** Each interior block free with probability 1/2: one random bit each, 36 bits from two draws. */
  draw(rng: Random): void {
    const first = rng.nextUint32()
    const second = rng.nextUint32()
    for (let row = 1; row <= 5; row++) this.rows[row] = ((first >>> (6 * (row - 1))) & 63) << 1
    this.rows[6] = (second & 63) << 1
  }

  /** One pass of the cellular rule: a free block with more than 6 free neighbours becomes a wall. */
  smooth(): void {
    const rows = this.rows
    // Rows are rewritten top-down, so the rows around each keep their values from before the pass
    // in `above` (already rewritten in `rows`) and `rows[row + 1]` (not yet).
    let above = rows[0] as number
    for (let row = 1; row < side - 1; row++) {
      const here = rows[row] as number
      rows[row] = here & atLeastTwoWalls(above, here, rows[row + 1] as number)
      above = here
    }
  }

  /** Free blocks. */
  freeCount(): number {
    let count = 0
    for (let row = 1; row < side - 1; row++) count += bitCounts[this.rows[row] as number] as number
    return count
  }

  /**
   * Breadth-first search from one block, all of a frontier at once: the moves it takes until the
   * reached set stops growing (the block's eccentricity), or `limit + 1` once it passes `limit`.
   * The reached set is left in `reach`.
   */
  private spread(row: number, column: number, limit: number): number {
    const { rows, reach, grown } = this
    reach.fill(0)
    reach[row] = 1 << column
    for (let moves = 0; ; moves++) {
      let growing = false
      for (let r = 1; r < side - 1; r++) {
        const at = reach[r] as number
        const next =
          (at | (at << 1) | (at >> 1) | (reach[r - 1] as number) | (reach[r + 1] as number)) &
          (rows[r] as number)
        grown[r] = next
        if (next !== at) growing = true
      }
      if (!growing) return moves
      if (moves === limit) return limit + 1
      reach.set(grown)
    }
  }

  /** Whether the free blocks are all joined by side-to-side moves (false when none is free). */
  connected(): boolean {
    const { rows, reach } = this
    // Most candidates that fail have a free block with no free side neighbour: a quick test first.
    for (let r = 1; r < side - 1; r++) {
      const here = rows[r] as number
      if ((here & ~((here << 1) | (here >> 1) | (rows[r - 1] as number) | (rows[r + 1] as number))) !== 0) {
        return false
      }
    }
    let row = 1
    while (row < side - 1 && rows[row] === 0) row++
    if (row === side - 1) return false
    const bits = rows[row] as number
    this.spread(row, 31 - Math.clz32(bits & -bits), side * side)
    for (let r = 1; r < side - 1; r++) if (reach[r] !== rows[r]) return false
    return true
  }

  /** The longest shortest path between free blocks, or `limit + 1` once one is longer than `limit`. */
  diameter(limit: number): number {
    let longest = 0
    for (let row = 1; row < side - 1; row++) {
      for (let column = 1; column < side - 1; column++) {
        if (((this.rows[row] as number) & (1 << column)) === 0) continue
        longest = Math.max(longest, this.spread(row, column, limit))
        if (longest > limit) return longest
      }
    }
    return longest
  }

  /** The 64 blocks row by row, `#` wall and `.` free. */
  key(): string {
    let key = ""
    for (let row = 0; row < side; row++) {
      for (let column = 0; column < side; column++)
        key += ((this.rows[row] as number) >> column) & 1 ? "." : "#"
    }
    return key
  }
}
