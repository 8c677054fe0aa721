import { deserialize, Long, ObjectId, serialize, type Document } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeOpMsg, parseOpMsg } from './op-msg.js';
import { encodeWithRaw, holdsRaw, markRawBatch, RawDocument, repliesRaw } from './raw-document.js';

const key = fc.string({ maxLength: 6 }).filter((k) => !k.includes('\0') && k !== '__proto__');
const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((bytes) => new ObjectId(bytes)),
);
const { doc } = fc.letrec<{ doc: Document; value: unknown }>((tie) => ({
  doc: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('doc'),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
}));

/** A copy of `value` in which some nested documents (chosen by `pick`) are RawDocuments. */
function rawify(value: unknown, pick: () => boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => rawify(v, pick));
  if (
    value === null ||
    typeof value !== 'object' ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return value;
  }
  if (pick()) return new RawDocument(serialize(value));
  const out: Document = {};
  for (const [k, v] of Object.entries(value)) out[k] = rawify(v, pick);
  return out;
}

describe('encodeWithRaw', () => {
  it('encodes a document holding RawDocuments exactly as bson encodes the decoded document', () => {
    fc.assert(
      fc.property(
        doc,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 32 }),
        (original, picks) => {
          let next = 0;
          const pick = () => picks[next++ % picks.length]!;
          const batch = [original, { o: original }];
          const top = { cursor: { firstBatch: batch }, ok: 1 };
          const mixed = { ...top, cursor: { firstBatch: rawify(batch, pick) } };
          expect(Buffer.from(encodeWithRaw(mixed))).toEqual(Buffer.from(serialize(top)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a field named __proto__ a field, around a RawDocument', () => {
    const inner = new RawDocument(serialize({ a: 1 }));
    const withProto: Document = JSON.parse('{"__proto__": {"x": 2}, "b": "c"}') as Document;
    const encoded = encodeWithRaw({ ...withProto, r: inner });
    const decoded = deserialize(encoded);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'b', 'r']);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ x: 2 });
    expect(decoded.r).toEqual({ a: 1 });
  });

  it('finds RawDocuments at any depth, and only there', () => {
    const raw = new RawDocument(serialize({}));
    expect(holdsRaw({ a: [{ b: [raw] }] })).toBe(true);
    expect(holdsRaw({ a: [{ b: [{}] }], c: new ObjectId() })).toBe(false);
  });
});

describe('encodeOpMsg with a raw batch', () => {
  it('sends a marked batch with its stored bytes, and the reply parses back to the documents', () => {
    const stored = [
      { _id: 1, n: 'one' },
      { _id: 2, n: 'two' },
    ];
    const batch = markRawBatch(stored.map((d) => new RawDocument(serialize(d))));
    const reply = { cursor: { firstBatch: batch, id: Long.ZERO, ns: 'db.c' }, ok: 1 };
    expect(repliesRaw(reply)).toBe(true);
    const message = encodeOpMsg(reply, 9, 4);
    expect(message.readInt32LE(0)).toBe(message.length);
    const parsed = parseOpMsg(message, 9).command;
    expect(parsed).toEqual({ cursor: { firstBatch: stored, id: Long.ZERO, ns: 'db.c' }, ok: 1 });
  });

  it('leaves an unmarked reply to bson alone', () => {
    const reply = { cursor: { nextBatch: [{ _id: 1 }], id: Long.ZERO, ns: 'db.c' }, ok: 1 };
    expect(repliesRaw(reply)).toBe(false);
    expect(parseOpMsg(encodeOpMsg(reply, 1, 2), 1).command).toEqual(reply);
  });
});
