/** Walks an index over a plan's intervals (or exact points), in either direction. */
import type { IndexEntry, IndexTable } from './index-table.js';
import type { Interval } from './planner.js';

export function scanIntervals(
  index: IndexTable,
  intervals: Interval[],
  reverse: boolean,
  visit: (e: IndexEntry) => boolean,
  points?: unknown[][],
): number {
  let examined = 0;
  if (points !== undefined) {
    // Every field pinned: each interval is one whole key, found by hash.
    const keys = reverse ? [...points].reverse() : points;
    for (const key of keys) {
      const entries = index.equal(key);
      if (reverse) entries.reverse();
      for (const e of entries) {
        examined++;
        if (!visit(e)) return examined;
      }
    }
    return examined;
  }
  const list = reverse ? [...intervals].reverse() : intervals;
  for (const interval of list) {
    let stop = false;
    const step = (e: IndexEntry): boolean => {
      examined++;
      if (!visit(e)) stop = true;
      return !stop;
    };
    // Both ends by binary search: the walk between them compares no key (an interval is one
    // contiguous run of the index's order).
    if (!reverse) {
      const from = index.entries.seek((e) => interval(e.key) >= 0);
      const end = index.entries.seek((e) => interval(e.key) > 0);
      index.entries.forward(from, step, end);
    } else {
      const from = index.entries.seekBefore((e) => interval(e.key) > 0);
      const end = index.entries.seekBefore((e) => interval(e.key) >= 0);
      index.entries.backward(from, step, end);
    }
    if (stop) break;
  }
  return examined;
}
