/**
 * Map keys for `_id` values, so replay can find the document a `put` replaces or a `del`
 * removes. MongoDB treats numerically equal _ids as the same key whatever their BSON type
 * (1, 1.0, NumberLong(1)), so numbers share one form; other types are tagged by kind.
 */
import { BSON, Decimal128, Long, ObjectId } from 'bson';

/** Key of an _id value as `BSON.deserialize` returns it with default (promoting) options. */
export function idKey(id: unknown): string {
  if (typeof id === 'number') return numberKey(id);
  if (typeof id === 'string') return `s${id}`;
  if (id instanceof ObjectId) return `o${id.toHexString()}`;
  if (id instanceof Long) return `n${id.toString()}`;
  if (id instanceof Decimal128) {
    // Integers exactly (as the engine keys them: Decimal128('9007199254740993') and
    // NumberLong(9007199254740993) are one _id, ...992 another), others through their double.
    const text = id.toString();
    if (/^-?\d+$/.test(text)) return `n${BigInt(text)}`;
    const asNumber = Number(text);
    return Number.isFinite(asNumber) ? numberKey(asNumber) : `d${text}`;
  }
  if (id === null || id === undefined) return 'z';
  if (typeof id === 'boolean') return id ? 'T' : 'F';
  if (id instanceof Date) return `t${id.getTime()}`;
  // Embedded documents, arrays, binaries, ...: their BSON bytes. Numbers nested inside keep
  // their type here (a known, rare divergence from MongoDB's comparison).
  return `x${Buffer.from(BSON.serialize({ v: id })).toString('base64')}`;
}

function numberKey(n: number): string {
  return Object.is(n, -0) ? 'n0' : `n${String(n)}`;
}

const ID_NAME = [0x5f, 0x69, 0x64, 0x00]; // "_id\0"

/**
 * Key of a stored document's _id. MongoDB stores _id first, so the common types are read
 * straight from the bytes; anything else is decoded.
 */
export function docIdKey(doc: Uint8Array): string {
  const view = Buffer.from(doc.buffer, doc.byteOffset, doc.byteLength);
  if (view.length > 9 && ID_NAME.every((byte, i) => view[5 + i] === byte)) {
    switch (view[4]) {
      case 0x07: // ObjectId
        if (view.length >= 21) return `o${view.toString('hex', 9, 21)}`;
        break;
      case 0x02: {
        // string: int32 length including the trailing NUL
        const length = view.readInt32LE(9);
        if (length >= 1 && 13 + length <= view.length) {
          return `s${view.toString('utf8', 13, 13 + length - 1)}`;
        }
        break;
      }
      case 0x10: // int32
        return numberKey(view.readInt32LE(9));
      case 0x01: // double
        return numberKey(view.readDoubleLE(9));
      default:
        break;
    }
  }
  const decoded = BSON.deserialize(view);
  return idKey(decoded._id);
}
