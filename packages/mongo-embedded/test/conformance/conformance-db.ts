import { testDatabaseName } from '@invoice/vitest-config/database-name';
import {
  Long,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type Collection,
  type Db,
  type Document,
  type ObjectId,
} from 'mongodb';
import { afterAll, beforeAll, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the package's vitest global setup: the embedded server, or MONGODB_URI when set. */
    mongoUri: string;
  }
}

/**
 * The schema every conformance collection uses: any `_id` type (the driver would otherwise
 * assume ObjectId) and fields of any BSON type.
 */
export interface AnyDoc extends Document {
  // A concrete union: the driver maps an unknown or any-typed _id back to ObjectId.
  _id?: string | number | boolean | Date | ObjectId | Long | Document;
}

/**
 * One client and one database per conformance file. The database name is unique per worker
 * and run, so the suite can run against a shared real MongoDB without collisions.
 */
export class ConformanceDb {
  readonly name: string;
  #client: MongoClient | undefined;

  constructor(suite: string) {
    this.name = testDatabaseName(`conf_${suite}`);
  }

  get client(): MongoClient {
    if (!this.#client) throw new Error('ConformanceDb used outside beforeAll/afterAll');
    return this.#client;
  }

  get db(): Db {
    return this.client.db(this.name);
  }

  coll(name: string): Collection<AnyDoc> {
    return this.db.collection<AnyDoc>(name);
  }

  async connect(): Promise<void> {
    const uri = inject('mongoUri');
    if (typeof uri !== 'string' || uri === '') {
      throw new Error('mongoUri was not provided: is the vitest global setup configured?');
    }
    this.#client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
    await this.#client.connect();
  }

  async close(): Promise<void> {
    if (!this.#client) return;
    try {
      await this.#client.db(this.name).dropDatabase();
    } finally {
      await this.#client.close();
    }
  }
}

/** Registers the hooks that connect before the file's tests and drop the database after. */
export function useConformanceDb(suite: string): ConformanceDb {
  const conformance = new ConformanceDb(suite);
  beforeAll(async () => {
    await conformance.connect();
  });
  afterAll(async () => {
    await conformance.close();
  });
  return conformance;
}

/** Awaits an operation that must fail on the server, and returns the server's error. */
export async function serverError(operation: Promise<unknown>): Promise<MongoServerError> {
  try {
    await operation;
  } catch (error) {
    if (error instanceof MongoServerError) return error;
    throw error;
  }
  throw new Error('expected the server to answer with an error, but the operation succeeded');
}

/** The outcome of a bulk insert that must partly fail: what got in, and each write error. */
export async function bulkWriteFailure(operation: Promise<unknown>): Promise<{
  code: number | string | undefined;
  insertedCount: number;
  writeErrors: { index: number; code: number }[];
}> {
  try {
    await operation;
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      return {
        code: error.code,
        insertedCount: error.insertedCount,
        writeErrors: error.result
          .getWriteErrors()
          .map((writeError) => ({ index: writeError.index, code: writeError.code })),
      };
    }
    throw error;
  }
  throw new Error('expected the bulk write to fail, but it succeeded');
}

/** Index names of a collection, in the order listIndexes returns them. */
export async function indexNames(collection: Collection<AnyDoc>): Promise<string[]> {
  const indexes = (await collection.listIndexes().toArray()) as Document[];
  return indexes.map((index) => String(index.name));
}

/**
 * Polls until `check` returns true, for background work such as TTL expiry.
 * Bounded so a server that never does the work fails the test instead of hanging it.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** Cursor ids come back as numbers or Longs depending on size; getMore requires a long. */
export function cursorIdOf(value: unknown): Long {
  if (value instanceof Long) return value;
  if (typeof value === 'number') return Long.fromNumber(value);
  if (typeof value === 'bigint') return Long.fromBigInt(value);
  throw new Error(`not a cursor id: ${String(value)}`);
}

/** Finds every sub-document of an explain plan with the given stage, at any depth. */
export function stagesNamed(plan: unknown, stage: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.stage === stage) found.push(record);
    Object.values(record).forEach(visit);
  };
  visit(plan);
  return found;
}
