/**
 * The multi-version record store's data shapes. A record is one `_id`; its versions form a
 * newest-first chain. Committed versions carry the logical commit time `ts`; a version
 * still owned by an open transaction sits at the head with `owner` set. Document bodies are
 * immutable BSON bytes: cheap to hold, cheap to snapshot, impossible for callers to mutate.
 */
import type { Document } from 'bson';
import type { IndexTable } from './index-table.js';

/** Commit time of a version that is not committed yet. */
export const PENDING = Number.POSITIVE_INFINITY;

export interface TxnState {
  readonly id: string;
  /** Commit time this transaction reads at; fixed at its first operation. */
  snapshot: number | undefined;
  status: 'active' | 'committed' | 'aborted';
}

export interface Version {
  /** BSON bytes of the document, or null for a deletion (tombstone). */
  readonly bytes: Uint8Array | null;
  ts: number;
  /** Distinguishes versions of one record inside index entries. */
  readonly seq: number;
  owner: TxnState | null;
  next: Version | null;
  /** The deleted document's _id, kept on tombstones for the journal. */
  readonly deletedId?: unknown;
}

export interface Collection {
  db: string;
  name: string;
  options: Document;
  uuid: Uint8Array;
  /** Records by _id key string; Map order is natural (insertion) order. */
  records: Map<string, Rec>;
  /** All indexes including `_id_`, in creation order. */
  indexes: Map<string, IndexTable>;
  dropped: boolean;
}

export interface Rec {
  /** Increases with insertion; ties index entries in natural order. */
  readonly rid: number;
  readonly idKey: string;
  readonly coll: Collection;
  head: Version;
}

export function fullName(coll: Collection): string {
  return `${coll.db}.${coll.name}`;
}

/** The newest committed version (skipping a pending head), or null. */
export function latestCommitted(rec: Rec): Version | null {
  const head = rec.head;
  return head.owner === null ? head : head.next;
}

/**
 * The version `reader` sees: its own pending write, else the newest version committed at or
 * before its snapshot. Without a reader: the newest committed version.
 */
export function visibleVersion(rec: Rec, reader: TxnState | undefined): Version | null {
  let v: Version | null = rec.head;
  if (v.owner !== null) {
    if (reader !== undefined && v.owner === reader) return v;
    v = v.next;
  }
  if (reader?.snapshot !== undefined) {
    const snap = reader.snapshot;
    while (v !== null && v.ts > snap) v = v.next;
  }
  return v;
}
