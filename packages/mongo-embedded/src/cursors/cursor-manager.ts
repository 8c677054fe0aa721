import { Long, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { MAX_BSON_OBJECT_SIZE } from '../wire/limits.js';
import { entrySize, markRawBatch } from '../wire/raw-document.js';

/** MongoDB's default first batch, and its cursorTimeoutMillis default (10 minutes). */
export const DEFAULT_FIRST_BATCH_SIZE = 101;
export const DEFAULT_CURSOR_TIMEOUT_MS = 10 * 60 * 1000;
/** A batch stops growing once it holds this many bytes (leaves room for the reply envelope). */
const MAX_BATCH_BYTES = MAX_BSON_OBJECT_SIZE - 64 * 1024;

export interface OpenCursor {
  id: bigint;
  /** `db.coll` as reported in `cursor.ns`. */
  ns: string;
  docs: Document[];
  position: number;
  /** Session id (hex) the cursor belongs to, when opened in a session. */
  lsid: string | undefined;
  lastUsed: number;
  /** Transaction that opened the cursor, so getMore in another state can be refused. */
  txnId: string | undefined;
  /** Applied to each document as its batch goes out (projection): unread results never are. */
  transform: DocumentTransform | undefined;
  /** The results may hold RawDocuments: every batch is marked for the raw encoder. */
  raw: boolean;
}

export type DocumentTransform = (doc: Document) => Document;

/**
 * Holds the unread remainder of query results between `find`/`aggregate` and their
 * getMores. Results are materialised by the storage scan, so a cursor is a position
 * in an array; idle cursors are reaped after the timeout.
 */
export class CursorManager {
  private readonly cursors = new Map<bigint, OpenCursor>();
  private nextId = BigInt(Math.floor(Math.random() * 2 ** 40)) + 1n;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly timeoutMs = DEFAULT_CURSOR_TIMEOUT_MS) {
    this.timer = setInterval(() => this.reap(), Math.min(60_000, Math.max(1000, timeoutMs / 4)));
    this.timer.unref();
  }

  get size(): number {
    return this.cursors.size;
  }

  /**
   * Takes the first batch from `docs`; opens a cursor when more remain.
   * Returns the batch and the cursor id (0 when exhausted).
   */
  open(
    ns: string,
    docs: Document[],
    batchSize: number | undefined,
    options: {
      singleBatch?: boolean | undefined;
      lsid?: string | undefined;
      txnId?: string | undefined;
      transform?: DocumentTransform | undefined;
      raw?: boolean;
    } = {},
  ): { batch: Document[]; id: Long } {
    const transform = options.transform;
    const raw = options.raw === true;
    // batchSize 0 opens the cursor without returning anything yet, as in MongoDB.
    const { batch, taken } =
      batchSize === 0
        ? { batch: !transform && raw ? markRawBatch([]) : [], taken: 0 }
        : takeBatch(docs, 0, batchSize ?? DEFAULT_FIRST_BATCH_SIZE, transform, raw);
    if (taken >= docs.length || options.singleBatch === true) {
      return { batch, id: Long.ZERO };
    }
    const id = this.nextId++;
    this.cursors.set(id, {
      id,
      ns,
      docs,
      position: taken,
      lsid: options.lsid,
      lastUsed: Date.now(),
      txnId: options.txnId,
      transform,
      raw,
    });
    return { batch, id: Long.fromBigInt(id) };
  }

  /** The next batch for getMore; the cursor closes itself when drained (id 0 in the reply). */
  getMore(
    id: bigint,
    ns: string,
    batchSize: number | undefined,
    caller: { lsid: string | undefined; txnId: string | undefined },
  ): { batch: Document[]; id: Long } {
    const cursor = this.cursors.get(id);
    if (!cursor) {
      throw new MongoCommandError(ErrorCode.CursorNotFound, `cursor id ${id} not found`);
    }
    if (cursor.ns !== ns) {
      throw new MongoCommandError(
        ErrorCode.Unauthorized,
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    }
    assertSameSessionAndTransaction(cursor, caller);
    const { batch, taken } = takeBatch(
      cursor.docs,
      cursor.position,
      batchSize ?? Number.MAX_SAFE_INTEGER,
      cursor.transform,
      cursor.raw,
    );
    cursor.position += taken;
    cursor.lastUsed = Date.now();
    if (cursor.position >= cursor.docs.length) {
      this.cursors.delete(id);
      return { batch, id: Long.ZERO };
    }
    return { batch, id: Long.fromBigInt(id) };
  }

  kill(ids: bigint[]): { killed: bigint[]; notFound: bigint[] } {
    const killed: bigint[] = [];
    const notFound: bigint[] = [];
    for (const id of ids) (this.cursors.delete(id) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  /** Closes every cursor of the given sessions (endSessions/killSessions). */
  killForSessions(lsids: Set<string>): void {
    for (const [id, cursor] of this.cursors) {
      if (cursor.lsid !== undefined && lsids.has(cursor.lsid)) this.cursors.delete(id);
    }
  }

  reap(now = Date.now()): number {
    let reaped = 0;
    for (const [id, cursor] of this.cursors) {
      if (now - cursor.lastUsed > this.timeoutMs) {
        this.cursors.delete(id);
        reaped++;
      }
    }
    return reaped;
  }

  close(): void {
    clearInterval(this.timer);
    this.cursors.clear();
  }
}

/**
 * The next batch from `start`: at most `batchSize` documents and, past the first, no more bytes
 * than a reply may hold, measured on what goes out. A find projection may grow documents (since
 * MongoDB 4.4 it takes aggregation expressions), so with one the documents are projected one by
 * one and sized after: sized before, seven 2 MB documents projected to 8 MB went out as one
 * 56 MB reply and the driver dropped the connection. `taken` counts the source documents used.
 */
function takeBatch(
  docs: Document[],
  start: number,
  batchSize: number,
  transform: DocumentTransform | undefined,
  raw: boolean,
): { batch: Document[]; taken: number } {
  const limit = batchSize <= 0 ? Number.MAX_SAFE_INTEGER : batchSize;
  const end = Math.min(docs.length, start + limit);
  const batch: Document[] = [];
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const doc = transform ? transform(docs[i]!) : docs[i]!;
    bytes += end - start === 1 ? 0 : entrySize(doc);
    // The first document always goes out, whatever its size.
    if (bytes > MAX_BATCH_BYTES && i > start) break;
    batch.push(doc);
  }
  return { batch: !transform && raw ? markRawBatch(batch) : batch, taken: batch.length };
}

/** The txnNumber part of a transaction id (`${lsid}:${txnNumber}`), for messages. */
function txnNumberOf(txnId: string): string {
  return txnId.slice(txnId.lastIndexOf(':') + 1);
}

/**
 * MongoDB's getMore checks (50736-50741): a cursor is read only in the session it was opened in,
 * and only in the transaction it was opened in (or outside any, if it was). Without them any
 * connection that learns a cursor id could drain another session's cursor, including one
 * holding a transaction's snapshot after that transaction ended.
 */
function assertSameSessionAndTransaction(
  cursor: OpenCursor,
  caller: { lsid: string | undefined; txnId: string | undefined },
): void {
  const refuse = (code: number, message: string) => {
    throw new MongoCommandError(code, `Cannot run getMore on cursor ${cursor.id}, ${message}`);
  };
  if (cursor.lsid === undefined && caller.lsid !== undefined) {
    refuse(50736, `which was not created in a session, in session ${caller.lsid}`);
  }
  if (cursor.lsid !== undefined && caller.lsid === undefined) {
    refuse(50737, `which was created in session ${cursor.lsid}, without an lsid`);
  }
  if (cursor.lsid !== undefined && caller.lsid !== undefined && cursor.lsid !== caller.lsid) {
    refuse(50738, `which was created in session ${cursor.lsid}, in session ${caller.lsid}`);
  }
  if (cursor.txnId === undefined && caller.txnId !== undefined) {
    refuse(
      50739,
      `which was not created in a transaction, in transaction ${txnNumberOf(caller.txnId)}`,
    );
  }
  if (cursor.txnId !== undefined && caller.txnId === undefined) {
    refuse(
      50740,
      `which was created in transaction ${txnNumberOf(cursor.txnId)}, without a txnNumber`,
    );
  }
  if (cursor.txnId !== undefined && caller.txnId !== undefined && cursor.txnId !== caller.txnId) {
    refuse(
      50741,
      `which was created in transaction ${txnNumberOf(cursor.txnId)}, in transaction ${txnNumberOf(caller.txnId)}`,
    );
  }
}
