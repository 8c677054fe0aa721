import { BSONRegExp, Decimal128, Double, Int32, Long, serialize } from 'bson';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { decodeExact, MAX_BSON_DOCUMENT_BYTES, splitBsonDocuments } from './bson-stream.js';

async function split(chunks: Buffer[]): Promise<Buffer[]> {
  const docs: Buffer[] = [];
  for await (const doc of splitBsonDocuments(
    (async function* () {
      yield* chunks;
    })(),
  )) {
    docs.push(doc);
  }
  return docs;
}

const docs = [
  Buffer.from(serialize({ a: 1 })),
  Buffer.from(serialize({ b: 'x'.repeat(300), nested: { c: [1, 2, 3] } })),
  Buffer.from(serialize({})),
];
const file = Buffer.concat(docs);

describe('splitBsonDocuments', () => {
  it('returns each document byte for byte, whatever the chunking', async () => {
    for (const size of [1, 3, 7, 64, file.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < file.length; i += size) chunks.push(file.subarray(i, i + size));
      expect(await split(chunks)).toEqual(docs);
    }
    expect(await split([])).toEqual([]);
  });

  it('refuses a truncated tail, naming the offset', async () => {
    await expect(split([file.subarray(0, file.length - 3)])).rejects.toThrow(
      /truncated BSON: .* at byte/,
    );
    await expect(split([file.subarray(0, 2)])).rejects.toThrow(/truncated/);
  });

  it('refuses impossible lengths and a missing terminator', async () => {
    const negative = Buffer.from([0xff, 0xff, 0xff, 0xff, 0]);
    await expect(split([negative])).rejects.toThrow(/invalid BSON document length -1 at byte 0/);
    const tiny = Buffer.from([4, 0, 0, 0]);
    await expect(split([tiny])).rejects.toThrow(/invalid BSON document length 4/);
    const huge = Buffer.alloc(8);
    huge.writeInt32LE(MAX_BSON_DOCUMENT_BYTES + 1);
    await expect(split([huge])).rejects.toThrow(/invalid BSON document length/);
    const unterminated = Buffer.from(docs[0]!);
    unterminated[unterminated.length - 1] = 1;
    await expect(split([docs[1]!, unterminated])).rejects.toThrow(new RegExp(`not terminated`));
  });
});

describe('decodeExact', () => {
  it('decodes documents that serialize back to the same bytes, types included', () => {
    const original = Buffer.from(
      serialize({
        safeLong: Long.fromNumber(2 ** 40),
        smallLong: Long.fromNumber(5),
        wholeDouble: new Double(5),
        int: new Int32(7),
        decimal: Decimal128.fromString('0.10'),
        date: new Date(0),
        regex: new BSONRegExp('^a', 'mi'),
        nested: [{ d: new Double(1) }],
      }),
    );
    expect(Buffer.from(BSON.serialize(decodeExact(original))).equals(original)).toBe(true);
  });

  it('refuses invalid UTF-8 in a string', () => {
    const doc = Buffer.from(serialize({ s: 'ab' }));
    doc[doc.length - 3] = 0xff; // inside the string value
    expect(() => decodeExact(doc)).toThrow();
  });
});
