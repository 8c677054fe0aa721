/**
 * Stored documents sent to the client as the bytes the storage holds, without decoding them
 * and encoding them again (for a page of invoices, decode and re-encode were over half of the
 * server's CPU). A `RawDocument` is a leaf of a reply: the commands that produce one (`find`
 * without a projection, a trailing `$lookup` whose results nothing reads) never look inside
 * it, and the cursor batches that may hold one are marked, so only those replies take the
 * slower path of `encodeWithRaw` and every other reply is serialized by bson in one call.
 */
import { calculateObjectSize, serializeWithBufferAndIndex, type Document } from 'bson';
import { isPlainDocument } from '../query/compare.js';

export class RawDocument {
  /** `bytes`: one whole BSON document, never written to. */
  constructor(readonly bytes: Uint8Array) {}
}

const rawBatches = new WeakSet<unknown[]>();

/** Marks a cursor batch that may hold RawDocuments (at any depth). */
export function markRawBatch<T extends unknown[]>(batch: T): T {
  rawBatches.add(batch);
  return batch;
}

/** True when the reply's cursor batch (`find`, `aggregate`, `getMore`) was marked raw. */
export function repliesRaw(reply: Document): boolean {
  const cursor: unknown = reply.cursor;
  if (!isPlainDocument(cursor)) return false;
  const batch: unknown = cursor.firstBatch ?? cursor.nextBatch;
  return Array.isArray(batch) && rawBatches.has(batch);
}

/** True when `value` is or contains a RawDocument (plain documents and arrays are searched). */
export function holdsRaw(value: unknown): boolean {
  if (value instanceof RawDocument) return true;
  if (Array.isArray(value)) return value.some(holdsRaw);
  if (!isPlainDocument(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key) && holdsRaw(value[key])) return true;
  return false;
}

/**
 * The BSON size of a cursor batch entry: a RawDocument's own length, else bson's measure (which
 * counts a RawDocument nested in an entry as `{ bytes: Binary }`, 17 bytes more than it is: a
 * batch may close a little early, never too late).
 */
export function entrySize(doc: Document): number {
  return doc instanceof RawDocument ? doc.bytes.length : calculateObjectSize(doc);
}

const EMBEDDED_DOCUMENT = 0x03;
const ARRAY = 0x04;
const encoder = new TextEncoder();

/**
 * `doc` (a plain document or an array) as BSON, with every RawDocument inside it copied in as
 * an embedded document. Runs of fields without one are serialized by bson in one call each, with
 * the options of every other reply, so they encode exactly as they would there.
 */
export function encodeWithRaw(doc: Document | unknown[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const entries: [string, unknown][] = Array.isArray(doc)
    ? doc.map((value, index): [string, unknown] => [String(index), value])
    : Object.keys(doc).map((key): [string, unknown] => [key, doc[key]]);
  let plain: Document | undefined;
  const flush = () => {
    if (plain === undefined) return;
    // Into a buffer of the measured size: bson's own serialize stops at its internal buffer.
    const bytes = Buffer.allocUnsafe(calculateObjectSize(plain));
    const end = serializeWithBufferAndIndex(plain, bytes);
    parts.push(bytes.subarray(4, end));
    plain = undefined;
  };
  for (const [key, value] of entries) {
    if (!holdsRaw(value)) {
      plain ??= {};
      // defineProperty: a field named "__proto__" must stay a field.
      Object.defineProperty(plain, key, { value, enumerable: true, writable: true });
      continue;
    }
    flush();
    const type = Array.isArray(value) ? ARRAY : EMBEDDED_DOCUMENT;
    const name = encoder.encode(key);
    const head = new Uint8Array(name.length + 2);
    head[0] = type;
    head.set(name, 1);
    parts.push(head);
    parts.push(value instanceof RawDocument ? value.bytes : encodeWithRaw(value as Document));
  }
  flush();
  let size = 5;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  new DataView(out.buffer).setInt32(0, size, true);
  let at = 4;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  // out[size - 1] is already 0: the terminator.
  return out;
}
