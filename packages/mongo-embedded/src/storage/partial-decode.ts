/**
 * Decoding only some top-level fields of a stored document. The element list of the stored
 * BSON is walked (type byte, name, value: skipped by its encoded size); the wanted elements'
 * bytes are copied, in their stored order, into a smaller BSON document that is deserialized
 * with the same options as a whole document (decodeStored), so every kept value decodes exactly
 * as it would in the whole document. When every kept value is a plain scalar (number, string,
 * ObjectId, bool, date, null) the values are decoded directly with bson's own helpers instead,
 * with bson's checks. Malformed bytes throw; they never yield a partial answer. Stored bytes are
 * never written to, so a partial document of primitives only (numbers, strings, booleans, null)
 * is remembered per bytes and handed out as a new copy on the next read of the same version.
 */
import { ByteUtils, Long, NumberUtils, ObjectId, type Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { setField } from '../query/own-field.js';
import { decodeStored } from './documents.js';

/** The top-level names to keep, as UTF-8 bytes grouped by length (compared without decoding). */
export interface FieldSelector {
  readonly byLength: Map<number, { name: string; bytes: Uint8Array }[]>;
  /** Scalar-only partial documents already decoded with this selector, by stored bytes. */
  scalars: WeakMap<Uint8Array, Document>;
  /** Entries added to `scalars` since it was last emptied. */
  scalarCount: number;
}

const encoder = new TextEncoder();

/**
 * Selectors are shared between scans that want the same names, so a document read again (a
 * report over the same invoices) is not walked again. Bounded: at most MAX_SELECTORS sets of
 * names (the oldest is dropped), each remembering at most MAX_SCALARS documents (then emptied).
 */
const MAX_SELECTORS = 16;
const MAX_SCALARS = 100_000;
const selectors = new Map<string, FieldSelector>();

export function fieldSelector(fields: Iterable<string>): FieldSelector {
  const names = [...new Set(fields)];
  // JSON, not a join: no names and one empty name ('') must not share a key.
  const key = JSON.stringify([...names].sort());
  const shared = selectors.get(key);
  if (shared !== undefined) return shared;
  const byLength: FieldSelector['byLength'] = new Map();
  for (const field of names) {
    const bytes = encoder.encode(field);
    let list = byLength.get(bytes.length);
    if (list === undefined) {
      list = [];
      byLength.set(bytes.length, list);
    }
    list.push({ name: field, bytes });
  }
  const selector: FieldSelector = { byLength, scalars: new WeakMap(), scalarCount: 0 };
  if (selectors.size >= MAX_SELECTORS) {
    const oldest = selectors.keys().next().value;
    if (oldest !== undefined) selectors.delete(oldest);
  }
  selectors.set(key, selector);
  return selector;
}

function corrupt(detail: string): never {
  throw new MongoCommandError(ErrorCode.InternalError, `corrupt stored BSON document: ${detail}`);
}

function int32(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24) | 0;
}

/** The end of the cstring starting at `at` (the index of its NUL), within `limit`. */
function cstringEnd(bytes: Uint8Array, at: number, limit: number): number {
  for (let i = at; i < limit; i++) if (bytes[i] === 0) return i;
  return corrupt('unterminated string');
}

/** A length-prefixed value (string, document, ...) of at least `min` bytes after `at`. */
function sized(bytes: Uint8Array, at: number, limit: number, prefix: number, min: number): number {
  if (at + 4 > limit) corrupt('truncated length');
  const n = int32(bytes, at);
  if (n < min) corrupt('invalid length');
  const end = at + prefix + n;
  if (end > limit) corrupt('value past the end of the document');
  return end;
}

/** The offset just past the value of type `type` starting at `at`. */
function valueEnd(bytes: Uint8Array, type: number, at: number, limit: number): number {
  let end: number;
  switch (type) {
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // maxKey
    case 0xff: // minKey
      end = at;
      break;
    case 0x08: // bool
      end = at + 1;
      break;
    case 0x10: // int32
      end = at + 4;
      break;
    case 0x01: // double
    case 0x09: // date
    case 0x11: // timestamp
    case 0x12: // int64
      end = at + 8;
      break;
    case 0x07: // ObjectId
      end = at + 12;
      break;
    case 0x13: // decimal128
      end = at + 16;
      break;
    case 0x02: // string
    case 0x0d: // code
    case 0x0e: // symbol
      return sized(bytes, at, limit, 4, 1);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope (its int32 counts itself)
      return sized(bytes, at, limit, 0, type === 0x0f ? 14 : 5);
    case 0x05: // binary: int32 length, subtype byte, data
      return sized(bytes, at, limit, 5, 0);
    case 0x0b: // regex: pattern cstring, options cstring
      return cstringEnd(bytes, cstringEnd(bytes, at, limit) + 1, limit) + 1;
    case 0x0c: // DBPointer: string, ObjectId
      end = sized(bytes, at, limit, 4, 1) + 12;
      break;
    default:
      return corrupt(`unknown element type 0x${type.toString(16)}`);
  }
  if (end > limit) corrupt('value past the end of the document');
  return end;
}

/** The selected name the element name at [start, end) spells, if any. */
function wantedName(
  bytes: Uint8Array,
  start: number,
  end: number,
  selector: FieldSelector,
): string | undefined {
  const candidates = selector.byLength.get(end - start);
  if (candidates === undefined) return undefined;
  for (const candidate of candidates) {
    const name = candidate.bytes;
    let i = 0;
    while (i < name.length && name[i] === bytes[start + i]) i++;
    if (i === name.length) return candidate.name;
  }
  return undefined;
}

/**
 * Types decoded here exactly as bson's deserializer decodes them at the top level with the
 * engine's options (the same bson helpers, the same checks); any other kept type sends the
 * kept elements through bson itself.
 */
function isDirectType(type: number): boolean {
  return (
    type === 0x01 ||
    type === 0x02 ||
    type === 0x07 ||
    type === 0x08 ||
    type === 0x09 ||
    type === 0x0a ||
    type === 0x10
  );
}

/** Direct types that decode to JavaScript primitives (immutable, so safe to hand out twice). */
function isScalarType(type: number): boolean {
  return type === 0x01 || type === 0x02 || type === 0x08 || type === 0x0a || type === 0x10;
}

function directValue(bytes: Uint8Array, type: number, at: number, end: number): unknown {
  switch (type) {
    case 0x01:
      return NumberUtils.getFloat64LE(bytes, at);
    case 0x02:
      // sized() checked the length against the document; the terminator too, as bson does.
      if (bytes[end - 1] !== 0) corrupt('string without terminator');
      return ByteUtils.toUTF8(bytes, at + 4, end - 1, true);
    case 0x07:
      return new ObjectId(bytes.subarray(at, end));
    case 0x08:
      if (bytes[at] !== 0 && bytes[at] !== 1) corrupt('illegal boolean value');
      return bytes[at] === 1;
    case 0x09:
      return new Date(
        new Long(
          NumberUtils.getInt32LE(bytes, at),
          NumberUtils.getInt32LE(bytes, at + 4),
        ).toNumber(),
      );
    case 0x0a:
      return null;
    default:
      return NumberUtils.getInt32LE(bytes, at);
  }
}

function remember(selector: FieldSelector, bytes: Uint8Array, decoded: Document): void {
  if (selector.scalarCount >= MAX_SCALARS) {
    selector.scalars = new WeakMap();
    selector.scalarCount = 0;
  }
  selector.scalars.set(bytes, { ...decoded });
  selector.scalarCount++;
}

/**
 * The stored document with only the selected top-level fields, in stored order, decoded as
 * decodeStored decodes the whole document (documents with a top-level `$` name: the whole
 * document). Throws on malformed bytes: InternalError, or bson's error for a damaged kept value.
 * Stored bytes never change, so when every kept value is a primitive the result is remembered
 * per bytes and selector; each call still gets its own object.
 */
export function decodeFields(bytes: Uint8Array, selector: FieldSelector): Document {
  const remembered = selector.scalars.get(bytes);
  if (remembered !== undefined) return { ...remembered };
  const length = bytes.length;
  if (length < 5) corrupt('shorter than 5 bytes');
  if (int32(bytes, 0) !== length) corrupt('size does not match its bytes');
  const limit = length - 1;
  if (bytes[limit] !== 0) corrupt('missing terminator');
  // Kept elements: [elementStart, valueStart, end, type] each, and their names.
  const kept: number[] = [];
  const names: string[] = [];
  let keptBytes = 0;
  let direct = true;
  let dollar = false;
  let at = 4;
  while (at < limit) {
    const type = bytes[at]!;
    const nameEnd = cstringEnd(bytes, at + 1, limit);
    const end = valueEnd(bytes, type, nameEnd + 1, limit);
    // A top-level `$ref`/`$id` pair makes bson return a DBRef for the whole document.
    if (bytes[at + 1] === 0x24) dollar = true;
    const name = wantedName(bytes, at + 1, nameEnd, selector);
    if (name !== undefined) {
      kept.push(at, nameEnd + 1, end, type);
      names.push(name);
      keptBytes += end - at;
      if (!isDirectType(type)) direct = false;
    }
    at = end;
  }
  if (dollar || keptBytes === length - 5) return decodeStored(bytes);
  if (direct) {
    const out: Document = {};
    let scalars = true;
    for (let i = 0, k = 0; i < names.length; i++, k += 4) {
      const type = kept[k + 3]!;
      if (!isScalarType(type)) scalars = false;
      setField(out, names[i]!, directValue(bytes, type, kept[k + 1]!, kept[k + 2]!));
    }
    if (scalars) remember(selector, bytes, out);
    return out;
  }
  // Copy the kept elements into a smaller document and let bson decode it.
  const size = keptBytes + 5;
  const out = new Uint8Array(size);
  out[0] = size & 0xff;
  out[1] = (size >>> 8) & 0xff;
  out[2] = (size >>> 16) & 0xff;
  out[3] = (size >>> 24) & 0xff;
  let to = 4;
  for (let k = 0; k < kept.length; k += 4) {
    const from = kept[k]!;
    const until = kept[k + 2]!;
    out.set(bytes.subarray(from, until), to);
    to += until - from;
  }
  // out[to] is already 0: the terminator.
  return decodeStored(out);
}
