import { Double, Int32, Long, type Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useConformanceDb } from './conformance-db.js';

// MongoDB returns a document's values with the BSON types they were stored with: a double as a
// double, an int32 as an int32, an int64 as an int64
// (https://www.mongodb.com/docs/manual/reference/bson-types/). Read with `promoteValues: false`
// the driver shows each type. The embedded server sends stored documents on as their stored
// bytes where it can (find without a projection, a trailing $lookup); these tests read through
// those paths. (A double holding an integer is stored as an int32 by the embedded server:
// DIVERGENCES.md. The doubles here are not integers.)
const conformance = useConformanceDb('stored_types');
const exact = { promoteValues: false } as const;

function typesOf(doc: Document): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['d', 'i', 'l']) {
    const value: unknown = doc[key];
    out[key] =
      value instanceof Double
        ? 'double'
        : value instanceof Int32
          ? 'int'
          : value instanceof Long
            ? 'long'
            : typeof value;
  }
  return out;
}

const STORED = { d: 'double', i: 'int', l: 'long' };

beforeAll(async () => {
  await conformance.coll('values').insertMany(
    Array.from({ length: 7 }, (_, n) => ({
      _id: n,
      d: new Double(n + 5.5),
      i: new Int32(n),
      l: Long.fromNumber(n * 10),
      rank: 7 - n,
      ref: n % 3,
    })),
  );
  await conformance
    .coll('refs')
    .insertMany(
      Array.from({ length: 3 }, (_, n) => ({ _id: n, d: new Double(n + 0.25), key: `k${n}` })),
    );
});

describe('values keep their stored BSON types', () => {
  it('in find batches and getMore batches, sorted in memory, with skip and limit', async () => {
    const docs = await conformance
      .coll('values')
      .find({ _id: { $gte: 1 } }, { ...exact, batchSize: 2 })
      .sort({ rank: 1 })
      .skip(1)
      .limit(4)
      .toArray();
    expect(docs.map((doc) => (doc._id as Int32).value)).toEqual([5, 4, 3, 2]);
    for (const doc of docs) expect(typesOf(doc)).toEqual(STORED);
    expect((docs[0]!.d as Double).value).toBe(10.5);
  });

  it('in find in reverse natural order and by _id', async () => {
    const reversed = await conformance
      .coll('values')
      .find({}, exact)
      .sort({ $natural: -1 })
      .toArray();
    expect(reversed.map((doc) => (doc._id as Int32).value)).toEqual([6, 5, 4, 3, 2, 1, 0]);
    const one = await conformance.coll('values').findOne({ _id: 3, ref: 0 }, exact);
    expect(one).not.toBeNull();
    expect(typesOf(one!)).toEqual(STORED);
  });

  it('in documents joined by $lookup, uncorrelated and by equality', async () => {
    const [row] = await conformance
      .coll('values')
      .aggregate(
        [
          { $match: { _id: 4 } },
          {
            $lookup: { from: 'refs', pipeline: [{ $match: { _id: 2 } }, { $limit: 1 }], as: 'one' },
          },
          { $lookup: { from: 'refs', localField: 'ref', foreignField: '_id', as: 'byRef' } },
        ],
        exact,
      )
      .toArray();
    expect(typesOf(row!)).toEqual(STORED);
    expect(row!.one).toEqual([{ _id: new Int32(2), d: new Double(2.25), key: 'k2' }]);
    expect((row!.one as Document[])[0]!.d).toBeInstanceOf(Double);
    expect((row!.byRef as Document[]).map((doc) => doc.key as unknown)).toEqual(['k1']);
    expect((row!.byRef as Document[])[0]!.d).toBeInstanceOf(Double);
  });

  it('a $lookup whose results a later stage reads still joins by their values', async () => {
    const rows = await conformance
      .coll('values')
      .aggregate([
        { $match: { _id: { $in: [0, 2] } } },
        { $lookup: { from: 'refs', localField: 'ref', foreignField: '_id', as: 'r' } },
        { $lookup: { from: 'refs', localField: 'r.key', foreignField: 'key', as: 'again' } },
        { $lookup: { from: 'refs', pipeline: [{ $match: { _id: 0 } }], as: 'r.zero' } },
        { $project: { _id: 1, keys: '$again.key', zero: '$r.zero.key' } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(rows).toEqual([
      { _id: 0, keys: ['k0'], zero: ['k0'] },
      { _id: 2, keys: ['k2'], zero: ['k0'] },
    ]);
  });
});
