/**
 * The contract between the command layer (src/commands, src/wire, src/server.ts)
 * and the storage engine (src/storage). The command layer parses commands, applies
 * query/update/aggregation semantics (mingo through src/query) and shapes replies;
 * the storage engine owns the catalog, documents, indexes, MVCC transactions and,
 * through the Journal, durability.
 *
 * Concurrency model: Node runs one command step at a time. Every storage method
 * below is synchronous except the ones that wait for durability (`commit`). A
 * read-modify-write done without awaiting in between is therefore atomic.
 */
import type { Document } from 'bson';

export interface Namespace {
  db: string;
  coll: string;
}

export interface IndexSpec {
  v?: number;
  name: string;
  key: Document; // field -> 1 | -1 (other index types are refused with CannotCreateIndex 67)
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
}

export interface CollectionInfo {
  name: string;
  type: 'collection';
  options: Document; // as given to create (validator, validationLevel, ...)
  uuid: Uint8Array; // 16 bytes, stable across restarts
}

export interface ReadPlan {
  /** 'IDHACK' for an _id equality, 'IXSCAN' when an index bounded the scan, else 'COLLSCAN'. */
  stage: 'IDHACK' | 'IXSCAN' | 'COLLSCAN' | 'EOF';
  indexName?: string;
  keysExamined: number;
  docsExamined: number;
  /** True when the storage already returned documents in the requested sort order. */
  sortCovered: boolean;
}

export interface ScanOptions {
  /** The query filter; the engine uses it to choose an index and returns only matching documents. */
  filter: Document;
  sort?: Document;
  /** Index name or key pattern, as in find's `hint`; BadValue (2) when no such index. */
  hint?: string | Document;
  /** Read inside this transaction's snapshot (plus its own writes). */
  txn?: TransactionHandle;
  /**
   * Decode only these top-level fields (plus what `filter` reads where the index bounds do not
   * already answer it; `_id` only when listed): the returned documents may lack every other
   * field. For read-only consumers (aggregation after dependency analysis); never hand such
   * documents to a write. Absent: whole documents.
   */
  fields?: readonly string[];
  /**
   * Also return each match's stored BSON (`ScanResult.bytes`), for a reader that sends the
   * documents on as they are stored and decodes only what it filters or sorts on (`fields`).
   */
  withBytes?: boolean;
}

export interface ScanResult {
  /** Matching documents, in `sort` order when plan.sortCovered, else natural (insertion) order. */
  docs: Document[];
  /** With `withBytes`: the stored BSON of each document of `docs`, at the same positions. */
  bytes?: Uint8Array[];
  plan: ReadPlan;
}

/**
 * A unit of writes that becomes visible and durable together. Outside a transaction
 * the command layer opens one unit per write command (MongoDB's per-document
 * atomicity is kept because each operation inside is applied immediately and
 * atomically to memory); inside a transaction the unit is the transaction's.
 */
export interface WriteUnit {
  /** Throws DuplicateKey (11000) with keyPattern/keyValue, or WriteConflict (112). */
  insert(ns: Namespace, doc: Document): void;
  /** Replaces the document whose _id equals doc._id. Throws as insert. Returns false when absent. */
  replace(ns: Namespace, doc: Document): boolean;
  /** Removes by _id. Returns false when absent. */
  remove(ns: Namespace, id: unknown): boolean;
}

export interface TransactionHandle {
  readonly id: string; // `${lsid}:${txnNumber}`
  readonly writes: WriteUnit;
}

export interface StorageEngine {
  // ----- catalog -----
  listDatabases(): { name: string; sizeOnDisk: number; empty: boolean }[];
  listCollections(db: string): CollectionInfo[];
  getCollection(ns: Namespace): CollectionInfo | undefined;
  /** NamespaceExists (48) if present. Implicit creation on first insert goes through this too. */
  createCollection(ns: Namespace, options?: Document): Promise<void>;
  dropCollection(ns: Namespace): Promise<boolean>;
  dropDatabase(db: string): Promise<void>;
  renameCollection(from: Namespace, to: Namespace, dropTarget: boolean): Promise<void>;
  stats(ns: Namespace): {
    count: number;
    size: number;
    avgObjSize: number;
    nindexes: number;
    indexSizes: Record<string, number>;
  };

  // ----- indexes -----
  createIndexes(ns: Namespace, specs: IndexSpec[]): Promise<CreateIndexesResult>;
  listIndexes(ns: Namespace): IndexSpec[];
  dropIndexes(ns: Namespace, names: string[] | '*'): Promise<{ nIndexesWas: number }>;

  // ----- reads -----
  scan(ns: Namespace, options: ScanOptions): ScanResult;
  count(ns: Namespace, options: ScanOptions): number;

  // ----- writes outside transactions -----
  /** Runs `work` against a fresh unit, then journals and fsyncs it; resolves once durable. */
  write<T>(work: (unit: WriteUnit) => T): Promise<T>;

  // ----- transactions -----
  beginTransaction(id: string): TransactionHandle;
  /** Atomic and durable. Throws WriteConflict (112, TransientTransactionError) if it lost a race. */
  commitTransaction(txn: TransactionHandle): Promise<void>;
  abortTransaction(txn: TransactionHandle): void;

  // ----- lifecycle -----
  /** Checkpoints (in dbPath mode) and releases files. */
  close(): Promise<void>;
}

/** The createIndexes reply fields the storage decides. */
export interface CreateIndexesResult {
  createdCollectionAutomatically: boolean;
  numIndexesBefore: number;
  numIndexesAfter: number;
  note?: string;
}
