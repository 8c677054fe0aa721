/**
 * Encoding of JournalOps inside journal frames. A frame payload is a format byte followed
 * by one BSON document per op, back to back (each self-delimited by its BSON length), so a
 * group-commit batch is just the appends' encodings concatenated. Documents travel as BSON
 * bytes (a binary field), never re-typed by a decode/encode round trip: what the engine
 * handed us is exactly what recovery hands back.
 */
import { Binary, BSON, type Document } from 'bson';
import type { IndexSpec } from '../storage/contract.js';
import type { JournalOp } from '../storage/durability-contract.js';

export const JOURNAL_FORMAT = 1;

/** A JournalOp as replay sees it: documents stay BSON bytes. */
export type ReplayOp =
  Exclude<JournalOp, { op: 'put' }> | { op: 'put'; ns: string; doc: Uint8Array };

export class JournalFormatError extends Error {
  override name = 'JournalFormatError';
}

/** Encodes the ops of one append (synchronously: later mutation of the docs can't leak in). */
export function encodeOps(ops: readonly JournalOp[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const op of ops) {
    const encoded: Document = op.op === 'put' ? { op: 'put', ns: op.ns, doc: putBytes(op) } : op;
    parts.push(BSON.serialize(encoded, { ignoreUndefined: true }));
  }
  return Buffer.concat(parts);
}

/** Turns an op into its replay form (what decodeOps yields for it). */
export function toReplayOp(op: JournalOp): ReplayOp {
  return op.op === 'put' ? { op: 'put', ns: op.ns, doc: putBytes(op) } : op;
}

/** A put's document as BSON: the stored bytes it carries, or its `doc` encoded. */
function putBytes(op: Extract<JournalOp, { op: 'put' }>): Uint8Array {
  return op.bytes ?? BSON.serialize(op.doc);
}

export function decodeOps(payload: Uint8Array, start: number): ReplayOp[] {
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const ops: ReplayOp[] = [];
  let offset = start;
  while (offset < view.length) {
    if (offset + 5 > view.length) throw new JournalFormatError(`truncated op at ${offset}`);
    const size = view.readInt32LE(offset);
    if (size < 5 || offset + size > view.length) {
      throw new JournalFormatError(`bad op length ${size} at ${offset}`);
    }
    ops.push(decodeOp(BSON.deserialize(view.subarray(offset, offset + size))));
    offset += size;
  }
  return ops;
}

function decodeOp(raw: Document): ReplayOp {
  switch (raw.op) {
    case 'put':
      return { op: 'put', ns: str(raw, 'ns'), doc: bytes(raw, 'doc') };
    case 'del':
      return { op: 'del', ns: str(raw, 'ns'), id: raw.id };
    case 'createCollection':
      return {
        op: 'createCollection',
        ns: str(raw, 'ns'),
        options: doc(raw, 'options'),
        uuid: bytes(raw, 'uuid'),
      };
    case 'dropCollection':
      return { op: 'dropCollection', ns: str(raw, 'ns') };
    case 'dropDatabase':
      return { op: 'dropDatabase', db: str(raw, 'db') };
    case 'renameCollection':
      return {
        op: 'renameCollection',
        from: str(raw, 'from'),
        to: str(raw, 'to'),
        dropTarget: raw.dropTarget === true,
      };
    case 'createIndex':
      return { op: 'createIndex', ns: str(raw, 'ns'), spec: indexSpec(doc(raw, 'spec')) };
    case 'dropIndex':
      return { op: 'dropIndex', ns: str(raw, 'ns'), name: str(raw, 'name') };
    default:
      throw new JournalFormatError(`unknown journal op ${JSON.stringify(raw.op)}`);
  }
}

function indexSpec(spec: Document): IndexSpec {
  if (typeof spec.name !== 'string' || typeof spec.key !== 'object' || spec.key === null) {
    throw new JournalFormatError('index spec without name or key');
  }
  return spec as IndexSpec;
}

function str(raw: Document, field: string): string {
  const value: unknown = raw[field];
  if (typeof value !== 'string') throw new JournalFormatError(`op field ${field} is not a string`);
  return value;
}

function doc(raw: Document, field: string): Document {
  const value: unknown = raw[field];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JournalFormatError(`op field ${field} is not a document`);
  }
  return value;
}

/** Binary field as an independent copy (never a view pinning the whole read buffer). */
export function bytes(raw: Document, field: string): Uint8Array {
  const value: unknown = raw[field];
  if (value instanceof Binary) return new Uint8Array(value.buffer.subarray(0, value.position));
  throw new JournalFormatError(`op field ${field} is not binary`);
}
