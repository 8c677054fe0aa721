/**
 * Decoding only some top-level fields of a stored document. The element list of the stored
 * BSON is walked (type byte, name, value: skipped by its encoded size); the wanted elements'
 * bytes are copied, in their stored order, into a smaller BSON document that is deserialized
 * with the same options as a whole document (decodeStored), so every kept value decodes exactly
 * as it would in the whole document. Malformed bytes throw; they never yield a partial answer.
 */
import type { Document } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { decodeStored } from './documents.js';

/** The top-level names to keep, as UTF-8 bytes grouped by length (compared without decoding). */
export interface FieldSelector {
  readonly byLength: Map<number, Uint8Array[]>;
}

const encoder = new TextEncoder();

export function fieldSelector(fields: Iterable<string>): FieldSelector {
  const byLength = new Map<number, Uint8Array[]>();
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field)) continue;
    seen.add(field);
    const bytes = encoder.encode(field);
    let list = byLength.get(bytes.length);
    if (list === undefined) {
      list = [];
      byLength.set(bytes.length, list);
    }
    list.push(bytes);
  }
  return { byLength };
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

function wanted(bytes: Uint8Array, start: number, end: number, selector: FieldSelector): boolean {
  const candidates = selector.byLength.get(end - start);
  if (candidates === undefined) return false;
  for (const name of candidates) {
    let i = 0;
    while (i < name.length && name[i] === bytes[start + i]) i++;
    if (i === name.length) return true;
  }
  return false;
}

/**
 * The stored document with only the selected top-level fields, in stored order, decoded as
 * decodeStored decodes the whole document. Throws InternalError on malformed bytes.
 */
export function decodeFields(bytes: Uint8Array, selector: FieldSelector): Document {
  const length = bytes.length;
  if (length < 5) corrupt('shorter than 5 bytes');
  if (int32(bytes, 0) !== length) corrupt('size does not match its bytes');
  const limit = length - 1;
  if (bytes[limit] !== 0) corrupt('missing terminator');
  // Kept element ranges, as start/end pairs.
  const ranges: number[] = [];
  let kept = 0;
  let at = 4;
  while (at < limit) {
    const type = bytes[at]!;
    const nameEnd = cstringEnd(bytes, at + 1, limit);
    const end = valueEnd(bytes, type, nameEnd + 1, limit);
    if (wanted(bytes, at + 1, nameEnd, selector)) {
      const last = ranges.length - 1;
      // Adjacent kept elements form one range.
      if (last > 0 && ranges[last] === at) ranges[last] = end;
      else ranges.push(at, end);
      kept += end - at;
    }
    at = end;
  }
  if (kept === length - 5) return decodeStored(bytes);
  const out = new Uint8Array(kept + 5);
  const size = kept + 5;
  out[0] = size & 0xff;
  out[1] = (size >>> 8) & 0xff;
  out[2] = (size >>> 16) & 0xff;
  out[3] = (size >>> 24) & 0xff;
  let to = 4;
  for (let i = 0; i < ranges.length; i += 2) {
    const from = ranges[i]!;
    const until = ranges[i + 1]!;
    out.set(bytes.subarray(from, until), to);
    to += until - from;
  }
  // out[to] is already 0: the terminator.
  return decodeStored(out);
}
