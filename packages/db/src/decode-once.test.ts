import { testDatabaseName } from '@invoice/vitest-config/database-name';
import {
  Binary,
  BSON,
  Decimal128,
  Double,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  type CommandSucceededEvent,
  type Document,
} from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createDb } from './create-db.js';
import { aggregateAll, findAll } from './decode-once.js';

/** Every BSON type the app stores, and the awkward ones around them. */
function sample(i: number): Document {
  return {
    _id: new ObjectId(),
    n: i,
    group: i % 3,
    int32: new Int32(i),
    double: new Double(i + 0.5),
    safeLong: Long.fromNumber(2 ** 40 + i),
    bigLong: Long.fromString('9007199254740993'),
    decimal: Decimal128.fromString('1234.5600'),
    date: new Date(Date.UTC(2026, 0, 1 + (i % 28))),
    timestamp: new Timestamp({ t: 1_700_000_000, i }),
    binary: new Binary(Buffer.from([0, 1, 2, i % 256])),
    uuid: new Binary(Buffer.alloc(16, 7), Binary.SUBTYPE_UUID),
    regex: /^inv-\d+$/i,
    text: `Zoë's café ☕ 𝄞 #${i}`,
    empty: '',
    nil: null,
    flag: i % 2 === 0,
    nested: { a: [1, 'two', { three: 3 }], deep: { deeper: { deepest: [[], {}] } } },
    lines: [
      { description: 'Consulting', quantity: 3, unitPrice: 12_500 },
      { description: 'Travel', quantity: 1, unitPrice: 4_000 },
    ],
    ['__proto__']: { polluted: true },
  };
}

describe('findAll and aggregateAll (one decode per document)', () => {
  const handle = createDb({
    uri: inject('mongoUri'),
    dbName: testDatabaseName('decode-once'),
    monitorCommands: true,
  });
  const collection = handle.db.collection('samples');
  const replies: CommandSucceededEvent[] = [];
  handle.client.on('commandSucceeded', (event) => replies.push(event));

  beforeAll(async () => {
    // 250 documents: more than a first batch (101), so getMore batches are decoded too.
    const docs = Array.from({ length: 250 }, (_, i) => sample(i));
    // insertMany with a `__proto__` key needs the key serialized as a field.
    await collection.insertMany(docs);
  });
  afterAll(async () => {
    await handle.db.dropDatabase();
    await handle.close();
  });

  /** Equal values, and byte-identical once encoded again (types, key order, `__proto__`). */
  function expectSame(actual: Document[], expected: Document[]): void {
    expect(actual).toEqual(expected);
    expect(actual.map((doc) => BSON.serialize(doc))).toEqual(
      expected.map((doc) => BSON.serialize(doc)),
    );
  }

  it('returns what find().sort().limit().toArray() returns, across getMore batches', async () => {
    const expected = await collection.find({}).sort({ n: -1 }).limit(240).toArray();
    const actual = await findAll(collection, {}, { sort: { n: -1 }, limit: 240 });
    expect(actual).toHaveLength(240);
    expectSame(actual, expected);
    expect(Object.getPrototypeOf(actual[0])).toBe(Object.prototype);
    expect(Object.keys(actual[0] as Document)).toContain('__proto__');
  });

  it('returns what find().toArray() returns without sort or limit, and nothing for no match', async () => {
    expectSame(
      await findAll(collection, { group: 1 }),
      await collection.find({ group: 1 }).toArray(),
    );
    expect(await findAll(collection, { group: 99 })).toEqual([]);
  });

  it('returns what aggregate().toArray() returns, with $lookup and $group', async () => {
    const pipeline = [
      { $match: { group: 2 } },
      { $sort: { n: 1 } },
      { $lookup: { from: 'samples', pipeline: [{ $match: { n: 0 } }], as: 'first' } },
    ];
    expectSame(
      await aggregateAll(collection, pipeline),
      await collection.aggregate(pipeline).toArray(),
    );
    const grouped = [{ $group: { _id: '$group', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }];
    expectSame(
      await aggregateAll(collection, grouped),
      await collection.aggregate(grouped).toArray(),
    );
  });

  it('leaves the batch as bytes in the monitored reply (what it exists for)', async () => {
    replies.length = 0;
    await findAll(collection, { group: 0 }, { limit: 5 });
    const find = replies.find((event) => event.commandName === 'find');
    const batch = (find?.reply as { cursor?: { firstBatch?: unknown[] } }).cursor?.firstBatch;
    expect(batch).toHaveLength(5);
    expect(batch?.every((doc) => doc instanceof Uint8Array)).toBe(true);
  });

  it('passes server errors through unchanged', async () => {
    await expect(findAll(collection, { n: { $bogus: 1 } })).rejects.toThrow(/\$bogus/);
    await expect(aggregateAll(collection, [{ $nope: {} }])).rejects.toThrow(/\$nope/);
  });
});
