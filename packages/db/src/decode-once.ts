import {
  BSON,
  Long,
  MongoNetworkError,
  MongoServerError,
  type ClientSession,
  type Collection,
  type Document,
  type Filter,
} from 'mongodb';
import { STATE_CHANGE_CODES } from './error-codes.js';

/**
 * Reads that decode each returned document once.
 *
 * With command monitoring on (the server's /metrics records every command's duration), the
 * driver decodes every reply in full for its `commandSucceeded` event and the cursor then
 * decodes each document again: a read of 50 invoices pays for 100. A cursor opened with
 * `raw: true` keeps its batch as bytes in the event's reply; the documents are decoded here,
 * once, with the driver's default options (the client sets none: `createDb`), so they are the
 * very values `toArray()` of an ordinary cursor returns.
 */
function decodeAll<T>(raw: readonly unknown[]): T[] {
  return raw.map((bytes) => {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError('expected a raw BSON document (a batch read with raw or fieldsAsRaw)');
    }
    return BSON.deserialize(bytes) as T;
  });
}

export interface FindAllOptions {
  sort?: Document;
  limit?: number;
}

/** `collection.find(filter).sort(sort).limit(limit).toArray()`, each document decoded once. */
export async function findAll<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  options: FindAllOptions = {},
): Promise<T[]> {
  const cursor = collection.find(filter, { raw: true });
  if (options.sort !== undefined) cursor.sort(options.sort);
  if (options.limit !== undefined) cursor.limit(options.limit);
  return decodeAll<T>(await cursor.toArray());
}

/** `collection.aggregate(pipeline).toArray()`, each result document decoded once. */
export async function aggregateAll<R extends Document, T extends Document = Document>(
  collection: Collection<T>,
  pipeline: Document[],
  options: { session?: ClientSession | undefined } = {},
): Promise<R[]> {
  const cursor = collection.aggregate(
    pipeline,
    options.session ? { raw: true, session: options.session } : { raw: true },
  );
  return decodeAll<R>(await cursor.toArray());
}

/**
 * The server error codes after which the Retryable Reads specification (MongoDB's driver
 * specifications, retryable-reads.md) sends a read once more: a node that stepped down, shut
 * down or is electing, or one that could not be reached.
 */
const RETRYABLE_READ_CODES: ReadonlySet<number> = new Set([
  ...STATE_CHANGE_CODES,
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  134, // ReadConcernMajorityNotAvailableYet
  262, // ExceededTimeLimit
  9001, // SocketException
]);
/** The specification's messages of servers that send no code. */
const RETRYABLE_READ_MESSAGE = /not master|node is recovering/i;

function isRetryableRead(error: unknown): boolean {
  if (error instanceof MongoNetworkError) return true;
  if (!(error instanceof MongoServerError)) return false;
  return (
    (typeof error.code === 'number' && RETRYABLE_READ_CODES.has(error.code)) ||
    RETRYABLE_READ_MESSAGE.test(error.message)
  );
}

/** The batch stays as bytes in the reply (and in the monitored event's copy of it). */
const FIRST_BATCH_AS_BYTES = { fieldsAsRaw: { firstBatch: true } } as const;

function isZero(id: unknown): boolean {
  return id === 0 || id === 0n || (id instanceof Long && id.isZero());
}

/** A cursor id of a decoded reply (a number when it fits in 53 bits) as the int64 it is. */
function cursorId(id: unknown): Long {
  if (id instanceof Long) return id;
  if (typeof id === 'number') return Long.fromNumber(id);
  if (typeof id === 'bigint') return Long.fromBigInt(id);
  throw new TypeError(`an aggregate reply with a cursor id of type ${typeof id}`);
}

/**
 * `collection.aggregate(pipeline).toArray()` for a pipeline whose whole result fits in the
 * first batch (up to 101 documents: an aggregate's default first batch), sent as the
 * `aggregate` command itself, its batch kept as bytes and each document decoded once. The
 * driver's aggregation cursor costs about 15% more CPU per read (`pnpm access-read` in bench/),
 * which the access check of every org-scoped call paid. What the cursor did besides is kept:
 * the collection's read concern is sent, and a read that fails on a network error or a node
 * stepping down is sent once more when the client retries reads, as the Retryable Reads
 * specification says. Unlike a collection's aggregate it reads from the
 * primary whatever the client's read preference. A result that does not fit in the first
 * batch is an error (its cursor is closed): the caller's pipeline must bound it with `$limit`.
 */
export async function aggregateFirstBatch<R extends Document, T extends Document = Document>(
  collection: Collection<T>,
  pipeline: Document[],
): Promise<R[]> {
  const readConcern = collection.readConcern;
  const command: Document = { aggregate: collection.collectionName, pipeline, cursor: {} };
  if (readConcern?.level !== undefined) command.readConcern = { level: readConcern.level };
  const db = collection.db;
  let reply: Document;
  try {
    reply = await db.command(command, FIRST_BATCH_AS_BYTES);
  } catch (error) {
    if (!db.client.options.retryReads || !isRetryableRead(error)) throw error;
    reply = await db.command(command, FIRST_BATCH_AS_BYTES);
  }
  const cursor = reply.cursor as { id?: unknown; firstBatch?: unknown } | undefined;
  if (!Array.isArray(cursor?.firstBatch)) {
    throw new TypeError('an aggregate reply without cursor.firstBatch');
  }
  if (!isZero(cursor.id)) {
    // Closed at once rather than left to the server's 10-minute cursor timeout. A failure to
    // close it does not replace the refusal, which is what the caller must see. A cursor id is
    // an int64 (MongoDB refuses a double there), while the decoded reply holds a number.
    await db
      .command({ killCursors: collection.collectionName, cursors: [cursorId(cursor.id)] })
      .catch(() => undefined);
    throw new RangeError(
      `aggregateFirstBatch: the result of an aggregate on ${collection.collectionName} did not fit in one batch`,
    );
  }
  return decodeAll<R>(cursor.firstBatch);
}
