import { BSON, Double, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { putOp } from '../storage/documents.js';
import { decodeOps, encodeOps, toReplayOp } from './journal-codec.js';

/** Typed values a decode/encode round trip would change: integral doubles become int32. */
const stored = BSON.serialize({
  _id: 1,
  whole: new Double(5),
  negativeZero: new Double(-0),
  big: Long.fromNumber(2 ** 40),
  nested: { list: [new Double(1), 2] },
});

function putBytesOf(op: ReturnType<typeof decodeOps>[number]): Uint8Array {
  if (op.op !== 'put') throw new Error(`expected a put, got ${op.op}`);
  return op.doc;
}

describe('journal codec', () => {
  it("journals a stored put's bytes exactly as stored", () => {
    const [replayed] = decodeOps(encodeOps([putOp('db.c', stored)]), 0);
    expect(replayed?.op).toBe('put');
    expect(Buffer.from(putBytesOf(replayed!)).equals(Buffer.from(stored))).toBe(true);
    expect(Buffer.from(putBytesOf(toReplayOp(putOp('db.c', stored)))).equals(stored)).toBe(true);
  });

  it('encodes a put without stored bytes from its document', () => {
    const [replayed] = decodeOps(
      encodeOps([{ op: 'put', ns: 'db.c', doc: { _id: 2, v: 'x' } }]),
      0,
    );
    expect(replayed).toEqual({ op: 'put', ns: 'db.c', doc: expect.any(Uint8Array) as unknown });
    expect(BSON.deserialize(putBytesOf(replayed!))).toEqual({ _id: 2, v: 'x' });
  });

  it('writes the same frame layout for a stored put as for its decoded twin', () => {
    const twin = BSON.serialize({ _id: 3, v: [1, 'a'] });
    const fromBytes = encodeOps([putOp('db.c', twin)]);
    const fromDoc = encodeOps([{ op: 'put', ns: 'db.c', doc: BSON.deserialize(twin) }]);
    expect(fromBytes.equals(fromDoc)).toBe(true);
  });
});
