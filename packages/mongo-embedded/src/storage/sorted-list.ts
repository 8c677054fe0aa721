/**
 * An ordered multiset kept as a list of sorted chunks (a flat, two-level B-tree): seeks are
 * two binary searches and inserts/removals move at most one chunk's worth of pointers,
 * so lookups stay logarithmic and writes stay cheap at hundreds of thousands of entries.
 */
const MAX_CHUNK = 512;

export interface Position {
  chunk: number;
  index: number;
}

export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly cmp: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  /** Index of the first chunk whose last item satisfies `pred` (monotone false..true). */
  private chunkFor(pred: (item: T) => boolean): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as T[];
      if (pred(chunk[chunk.length - 1] as T)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private static firstIn<T>(chunk: T[], pred: (item: T) => boolean): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(chunk[mid] as T)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  insert(item: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const after = (x: T): boolean => this.cmp(x, item) > 0;
    let c = this.chunkFor(after);
    if (c === this.chunks.length) c--;
    const chunk = this.chunks[c] as T[];
    const at = SortedList.firstIn(chunk, after);
    if (at === chunk.length) chunk.push(item);
    else chunk.splice(at, 0, item);
    if (chunk.length > MAX_CHUNK) {
      const tail = chunk.splice(MAX_CHUNK >>> 1);
      this.chunks.splice(c + 1, 0, tail);
    }
  }

  /** Removes one item comparing equal to `item` and returns it; undefined when none. */
  remove(item: T): T | undefined {
    const atOrAfter = (x: T): boolean => this.cmp(x, item) >= 0;
    const c = this.chunkFor(atOrAfter);
    const chunk = this.chunks[c];
    if (!chunk) return undefined;
    const at = SortedList.firstIn(chunk, atOrAfter);
    const found = chunk[at];
    if (found === undefined || this.cmp(found, item) !== 0) return undefined;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
    return found;
  }

  /** Position of the first item satisfying `pred` (monotone false..true), or the end. */
  seek(pred: (item: T) => boolean): Position {
    const c = this.chunkFor(pred);
    const chunk = this.chunks[c];
    if (!chunk) return { chunk: this.chunks.length, index: 0 };
    return { chunk: c, index: SortedList.firstIn(chunk, pred) };
  }

  /** Position of the last item not satisfying `pred`, i.e. just before seek(pred); may be -1. */
  seekBefore(pred: (item: T) => boolean): Position {
    const p = this.seek(pred);
    if (p.index > 0) return { chunk: p.chunk, index: p.index - 1 };
    const prev = p.chunk - 1;
    if (prev < 0) return { chunk: -1, index: 0 };
    return { chunk: prev, index: (this.chunks[prev] as T[]).length - 1 };
  }

  /**
   * Calls `visit` for items from `from` forward until it returns false, stopping before `end`
   * (a position from `seek`; default: the end of the list).
   */
  forward(from: Position, visit: (item: T) => boolean, end?: Position): void {
    const lastChunk = end === undefined ? this.chunks.length - 1 : end.chunk;
    for (let c = from.chunk; c <= lastChunk && c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as T[];
      const stop = end !== undefined && c === end.chunk ? end.index : chunk.length;
      // Copy-free iteration: visitors never mutate the list while scanning.
      for (let i = c === from.chunk ? from.index : 0; i < stop; i++) {
        if (!visit(chunk[i] as T)) return;
      }
    }
  }

  /**
   * Calls `visit` for items from `from` backward until it returns false, stopping at `end`
   * without visiting it (a position from `seekBefore`; default: before the first item).
   */
  backward(from: Position, visit: (item: T) => boolean, end?: Position): void {
    const firstChunk = end === undefined ? 0 : Math.max(end.chunk, 0);
    for (let c = Math.min(from.chunk, this.chunks.length - 1); c >= firstChunk; c--) {
      const chunk = this.chunks[c] as T[];
      const start = c === from.chunk ? from.index : chunk.length - 1;
      const stop = end !== undefined && c === end.chunk ? end.index : -1;
      for (let i = start; i > stop; i--) {
        if (!visit(chunk[i] as T)) return;
      }
    }
  }

  first(): Position {
    return { chunk: 0, index: 0 };
  }

  last(): Position {
    const c = this.chunks.length - 1;
    return c < 0
      ? { chunk: -1, index: 0 }
      : { chunk: c, index: (this.chunks[c] as T[]).length - 1 };
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const chunk of this.chunks) yield* chunk;
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }
}
