/**
 * The contract between the storage engine and durability (src/durability).
 * The engine describes every committed change as JournalOps; durability makes a
 * batch of ops durable atomically (all of a record or none after a crash) and
 * restores the last durable state at startup.
 */
import type { Document } from 'bson';
import type { IndexSpec } from './contract.js';

/** `ns` is `${db}.${coll}`. */
export type JournalOp =
  // Insert or full replacement, keyed by doc._id. `bytes`, when given, are the document's stored
  // BSON (the engine's puts carry them): the journal writes them as they are, never re-encoded.
  | { op: 'put'; ns: string; doc: Document; bytes?: Uint8Array }
  | { op: 'del'; ns: string; id: unknown }
  | { op: 'createCollection'; ns: string; options: Document; uuid: Uint8Array }
  | { op: 'dropCollection'; ns: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'renameCollection'; from: string; to: string; dropTarget: boolean }
  | { op: 'createIndex'; ns: string; spec: IndexSpec }
  | { op: 'dropIndex'; ns: string; name: string };

export interface CollectionSnapshot {
  ns: string;
  options: Document;
  uuid: Uint8Array;
  indexes: IndexSpec[]; // without the implicit _id_ index
  /** Documents as BSON bytes (the engine's storage form) or plain documents. */
  docs: Iterable<Uint8Array | Document>;
}

export interface RecoveredState {
  collections: CollectionSnapshot[];
}

export interface Durability {
  /** Restores the last durable state (checkpoint + journal replay, torn tail discarded). */
  recover(): Promise<RecoveredState>;
  /**
   * Makes one atomic record durable; resolves after fsync. Concurrent appends are
   * group-committed (one write + one fsync for all records waiting).
   */
  append(ops: JournalOp[]): Promise<void>;
  /**
   * True when the journal has grown enough that a checkpoint is due. The engine asks
   * after each append and then calls checkpoint (never two at once).
   */
  shouldCheckpoint(): boolean;
  /**
   * Writes a full snapshot atomically and truncates the journal it covers. `snapshot`
   * is called synchronously at the start, so it sees exactly the state made of all
   * records appended before the call; records appended while the checkpoint is being
   * written must survive it (start a new journal segment at that moment).
   */
  checkpoint(snapshot: () => CollectionSnapshot[]): Promise<void>;
  close(): Promise<void>;
}
