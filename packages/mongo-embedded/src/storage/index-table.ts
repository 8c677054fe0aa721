/**
 * One index: a sorted list of (key tuple, record, version) entries. Every version still in a
 * record's chain (committed, kept for an open snapshot, or pending in a transaction) has its
 * entries here, so a reader finds a document through the index exactly when the version it
 * sees has a key in the scanned range: an entry counts only if its version is the visible one.
 */
import type { Document } from 'bson';
import type { IndexSpec } from './contract.js';
import { compareValues } from '../query/compare.js';
import { documentKeys, keyFields, type KeyField } from './index-keys.js';
import { tupleKeyString } from './key-string.js';
import type { Rec, Version } from './records.js';
import { SortedList } from './sorted-list.js';

export interface IndexEntry {
  readonly key: unknown[];
  readonly rec: Rec;
  readonly ver: Version;
}

/**
 * A compiled filter. `bytes` (the stored BSON) lets a matcher re-read exact numeric types when
 * the filter needs them (`$type: 'long'`); plain deserialization folds int, long and double.
 */
export type DocMatcher = (doc: Document, bytes?: Uint8Array) => boolean;

export class IndexTable {
  readonly name: string;
  readonly fields: KeyField[];
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly isId: boolean;
  readonly partial: DocMatcher | undefined;
  readonly ttlSeconds: number | undefined;
  readonly directions: (1 | -1)[];
  /** Set once any document produced several keys; never cleared, as in MongoDB. */
  multikey = false;
  readonly entries: SortedList<IndexEntry>;
  /** The same entries by key string: constant-time equality lookups. */
  private readonly points = new Map<string, IndexEntry | Set<IndexEntry>>();

  constructor(
    readonly spec: IndexSpec,
    compileFilter: (filter: Document) => DocMatcher,
  ) {
    this.name = spec.name;
    this.fields = keyFields(spec.key);
    this.isId = spec.name === '_id_';
    this.unique = spec.unique === true || this.isId;
    this.sparse = spec.sparse === true;
    this.partial =
      spec.partialFilterExpression === undefined
        ? undefined
        : compileFilter(spec.partialFilterExpression);
    this.ttlSeconds = spec.expireAfterSeconds;
    const dirs = this.fields.map((f) => f.direction);
    this.directions = dirs;
    this.entries = new SortedList<IndexEntry>((a, b) => {
      const c = compareKeys(a.key, b.key, dirs);
      if (c !== 0) return c;
      if (a.rec.rid !== b.rec.rid) return a.rec.rid - b.rec.rid;
      return a.ver.seq - b.ver.seq;
    });
  }

  /** Distinct key tuples of `doc` for this index (none when sparse/partial leave it out). */
  keysOf(doc: Document): unknown[][] {
    if (this.partial !== undefined && !this.partial(doc)) return [];
    const { keys, multikey } = documentKeys(doc, this.fields, this.sparse);
    if (multikey) this.multikey = true;
    return keys;
  }

  add(rec: Rec, ver: Version, keys: unknown[][]): void {
    for (const key of keys) {
      const entry: IndexEntry = { key, rec, ver };
      this.entries.insert(entry);
      const ks = tupleKeyString(key);
      const bucket = this.points.get(ks);
      if (bucket === undefined) this.points.set(ks, entry);
      else if (bucket instanceof Set) bucket.add(entry);
      else this.points.set(ks, new Set([bucket, entry]));
    }
  }

  remove(rec: Rec, ver: Version, keys: unknown[][]): void {
    for (const key of keys) {
      const entry = this.entries.remove({ key, rec, ver });
      if (entry === undefined) continue;
      const ks = tupleKeyString(key);
      const bucket = this.points.get(ks);
      if (bucket === entry) this.points.delete(ks);
      else if (bucket instanceof Set) {
        bucket.delete(entry);
        if (bucket.size === 0) this.points.delete(ks);
      }
    }
  }

  /**
   * Entries whose whole key equals `key` (any record, any version), in index order. Served
   * from a hash of the keys, so equality lookups cost the same at any collection size.
   */
  equal(key: unknown[]): IndexEntry[] {
    const bucket = this.points.get(tupleKeyString(key));
    if (bucket === undefined) return [];
    if (!(bucket instanceof Set)) return [bucket];
    return [...bucket].sort((a, b) => a.rec.rid - b.rec.rid || a.ver.seq - b.ver.seq);
  }

  clear(): void {
    this.entries.clear();
    this.points.clear();
  }

  /** The key as MongoDB reports it in a duplicate key error: `{ field: value, ... }`. */
  keyValue(key: unknown[]): Document {
    const out: Document = {};
    this.fields.forEach((f, i) => {
      const v = key[i];
      out[f.path] = v === undefined ? null : v;
    });
    return out;
  }

  /** Rough in-memory footprint, reported as the index size in stats. */
  approximateSize(): number {
    return this.entries.size * 48;
  }
}

/** Compares key tuples field by field, each in its index direction. */
export function compareKeys(a: unknown[], b: unknown[], dirs: (1 | -1)[]): number {
  for (let i = 0; i < dirs.length; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return dirs[i] === -1 ? -c : c;
  }
  return 0;
}
