/**
 * The in-memory, multi-version storage engine behind the command layer (see contract.ts).
 *
 * Writes outside transactions apply to memory at once (each op atomically) and become
 * durable when their unit's journal record is appended. Transactions write pending versions
 * that only they see, read at a snapshot time, and commit by stamping all of them with one
 * commit time (atomic visibility) and appending one journal record. Every in-memory change
 * and the append describing it happen in the same synchronous step, so the latest committed
 * state always equals "everything appended" — which is what a checkpoint snapshot needs.
 */
import { deserialize, serialize, type Document } from 'bson';
import { duplicateKey, ErrorCode, MongoCommandError, writeConflict } from '../errors.js';
import { filterQuery } from '../query/mingo-options.js';
import { ALL, filterDependencies } from '../query/dependencies.js';
import { equalityMatcher } from '../query/equality-matcher.js';
import { needsExactNumericTypes } from '../query/query-operators.js';
import type {
  CollectionInfo,
  CreateIndexesResult,
  IndexSpec,
  Namespace,
  ReadPlan,
  ScanOptions,
  ScanResult,
  StorageEngine,
  TransactionHandle,
  WriteUnit,
} from './contract.js';
import type {
  CollectionSnapshot,
  Durability,
  JournalOp,
  RecoveredState,
} from './durability-contract.js';
import { IndexTable, type DocMatcher } from './index-table.js';
import {
  decodeStored,
  hasKeys,
  newUuid,
  nsString,
  putOp,
  splitNs,
  toBytes,
  validateNamespace,
  withIdFirst,
} from './documents.js';
import { normalizeIndexSpec, relateSpecs } from './index-spec.js';
import { decodeFields, fieldSelector } from './partial-decode.js';
import { keyString, tupleKeyString } from './key-string.js';
import { createNoopDurability } from './noop-durability.js';
import { planRead, type Plan } from './planner.js';
import { scanIntervals } from './scan-intervals.js';
import { expiredDocuments } from './ttl.js';
import {
  fullName,
  latestCommitted,
  PENDING,
  visibleVersion,
  type Collection,
  type Rec,
  type TxnState,
  type Version,
} from './records.js';
import { noSuchTransaction, Txn, Unit, waitUntil, type Applied } from './units.js';

export interface StorageEngineOptions {
  /** Journal and checkpoints; in-memory (no-op) when absent. */
  durability?: Durability;
  /** How often the TTL monitor runs (ms); 0 disables it. Default 1000. */
  ttlMonitorIntervalMs?: number;
  /** How long a write outside a transaction waits for a document a transaction holds. Default 5000. */
  lockWaitMs?: number;
  /** Compiles a query filter into a predicate; defaults to mingo's Query. */
  compileFilter?: (filter: Document) => DocMatcher;
  /**
   * Honour ScanOptions.fields (decode only what the reader needs). Default true; false decodes
   * whole documents always (to compare results and cost with and without the pushdown).
   */
  fieldPushdown?: boolean;
}

const MAX_INDEXES = 64;

/**
 * How a scan decodes the versions it reads: whole, or only the requested fields plus what the
 * residual filter reads (the matcher runs on the decoded document). Each call returns its own
 * document; only partial documents of primitives are remembered per stored bytes (partial-decode).
 */
function decoderFor(
  fields: readonly string[] | undefined,
  residual: Document,
  pushdown: boolean,
  withBytes: boolean,
): (bytes: Uint8Array) => Document {
  if (!pushdown || fields === undefined) return decodeStored;
  const filterFields = filterDependencies(residual);
  if (filterFields === ALL) return decodeStored;
  // The reader wants the stored bytes and reads nothing: no walk of the document at all.
  if (withBytes && fields.length === 0 && filterFields.size === 0) return () => ({});
  const selector = fieldSelector([...fields, ...filterFields]);
  return (bytes) => decodeFields(bytes, selector);
}

function compileWithMingo(filter: Document): DocMatcher {
  const query = filterQuery(filter);
  if (!needsExactNumericTypes(filter)) return (doc) => query.test(doc);
  return (doc, bytes) => query.test(bytes ? deserialize(bytes, { promoteValues: false }) : doc);
}

/** Simple equality filters (most residuals) without compiling a mingo Query per read. */
function defaultCompileFilter(filter: Document): DocMatcher {
  return equalityMatcher(filter, () => compileWithMingo(filter)) ?? compileWithMingo(filter);
}

/** A match of an index or `_id` scan, before it is put in natural order. */
interface Found {
  rid: number;
  doc: Document;
  bytes: Uint8Array;
}

function unzip(found: Found[]): { docs: Document[]; bytes: Uint8Array[] } {
  return { docs: found.map((f) => f.doc), bytes: found.map((f) => f.bytes) };
}

export class Engine implements StorageEngine {
  private readonly durability: Durability;
  private readonly compileFilter: (filter: Document) => DocMatcher;
  private readonly lockWaitMs: number;
  private readonly fieldPushdown: boolean;
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly active = new Set<Txn>();
  /** Records whose chain holds more than one version or a tombstone (to prune later). */
  private readonly retained = new Set<Rec>();
  private readonly inflight = new Set<Promise<void>>();
  private clock = 0;
  private seq = 0;
  private rid = 0;
  private checkpointing: Promise<void> | undefined;
  private ttlTimer: NodeJS.Timeout | undefined;
  private ttlRunning = false;
  private closed = false;
  /** Last failure of a background checkpoint or TTL pass (kept for diagnosis). */
  lastBackgroundError: unknown;

  constructor(options: StorageEngineOptions = {}) {
    this.durability = options.durability ?? createNoopDurability();
    this.lockWaitMs = options.lockWaitMs ?? 5000;
    this.fieldPushdown = options.fieldPushdown ?? true;
    const compile = options.compileFilter ?? defaultCompileFilter;
    this.compileFilter = (filter) => {
      try {
        return compile(filter);
      } catch (err) {
        if (err instanceof MongoCommandError) throw err;
        throw new MongoCommandError(
          ErrorCode.BadValue,
          err instanceof Error ? err.message : String(err),
        );
      }
    };
    const interval = options.ttlMonitorIntervalMs ?? 1000;
    if (interval > 0) {
      this.ttlTimer = setInterval(() => this.ttlPass(), interval);
      this.ttlTimer.unref();
    }
  }

  // ======================= catalog =======================

  private coll(ns: Namespace): Collection | undefined {
    return this.dbs.get(ns.db)?.get(ns.coll);
  }

  private newCollection(ns: Namespace, options: Document, uuid: Uint8Array): Collection {
    const coll: Collection = {
      db: ns.db,
      name: ns.coll,
      options,
      uuid,
      records: new Map(),
      indexes: new Map(),
      dropped: false,
    };
    coll.indexes.set(
      '_id_',
      new IndexTable({ v: 2, key: { _id: 1 }, name: '_id_' }, this.compileFilter),
    );
    let db = this.dbs.get(ns.db);
    if (db === undefined) {
      db = new Map();
      this.dbs.set(ns.db, db);
    }
    db.set(ns.coll, coll);
    return coll;
  }

  private detachCollection(coll: Collection): void {
    coll.dropped = true;
    const db = this.dbs.get(coll.db);
    db?.delete(coll.name);
    if (db?.size === 0) this.dbs.delete(coll.db);
    for (const rec of coll.records.values()) this.retained.delete(rec);
  }

  listDatabases(): { name: string; sizeOnDisk: number; empty: boolean }[] {
    return [...this.dbs.entries()]
      .filter(([, colls]) => colls.size > 0)
      .map(([name, colls]) => {
        let size = 0;
        for (const coll of colls.values()) size += this.collectionSize(coll);
        return { name, sizeOnDisk: size, empty: false };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  listCollections(db: string): CollectionInfo[] {
    const colls = this.dbs.get(db);
    if (colls === undefined) return [];
    return [...colls.values()]
      .map((c) => this.info(c))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private info(coll: Collection): CollectionInfo {
    return { name: coll.name, type: 'collection', options: coll.options, uuid: coll.uuid };
  }

  getCollection(ns: Namespace): CollectionInfo | undefined {
    const coll = this.coll(ns);
    return coll === undefined ? undefined : this.info(coll);
  }

  async createCollection(ns: Namespace, options: Document = {}): Promise<void> {
    this.assertOpen();
    validateNamespace(ns);
    if (this.coll(ns) !== undefined) {
      throw new MongoCommandError(
        ErrorCode.NamespaceExists,
        `Collection ${nsString(ns)} already exists.`,
      );
    }
    const coll = this.newCollection(ns, options, newUuid());
    await this.append([{ op: 'createCollection', ns: nsString(ns), options, uuid: coll.uuid }]);
  }

  async dropCollection(ns: Namespace): Promise<boolean> {
    this.assertOpen();
    const coll = this.coll(ns);
    if (coll === undefined) return false;
    this.detachCollection(coll);
    await this.append([{ op: 'dropCollection', ns: nsString(ns) }]);
    return true;
  }

  async dropDatabase(db: string): Promise<void> {
    this.assertOpen();
    const colls = this.dbs.get(db);
    if (colls === undefined) return;
    for (const coll of [...colls.values()]) this.detachCollection(coll);
    await this.append([{ op: 'dropDatabase', db }]);
  }

  async renameCollection(from: Namespace, to: Namespace, dropTarget: boolean): Promise<void> {
    this.assertOpen();
    validateNamespace(to);
    const source = this.coll(from);
    if (source === undefined) {
      throw new MongoCommandError(
        ErrorCode.NamespaceNotFound,
        `Source collection ${nsString(from)} does not exist`,
      );
    }
    if (from.db === to.db && from.coll === to.coll) {
      throw new MongoCommandError(
        ErrorCode.IllegalOperation,
        "Can't rename a collection to itself",
      );
    }
    const target = this.coll(to);
    if (target !== undefined) {
      if (!dropTarget) {
        throw new MongoCommandError(ErrorCode.NamespaceExists, 'target namespace exists');
      }
      this.detachCollection(target);
    }
    const db = this.dbs.get(source.db);
    db?.delete(source.name);
    if (db?.size === 0) this.dbs.delete(source.db);
    source.db = to.db;
    source.name = to.coll;
    let targetDb = this.dbs.get(to.db);
    if (targetDb === undefined) {
      targetDb = new Map();
      this.dbs.set(to.db, targetDb);
    }
    targetDb.set(to.coll, source);
    await this.append([
      { op: 'renameCollection', from: nsString(from), to: nsString(to), dropTarget },
    ]);
  }

  private collectionSize(coll: Collection): number {
    let size = 0;
    for (const rec of coll.records.values()) {
      const v = latestCommitted(rec);
      if (v?.bytes) size += v.bytes.length;
    }
    return size;
  }

  stats(ns: Namespace): {
    count: number;
    size: number;
    avgObjSize: number;
    nindexes: number;
    indexSizes: Record<string, number>;
  } {
    const coll = this.coll(ns);
    if (coll === undefined)
      return { count: 0, size: 0, avgObjSize: 0, nindexes: 0, indexSizes: {} };
    let count = 0;
    let size = 0;
    for (const rec of coll.records.values()) {
      const v = latestCommitted(rec);
      if (v?.bytes) {
        count++;
        size += v.bytes.length;
      }
    }
    const indexSizes: Record<string, number> = {};
    for (const index of coll.indexes.values()) indexSizes[index.name] = index.approximateSize();
    return {
      count,
      size,
      avgObjSize: count === 0 ? 0 : Math.round(size / count),
      nindexes: coll.indexes.size,
      indexSizes,
    };
  }

  // ======================= indexes =======================

  async createIndexes(ns: Namespace, specs: IndexSpec[]): Promise<CreateIndexesResult> {
    this.assertOpen();
    validateNamespace(ns);
    if (specs.length === 0) {
      throw new MongoCommandError(ErrorCode.BadValue, 'Must specify at least one index to create');
    }
    const normalized = specs.map((s) => normalizeIndexSpec(s));
    let coll = this.coll(ns);
    const ops: JournalOp[] = [];
    let created = false;
    if (coll === undefined) {
      coll = this.newCollection(ns, {}, newUuid());
      created = true;
      ops.push({ op: 'createCollection', ns: nsString(ns), options: {}, uuid: coll.uuid });
    }
    const before = coll.indexes.size;
    const toBuild: IndexSpec[] = [];
    try {
      for (const spec of normalized) {
        let exists = false;
        for (const existing of coll.indexes.values()) {
          if (relateSpecs(spec, existing.spec) === 'same') exists = true;
        }
        for (const pending of toBuild) {
          if (relateSpecs(spec, pending) === 'same') exists = true;
        }
        if (!exists) toBuild.push(spec);
      }
      if (before + toBuild.length > MAX_INDEXES) {
        throw new MongoCommandError(
          ErrorCode.CannotCreateIndex,
          `add index fails, too many indexes for ${nsString(ns)}`,
        );
      }
      const tables = toBuild.map((spec) => new IndexTable(spec, this.compileFilter));
      this.buildIndexes(coll, tables);
      for (const table of tables) {
        coll.indexes.set(table.name, table);
        ops.push({ op: 'createIndex', ns: nsString(ns), spec: table.spec });
      }
    } finally {
      if (ops.length > 0) await this.append(ops);
    }
    return {
      createdCollectionAutomatically: created,
      numIndexesBefore: before,
      numIndexesAfter: coll.indexes.size,
      ...(toBuild.length === 0 ? { note: 'all indexes already exist' } : {}),
    };
  }

  /** Adds entries for every version of every record; refuses unique violations (11000). */
  private buildIndexes(coll: Collection, tables: IndexTable[]): void {
    const seen = tables.map(() => new Set<string>());
    try {
      for (const rec of coll.records.values()) {
        const current = latestCommitted(rec);
        for (let v: Version | null = rec.head; v !== null; v = v.next) {
          if (v.bytes === null) continue;
          const doc = decodeStored(v.bytes);
          tables.forEach((table, i) => {
            const keys = table.keysOf(doc);
            if (table.unique && v === current) {
              const set = seen[i] as Set<string>;
              for (const key of keys) {
                const ks = tupleKeyString(key);
                if (set.has(ks)) {
                  throw duplicateKey(
                    fullName(coll),
                    table.name,
                    table.spec.key,
                    table.keyValue(key),
                  );
                }
                set.add(ks);
              }
            }
            table.add(rec, v, keys);
          });
        }
      }
    } catch (err) {
      for (const table of tables) table.clear();
      throw err;
    }
  }

  listIndexes(ns: Namespace): IndexSpec[] {
    const coll = this.coll(ns);
    if (coll === undefined) {
      throw new MongoCommandError(
        ErrorCode.NamespaceNotFound,
        `ns does not exist: ${nsString(ns)}`,
      );
    }
    return [...coll.indexes.values()].map((index) => ({ ...index.spec }));
  }

  async dropIndexes(ns: Namespace, names: string[] | '*'): Promise<{ nIndexesWas: number }> {
    this.assertOpen();
    const coll = this.coll(ns);
    if (coll === undefined) {
      throw new MongoCommandError(ErrorCode.NamespaceNotFound, `ns not found ${nsString(ns)}`);
    }
    const was = coll.indexes.size;
    const targets = names === '*' ? [...coll.indexes.keys()].filter((n) => n !== '_id_') : names;
    for (const name of targets) {
      if (name === '_id_') {
        throw new MongoCommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
      }
      if (!coll.indexes.has(name)) {
        throw new MongoCommandError(ErrorCode.IndexNotFound, `index not found with name [${name}]`);
      }
    }
    const ops: JournalOp[] = [];
    for (const name of targets) {
      coll.indexes.delete(name);
      ops.push({ op: 'dropIndex', ns: nsString(ns), name });
    }
    if (ops.length > 0) await this.append(ops);
    return { nIndexesWas: was };
  }

  // ======================= reads =======================

  private readerOf(handle: TransactionHandle | undefined): Txn | undefined {
    if (handle === undefined) return undefined;
    if (!(handle instanceof Txn) || handle.engine !== this) {
      throw new MongoCommandError(ErrorCode.BadValue, 'unknown transaction handle');
    }
    if (handle.status !== 'active') throw noSuchTransaction(handle.id);
    handle.snapshot ??= this.clock;
    return handle;
  }

  /**
   * `limit` (an extension of the contract's ScanOptions): when documents come out in the
   * requested order (natural order without a sort, or a covered sort), the scan stops after
   * that many matches instead of decoding every match. Pass skip + limit.
   */
  scan(ns: Namespace, options: ScanOptions & { limit?: number }): ScanResult {
    const reader = this.readerOf(options.txn);
    const coll = this.coll(ns);
    if (coll === undefined) {
      return {
        docs: [],
        plan: { stage: 'EOF', keysExamined: 0, docsExamined: 0, sortCovered: false },
      };
    }
    const plan = planRead(coll.indexes, options.filter, options.sort, options.hint);
    // Candidates are checked against what the plan's bounds leave unexpressed.
    const residual =
      plan.kind === 'ixscan'
        ? plan.residual
        : plan.kind === 'id' && plan.exact
          ? {}
          : options.filter;
    const match = hasKeys(residual) ? this.compileFilter(residual) : undefined;
    const sorted = options.sort !== undefined && hasKeys(options.sort);
    const inOrder = plan.kind === 'collscan' ? !sorted || plan.sortCovered : plan.sortCovered;
    const limit =
      inOrder && options.limit !== undefined && options.limit > 0
        ? options.limit
        : Number.POSITIVE_INFINITY;
    const result = this.execute(
      coll,
      plan,
      reader,
      match,
      limit,
      decoderFor(options.fields, residual, this.fieldPushdown, options.withBytes === true),
    );
    if (options.withBytes !== true) return { docs: result.docs, plan: result.plan };
    return result;
  }

  count(ns: Namespace, options: ScanOptions): number {
    const reader = this.readerOf(options.txn);
    const coll = this.coll(ns);
    if (coll === undefined) return 0;
    if (!hasKeys(options.filter) && options.hint === undefined) {
      let n = 0;
      for (const rec of coll.records.values()) if (visibleVersion(rec, reader)?.bytes) n++;
      return n;
    }
    return this.scan(ns, options).docs.length;
  }

  private execute(
    coll: Collection,
    plan: Plan,
    reader: Txn | undefined,
    match: DocMatcher | undefined,
    limit = Number.POSITIVE_INFINITY,
    decode: (bytes: Uint8Array) => Document = decodeStored,
  ): Required<ScanResult> {
    const docs: Document[] = [];
    const bytes: Uint8Array[] = [];
    let docsExamined = 0;
    let keysExamined = 0;
    switch (plan.kind) {
      case 'collscan': {
        /** Returns false once `limit` documents matched. */
        const visit = (rec: Rec): boolean => {
          const v = visibleVersion(rec, reader);
          if (v?.bytes == null) return true;
          docsExamined++;
          const doc = decode(v.bytes);
          if (match === undefined || match(doc, v.bytes)) {
            docs.push(doc);
            bytes.push(v.bytes);
          }
          return docs.length < limit;
        };
        if (plan.reverse) {
          const all = [...coll.records.values()];
          for (let i = all.length - 1; i >= 0; i--) if (!visit(all[i] as Rec)) break;
        } else {
          for (const rec of coll.records.values()) if (!visit(rec)) break;
        }
        const readPlan: ReadPlan = {
          stage: 'COLLSCAN',
          keysExamined: 0,
          docsExamined,
          sortCovered: plan.sortCovered,
        };
        return { docs, bytes, plan: readPlan };
      }
      case 'id': {
        const found: Found[] = [];
        const seen = new Set<string>();
        for (const id of plan.ids) {
          const key = keyString(id);
          if (seen.has(key)) continue;
          seen.add(key);
          keysExamined++;
          const rec = coll.records.get(key);
          if (rec === undefined) continue;
          const v = visibleVersion(rec, reader);
          if (v?.bytes == null) continue;
          docsExamined++;
          const doc = decode(v.bytes);
          if (match === undefined || match(doc, v.bytes)) {
            found.push({ rid: rec.rid, doc, bytes: v.bytes });
          }
        }
        if (found.length > 1) found.sort((a, b) => a.rid - b.rid);
        const readPlan: ReadPlan = {
          stage: plan.exact ? 'IDHACK' : 'IXSCAN',
          indexName: '_id_',
          keysExamined,
          docsExamined,
          sortCovered: plan.sortCovered,
        };
        return { ...unzip(found), plan: readPlan };
      }
      case 'ixscan': {
        const found: Found[] = [];
        const seen = plan.dedupe ? new Set<Rec>() : undefined;
        keysExamined = scanIntervals(
          plan.index,
          plan.intervals,
          plan.reverse,
          (e) => {
            if (seen?.has(e.rec)) return true;
            const v = visibleVersion(e.rec, reader);
            if (v !== e.ver || v.bytes === null) return true;
            seen?.add(e.rec);
            docsExamined++;
            const doc = decode(v.bytes);
            if (match === undefined || match(doc, v.bytes)) {
              found.push({ rid: e.rec.rid, doc, bytes: v.bytes });
            }
            return found.length < limit;
          },
          plan.points,
        );
        // Without a covered sort the contract promises natural order.
        if (!plan.sortCovered && found.length > 1) found.sort((a, b) => a.rid - b.rid);
        const readPlan: ReadPlan = {
          stage: 'IXSCAN',
          indexName: plan.index.name,
          keysExamined,
          docsExamined,
          sortCovered: plan.sortCovered,
        };
        return { ...unzip(found), plan: readPlan };
      }
    }
  }

  // ======================= writes =======================

  async write<T>(work: (unit: WriteUnit) => T): Promise<T> {
    this.assertOpen();
    return this.runUnit(work, Date.now() + this.lockWaitMs);
  }

  private async runUnit<T>(work: (unit: WriteUnit) => T, deadline: number): Promise<T> {
    const detached: Promise<void>[] = [];
    for (;;) {
      const unit = new Unit(this, null, Date.now() < deadline);
      let result: T | undefined;
      let failure: unknown;
      let failed = false;
      try {
        result = work(unit);
      } catch (err) {
        failure = err;
        failed = true;
      }
      unit.finished = true;
      detached.push(...unit.detached);
      const blocker = unit.blockedOn;
      if (blocker !== null) {
        // A transaction holds a document this unit needs: undo, wait for it, run again.
        this.rollback(unit);
        await waitUntil(blocker.done, deadline);
        continue;
      }
      const durable = this.finishUnit(unit);
      await Promise.all([...detached, ...(durable ? [durable] : [])]);
      if (failed) throw failure;
      return result as T;
    }
  }

  private finishUnit(unit: Unit): Promise<void> | undefined {
    const ops: JournalOp[] = [];
    for (const { rec, ver } of unit.applied) {
      const ns = fullName(rec.coll);
      if (ver.bytes !== null) ops.push(putOp(ns, ver.bytes));
      else ops.push({ op: 'del', ns, id: ver.deletedId });
    }
    for (const { rec } of unit.applied) this.prune(rec);
    return ops.length > 0 ? this.append(ops) : undefined;
  }

  private rollback(unit: Unit): void {
    for (let i = unit.applied.length - 1; i >= 0; i--) {
      const { rec, ver } = unit.applied[i] as Applied;
      if (rec.head !== ver) continue;
      this.removeEntries(rec, ver);
      if (ver.next !== null) rec.head = ver.next;
      else if (rec.coll.records.get(rec.idKey) === rec) rec.coll.records.delete(rec.idKey);
    }
    unit.applied.length = 0;
  }

  /** The collection a unit writes to, created (and journaled) on first use. */
  private collectionForWrite(unit: Unit, ns: Namespace): Collection {
    const existing = this.coll(ns);
    if (existing !== undefined) return existing;
    validateNamespace(ns);
    const coll = this.newCollection(ns, {}, newUuid());
    unit.detached.push(
      this.append([{ op: 'createCollection', ns: nsString(ns), options: {}, uuid: coll.uuid }]),
    );
    return coll;
  }

  private conflict(unit: Unit, owner: TxnState): never {
    if (unit.txn === null && unit.mayWait) unit.blockedOn = owner as Txn;
    throw writeConflict();
  }

  /** Throws when another transaction holds `rec`, or (in a transaction) it changed after the snapshot. */
  private checkWritable(unit: Unit, rec: Rec): void {
    const owner = rec.head.owner;
    if (owner !== null && owner !== unit.txn) this.conflict(unit, owner);
    const txn = unit.txn;
    if (txn !== null && owner !== txn) {
      const latest = latestCommitted(rec);
      if (latest !== null && latest.ts > (txn.snapshot ?? this.clock)) throw writeConflict();
    }
  }

  private keysFor(coll: Collection, doc: Document): Map<IndexTable, unknown[][]> {
    const keys = new Map<IndexTable, unknown[][]>();
    for (const index of coll.indexes.values()) keys.set(index, index.keysOf(doc));
    return keys;
  }

  private checkUnique(
    unit: Unit,
    coll: Collection,
    keys: Map<IndexTable, unknown[][]>,
    self: Rec | undefined,
  ): void {
    for (const [index, list] of keys) {
      if (!index.unique || index.isId) continue;
      for (const key of list) {
        for (const e of index.equal(key)) {
          if (e.rec === self) continue;
          const head = e.rec.head;
          if (head.owner !== null && head.owner !== unit.txn) {
            // Another transaction's pending write involves this key: conflict, not duplicate.
            if (e.ver === head || e.ver === head.next) this.conflict(unit, head.owner);
            continue;
          }
          if (e.ver !== head || head.bytes === null) continue;
          if (
            unit.txn !== null &&
            head.owner === null &&
            head.ts > (unit.txn.snapshot ?? this.clock)
          ) {
            throw writeConflict();
          }
          throw duplicateKey(fullName(coll), index.name, index.spec.key, index.keyValue(key));
        }
      }
    }
  }

  private apply(
    unit: Unit,
    coll: Collection,
    rec: Rec | undefined,
    idKey: string,
    bytes: Uint8Array | null,
    keys: Map<IndexTable, unknown[][]> | undefined,
    deletedId?: unknown,
  ): void {
    const txn = unit.txn;
    let ver: Version;
    if (rec !== undefined && txn !== null && rec.head.owner === txn) {
      // A transaction rewriting its own pending version replaces it.
      const old = rec.head;
      this.removeEntries(rec, old);
      ver = { bytes, ts: PENDING, seq: ++this.seq, owner: txn, next: old.next, deletedId };
      rec.head = ver;
    } else {
      ver = {
        bytes,
        ts: txn === null ? ++this.clock : PENDING,
        seq: ++this.seq,
        owner: txn,
        next: rec?.head ?? null,
        deletedId,
      };
      if (rec === undefined) {
        rec = { rid: ++this.rid, idKey, coll, head: ver };
        coll.records.set(idKey, rec);
      } else {
        rec.head = ver;
      }
    }
    if (keys !== undefined) for (const [index, list] of keys) index.add(rec, ver, list);
    if (txn !== null) txn.written.add(rec);
    else unit.applied.push({ rec, ver });
  }

  /** The version a unit's write builds on: its own pending one, else the newest committed. */
  private currentFor(unit: Unit, rec: Rec): Version | null {
    return unit.txn !== null && rec.head.owner === unit.txn ? rec.head : latestCommitted(rec);
  }

  insertIn(unit: Unit, ns: Namespace, input: Document): void {
    if (unit.txn !== null) unit.txn.snapshot ??= this.clock;
    const coll = this.collectionForWrite(unit, ns);
    const doc = withIdFirst(input, 'insert');
    const bytes = toBytes(doc, 'insert');
    const idKey = keyString(doc._id);
    const rec = coll.records.get(idKey);
    if (rec !== undefined) {
      this.checkWritable(unit, rec);
      const cur = this.currentFor(unit, rec);
      if (cur?.bytes != null) {
        throw duplicateKey(fullName(coll), '_id_', { _id: 1 }, { _id: doc._id as unknown });
      }
    }
    const keys = this.keysFor(coll, doc);
    this.checkUnique(unit, coll, keys, rec);
    this.apply(unit, coll, rec, idKey, bytes, keys);
  }

  /**
   * The record a replace/remove targets and the version it builds on, or undefined when
   * the document is absent (in a transaction: absent because of a newer commit conflicts).
   */
  private existingFor(
    unit: Unit,
    ns: Namespace,
    id: unknown,
  ):
    | { coll: Collection; rec: Rec; idKey: string; cur: Version & { bytes: Uint8Array } }
    | undefined {
    if (unit.txn !== null) unit.txn.snapshot ??= this.clock;
    const coll = this.coll(ns);
    if (coll === undefined || id === undefined) return undefined;
    const idKey = keyString(id);
    const rec = coll.records.get(idKey);
    if (rec === undefined) return undefined;
    const cur = this.currentFor(unit, rec);
    if (cur?.bytes == null) {
      if (unit.txn !== null && cur !== null && cur.ts > (unit.txn.snapshot ?? this.clock)) {
        throw writeConflict();
      }
      return undefined;
    }
    this.checkWritable(unit, rec);
    return { coll, rec, idKey, cur: cur as Version & { bytes: Uint8Array } };
  }

  replaceIn(unit: Unit, ns: Namespace, input: Document): boolean {
    const target = this.existingFor(unit, ns, input._id);
    if (target === undefined) return false;
    const { coll, rec, idKey } = target;
    const doc = withIdFirst(input, 'replace');
    const bytes = toBytes(doc, 'replace');
    const keys = this.keysFor(coll, doc);
    this.checkUnique(unit, coll, keys, rec);
    this.apply(unit, coll, rec, idKey, bytes, keys);
    return true;
  }

  removeIn(unit: Unit, ns: Namespace, id: unknown): boolean {
    const target = this.existingFor(unit, ns, id);
    if (target === undefined) return false;
    const { coll, rec, idKey, cur } = target;
    // Journal the stored _id (the caller may have matched 1 with 1.0 or Long(1)).
    const storedId: unknown = decodeStored(cur.bytes)._id;
    this.apply(unit, coll, rec, idKey, null, undefined, storedId);
    return true;
  }

  // ======================= versions =======================

  private removeEntries(rec: Rec, ver: Version): void {
    if (ver.bytes === null) return;
    const doc = decodeStored(ver.bytes);
    for (const index of rec.coll.indexes.values()) index.remove(rec, ver, index.keysOf(doc));
  }

  /** Distinct snapshot times of open transactions, newest first. */
  private openSnapshots(): number[] {
    const snaps = new Set<number>();
    for (const txn of this.active) if (txn.snapshot !== undefined) snaps.add(txn.snapshot);
    return [...snaps].sort((a, b) => b - a);
  }

  /**
   * Drops the versions no reader can see: a reader sees the newest committed version, and
   * each open snapshot the newest version committed at or before it. Forgets records that
   * are only a tombstone.
   */
  private prune(rec: Rec, snapshots = this.openSnapshots()): void {
    if (rec.coll.dropped) return;
    const latest = latestCommitted(rec);
    if (latest !== null) {
      let si = 0;
      while (si < snapshots.length && (snapshots[si] as number) >= latest.ts) si++;
      let kept = latest;
      let v = latest.next;
      while (v !== null) {
        const next = v.next;
        if (si < snapshots.length && (snapshots[si] as number) >= v.ts) {
          kept.next = v;
          kept = v;
        } else {
          this.removeEntries(rec, v);
        }
        while (si < snapshots.length && (snapshots[si] as number) >= v.ts) si++;
        v = next;
      }
      kept.next = null;
    }
    const head = rec.head;
    if (head.owner === null && head.bytes === null && head.next === null) {
      if (rec.coll.records.get(rec.idKey) === rec) rec.coll.records.delete(rec.idKey);
      this.retained.delete(rec);
    } else if (head.next !== null || head.bytes === null) {
      this.retained.add(rec);
    } else {
      this.retained.delete(rec);
    }
  }

  private pruneRetained(): void {
    if (this.retained.size === 0) return;
    const snapshots = this.openSnapshots();
    for (const rec of [...this.retained]) this.prune(rec, snapshots);
  }

  // ======================= transactions =======================

  beginTransaction(id: string): TransactionHandle {
    this.assertOpen();
    const txn = new Txn(id, this);
    this.active.add(txn);
    return txn;
  }

  async commitTransaction(handle: TransactionHandle): Promise<void> {
    if (!(handle instanceof Txn) || handle.engine !== this) {
      throw new MongoCommandError(ErrorCode.BadValue, 'unknown transaction handle');
    }
    const txn = handle;
    if (txn.status === 'committed') return txn.commitDurable;
    if (txn.status === 'aborted') throw noSuchTransaction(txn.id);
    for (const rec of txn.written) {
      if (rec.coll.dropped) {
        this.abortTransaction(txn);
        throw writeConflict('Collection dropped during transaction');
      }
    }
    const ts = ++this.clock;
    const ops: JournalOp[] = [];
    for (const rec of txn.written) {
      const v = rec.head;
      if (v.owner !== txn) continue;
      v.owner = null;
      v.ts = ts;
      const ns = fullName(rec.coll);
      if (v.bytes !== null) ops.push(putOp(ns, v.bytes));
      else if (v.next?.bytes != null) ops.push({ op: 'del', ns, id: v.deletedId });
    }
    this.active.delete(txn);
    txn.end('committed');
    for (const rec of txn.written) this.prune(rec);
    this.pruneRetained();
    txn.commitDurable = ops.length > 0 ? this.append(ops) : Promise.resolve();
    return txn.commitDurable;
  }

  abortTransaction(handle: TransactionHandle): void {
    if (!(handle instanceof Txn) || handle.engine !== this) return;
    const txn = handle;
    if (txn.status !== 'active') return;
    for (const rec of txn.written) {
      const v = rec.head;
      if (v.owner !== txn) continue;
      this.removeEntries(rec, v);
      if (v.next !== null) rec.head = v.next;
      else if (rec.coll.records.get(rec.idKey) === rec) rec.coll.records.delete(rec.idKey);
    }
    this.active.delete(txn);
    txn.end('aborted');
    for (const rec of txn.written) if (rec.coll.records.get(rec.idKey) === rec) this.prune(rec);
    this.pruneRetained();
  }

  // ======================= durability =======================

  private append(ops: JournalOp[]): Promise<void> {
    const done = this.durability.append(ops).then(() => this.maybeCheckpoint());
    this.inflight.add(done);
    const forget = (): void => {
      this.inflight.delete(done);
    };
    done.then(forget, forget);
    return done;
  }

  private maybeCheckpoint(): void {
    if (this.checkpointing !== undefined || this.closed) return;
    if (!this.durability.shouldCheckpoint()) return;
    this.checkpointing = this.durability
      .checkpoint(() => this.snapshot())
      .catch((err: unknown) => {
        this.lastBackgroundError = err;
      })
      .finally(() => {
        this.checkpointing = undefined;
      });
  }

  /** The latest committed state; called synchronously by durability. */
  private snapshot(): CollectionSnapshot[] {
    const out: CollectionSnapshot[] = [];
    for (const colls of this.dbs.values()) {
      for (const coll of colls.values()) {
        const docs: Uint8Array[] = [];
        for (const rec of coll.records.values()) {
          const v = latestCommitted(rec);
          if (v?.bytes) docs.push(v.bytes);
        }
        out.push({
          ns: fullName(coll),
          options: coll.options,
          uuid: coll.uuid,
          indexes: [...coll.indexes.values()].filter((i) => !i.isId).map((i) => i.spec),
          docs,
        });
      }
    }
    return out;
  }

  /** Loads recovered state into an empty engine (no journaling). */
  load(state: RecoveredState): void {
    for (const snap of state.collections) {
      const ns = splitNs(snap.ns);
      const coll = this.newCollection(ns, snap.options, snap.uuid);
      const tables = snap.indexes.map((spec) => new IndexTable(spec, this.compileFilter));
      for (const table of tables) coll.indexes.set(table.name, table);
      const all = [...coll.indexes.values()];
      for (const item of snap.docs) {
        const bytes = item instanceof Uint8Array ? item : serialize(item);
        const doc = item instanceof Uint8Array ? decodeStored(item) : decodeStored(bytes);
        const idKey = keyString(doc._id);
        const ver: Version = { bytes, ts: 0, seq: ++this.seq, owner: null, next: null };
        const rec: Rec = { rid: ++this.rid, idKey, coll, head: ver };
        coll.records.set(idKey, rec);
        for (const index of all) index.add(rec, ver, index.keysOf(doc));
      }
    }
  }

  // ======================= TTL =======================

  private *allCollections(): Iterable<Collection> {
    for (const colls of this.dbs.values()) yield* colls.values();
  }

  private ttlPass(): void {
    if (this.ttlRunning || this.closed) return;
    const victims = expiredDocuments(this.allCollections(), Date.now());
    if (victims.length === 0) return;
    this.ttlRunning = true;
    // TTL deletes use the normal write path (journaled); a locked document waits for the next pass.
    this.runUnit((unit) => {
      for (const { ns, id } of victims) {
        try {
          unit.remove(ns, id);
        } catch {
          // Held by a transaction or changed concurrently: retried on the next pass.
        }
      }
    }, 0)
      .catch((err: unknown) => {
        this.lastBackgroundError = err;
      })
      .finally(() => {
        this.ttlRunning = false;
      });
  }

  /** Runs one TTL pass now and resolves when its deletes are durable (for tests). */
  async runTtlMonitor(): Promise<void> {
    this.ttlPass();
    while (this.ttlRunning) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  // ======================= lifecycle =======================

  private assertOpen(): void {
    if (this.closed)
      throw new MongoCommandError(ErrorCode.InternalError, 'storage engine is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ttlTimer !== undefined) clearInterval(this.ttlTimer);
    await Promise.allSettled([...this.inflight]);
    try {
      if (this.checkpointing !== undefined) await this.checkpointing;
      await this.durability.checkpoint(() => this.snapshot());
    } finally {
      // Release the data directory (lock file) even when the final checkpoint fails.
      await this.durability.close();
    }
  }
}
