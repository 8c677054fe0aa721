/**
 * Map keys for `_id` values, so replay can find the document a `put` replaces or a `del`
 * removes: the storage engine's own key strings (src/storage/key-string.ts), so replay treats
 * two _ids as one exactly when the engine does (1, 1.0 and NumberLong(1) are one; integral
 * Decimal128s are exact; embedded documents compare by value). A key function of its own once
 * disagreed with the engine (Decimal128 through a double) and folded two acknowledged documents
 * into one after a crash.
 */
import { BSON } from 'bson';
import { keyString } from '../storage/key-string.js';

/** Key of an _id value as `BSON.deserialize` returns it. */
export function idKey(id: unknown): string {
  return keyString(id);
}

const ID_NAME = [0x5f, 0x69, 0x64, 0x00]; // "_id\0"

/**
 * Key of a stored document's _id (idKey's). MongoDB stores _id first, so the common types are
 * read straight from the bytes, in keyString's forms; anything else is decoded.
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
        return keyString(view.readInt32LE(9));
      case 0x01: // double
        return keyString(view.readDoubleLE(9));
      default:
        break;
    }
  }
  return keyString(BSON.deserialize(view)._id);
}
