/** Namespaces and the stored form of documents: validation, `_id` placement, BSON bytes, journal ops. */
import { randomUUID } from 'node:crypto';
import { deserialize, ObjectId, serialize, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { TypeRank, typeRank } from '../query/compare.js';
import type { Namespace } from './contract.js';
import type { JournalOp } from './durability-contract.js';

const MAX_BSON_SIZE = 16 * 1024 * 1024;

/**
 * A stored document as commands see it: int64 values stay `Long` (a plain number would go back
 * to the client as a double or int32, and an update would store it so), other numbers are
 * JavaScript numbers.
 */
export function decodeStored(bytes: Uint8Array): Document {
  return deserialize(bytes, { promoteLongs: false });
}

export function hasKeys(doc: Document | undefined): doc is Document {
  if (doc === undefined) return false;
  for (const key in doc) if (Object.hasOwn(doc, key)) return true;
  return false;
}

export function newUuid(): Uint8Array {
  return new Uint8Array(Buffer.from(randomUUID().replace(/-/g, ''), 'hex'));
}

export function validateNamespace(ns: Namespace): void {
  if (typeof ns.db !== 'string' || ns.db === '' || /[/\\. "$\0]/.test(ns.db) || ns.db.length > 63) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Invalid database name: '${String(ns.db)}'`,
    );
  }
  if (
    typeof ns.coll !== 'string' ||
    ns.coll === '' ||
    ns.coll.includes('$') ||
    ns.coll.includes('\0') ||
    ns.coll.startsWith('.')
  ) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Invalid collection name: '${String(ns.coll)}'`,
    );
  }
  const full = `${ns.db}.${ns.coll}`;
  if (Buffer.byteLength(full) > MAX_NAMESPACE_BYTES) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Fully qualified namespace is too long. Namespace: ${full.slice(0, 300)} Max: ${MAX_NAMESPACE_BYTES}`,
    );
  }
}

/** MongoDB's limit on `<db>.<collection>` (unsharded collections, since 4.4). */
export const MAX_NAMESPACE_BYTES = 255;

export function nsString(ns: Namespace): string {
  return `${ns.db}.${ns.coll}`;
}

export function splitNs(ns: string): Namespace {
  const dot = ns.indexOf('.');
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/**
 * `_id` first (generated when missing), as MongoDB stores documents. Errors follow MongoDB:
 * an insert refuses array/regex ids with BadValue, an update's result with InvalidIdField.
 */
export function withIdFirst(doc: Document, kind: 'insert' | 'replace'): Document {
  const keys = Object.keys(doc);
  let out = doc;
  if (keys[0] !== '_id' || doc._id === undefined) {
    out = { _id: doc._id === undefined ? new ObjectId() : (doc._id as unknown) };
    for (const key of keys) if (key !== '_id') out[key] = doc[key] as unknown;
  }
  const id: unknown = out._id;
  const type = Array.isArray(id) ? 'array' : typeRank(id) === TypeRank.RegExp ? 'regex' : undefined;
  if (type !== undefined) {
    throw kind === 'insert'
      ? new MongoCommandError(
          ErrorCode.BadValue,
          `can't use ${type === 'array' ? 'an array' : 'a regex'} for _id`,
        )
      : new MongoCommandError(
          ErrorCode.InvalidIdField,
          `The '_id' value cannot be of type ${type}`,
        );
  }
  return out;
}

/** mongod's limit for stored documents (BSONDepth::getMaxDepthForUserStorage: 200 - 20). */
export const MAX_STORED_DEPTH = 180;

/** Whether `value` nests objects and arrays deeper than `limit` levels (the document is 1). */
function deeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null || '_bsontype' in value) return false;
  if (value instanceof Date || value instanceof RegExp || ArrayBuffer.isView(value)) return false;
  if (limit === 0) return true;
  for (const inner of Array.isArray(value) ? value : Object.values(value)) {
    if (deeperThan(inner, limit - 1)) return true;
  }
  return false;
}

export function toBytes(doc: Document, kind: 'insert' | 'replace'): Uint8Array {
  if (deeperThan(doc, MAX_STORED_DEPTH)) {
    throw new MongoCommandError(
      ErrorCode.Overflow,
      `Document exceeds maximum nesting depth of ${MAX_STORED_DEPTH}`,
    );
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = serialize(doc);
  } catch {
    // bson refuses documents beyond its internal buffer: too large by definition.
    bytes = undefined;
  }
  const size = bytes?.length ?? Number.POSITIVE_INFINITY;
  if (bytes === undefined || size > MAX_BSON_SIZE) {
    const shown = Number.isFinite(size) ? String(size) : `more than ${MAX_BSON_SIZE}`;
    throw kind === 'insert'
      ? new MongoCommandError(
          ErrorCode.BadValue,
          `object to insert too large. size in bytes: ${shown}, max size: ${MAX_BSON_SIZE}`,
        )
      : new MongoCommandError(
          ErrorCode.Location17419,
          `Resulting document after update is larger than ${MAX_BSON_SIZE}`,
        );
  }
  return bytes;
}

/**
 * A put op for a stored document: its BSON `bytes` exactly as stored, which the journal writes
 * as they are; `doc` decodes them only if asked. A class, so the getter sits on the prototype:
 * an object literal with a closure getter costs an old-space AccessorPair per op, whose closure
 * keeps the op's bytes alive through scavenges (bench/README.md, "GC").
 */
class StoredPut {
  readonly op = 'put' as const;
  #doc: Document | undefined;

  constructor(
    readonly ns: string,
    readonly bytes: Uint8Array,
  ) {}

  get doc(): Document {
    this.#doc ??= decodeStored(this.bytes);
    return this.#doc;
  }
}

export function putOp(ns: string, bytes: Uint8Array): JournalOp {
  return new StoredPut(ns, bytes);
}
