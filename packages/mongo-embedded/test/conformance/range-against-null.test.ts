import { type Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useConformanceDb } from './conformance-db.js';

// MongoDB treats { $gte: null } and { $lte: null } as including equality to null, and equality
// to null matches null and missing fields
// (https://www.mongodb.com/docs/manual/tutorial/query-for-null-fields/,
// https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/: null and missing
// compare equal). The index bounds for both are [null, null]; { $gt/$lt: null } match nothing.
const conformance = useConformanceDb('range_null');

async function idsOf(name: string, filter: Document): Promise<unknown[]> {
  const docs = await conformance.coll(name).find(filter).sort({ _id: 1 }).toArray();
  return docs.map((doc) => doc._id);
}

describe('$gte / $lte against null', () => {
  beforeAll(async () => {
    const docs = [{ _id: 1, a: null }, { _id: 2 }, { _id: 3, a: 1 }, { _id: 4, a: 'x' }];
    await conformance.coll('plain').insertMany(docs);
    await conformance.coll('indexed').createIndex({ a: 1 });
    await conformance.coll('indexed').insertMany(docs);
  });

  it('$gte: null matches null and missing (collection scan)', async () => {
    expect(await idsOf('plain', { a: { $gte: null } })).toEqual([1, 2]);
  });

  it('$lte: null matches null and missing (collection scan)', async () => {
    expect(await idsOf('plain', { a: { $lte: null } })).toEqual([1, 2]);
  });

  it('$gte: null matches null and missing (through an index)', async () => {
    expect(await idsOf('indexed', { a: { $gte: null } })).toEqual([1, 2]);
  });
});
