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
import { setField } from '../query/own-field.js';

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

/** One document's elements, planned before anything is written: sizes first, one buffer. */
type Segment =
  | { kind: 'plain'; fields: Document; size: number }
  | { kind: 'raw'; name: Uint8Array; type: number; bytes: Uint8Array }
  | { kind: 'nested'; name: Uint8Array; type: number; plan: Plan };

interface Plan {
  segments: Segment[];
  size: number;
}

/**
 * Splits a document (or array) into runs of fields without a RawDocument, each serialized by
 * bson in one call with the options of every other reply (so they encode exactly as they would
 * there), and the fields that hold one.
 */
function plan(doc: Document | unknown[]): Plan {
  const segments: Segment[] = [];
  let size = 5;
  let plain: Document | undefined;
  const flush = () => {
    if (plain === undefined) return;
    // The run's elements only: without its length and its terminator.
    const elements = calculateObjectSize(plain) - 5;
    segments.push({ kind: 'plain', fields: plain, size: elements });
    size += elements;
    plain = undefined;
  };
  const keys = Array.isArray(doc) ? doc.map((_, index) => String(index)) : Object.keys(doc);
  for (const key of keys) {
    const value: unknown = (doc as Document)[key];
    if (!holdsRaw(value)) {
      plain ??= {};
      setField(plain, key, value);
      continue;
    }
    flush();
    const name = encoder.encode(key);
    const type = Array.isArray(value) ? ARRAY : EMBEDDED_DOCUMENT;
    size += name.length + 2;
    if (value instanceof RawDocument) {
      segments.push({ kind: 'raw', name, type, bytes: value.bytes });
      size += value.bytes.length;
    } else {
      const inner = plan(value as Document);
      segments.push({ kind: 'nested', name, type, plan: inner });
      size += inner.size;
    }
  }
  flush();
  return { segments, size };
}

/** Writes a planned document at `at`; returns where it ends. */
function write(planned: Plan, out: Buffer, at: number): number {
  out.writeInt32LE(planned.size, at);
  let to = at + 4;
  for (const segment of planned.segments) {
    if (segment.kind === 'plain') {
      // bson writes a whole document: let its 4-byte length land on the 4 bytes before the
      // elements (already written, so kept and put back) and its terminator where the next
      // element (or this document's terminator) goes.
      const kept = out.readInt32LE(to - 4);
      serializeWithBufferAndIndex(segment.fields, out, { index: to - 4 });
      out.writeInt32LE(kept, to - 4);
      to += segment.size;
      continue;
    }
    out[to] = segment.type;
    out.set(segment.name, to + 1);
    to += segment.name.length + 1;
    out[to++] = 0;
    if (segment.kind === 'raw') {
      out.set(segment.bytes, to);
      to += segment.bytes.length;
    } else {
      to = write(segment.plan, out, to);
    }
  }
  out[to] = 0;
  return to + 1;
}

/**
 * `doc` (a plain document or an array) as BSON, with every RawDocument inside it copied in as
 * an embedded document, written after `offset` bytes left for the caller (a message header) in
 * one buffer of the exact size.
 */
export function encodeWithRaw(doc: Document | unknown[], offset = 0): Buffer {
  const planned = plan(doc);
  const out = Buffer.allocUnsafe(offset + planned.size);
  write(planned, out, offset);
  return out;
}
