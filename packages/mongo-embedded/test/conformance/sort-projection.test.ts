import {
  Binary,
  BSONRegExp,
  Decimal128,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  type Document,
} from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/,
// /reference/method/cursor.sort/ and /tutorial/project-fields-from-query-results/.
const conformance = useConformanceDb('sort_projection');

async function sortedIds(
  collection: string,
  sort: Document,
  filter: Document = {},
): Promise<unknown[]> {
  const docs = await conformance
    .coll(collection)
    .find(filter, { projection: { _id: 1 } })
    .sort(sort)
    .toArray();
  return docs.map((doc) => doc._id as unknown);
}

describe('BSON type order in sort', () => {
  beforeAll(async () => {
    await conformance.coll('types').insertMany([
      { _id: 'maxkey', v: new MaxKey() },
      { _id: 'regex', v: new BSONRegExp('a', 'i') },
      { _id: 'timestamp', v: new Timestamp({ t: 1, i: 1 }) },
      { _id: 'date', v: new Date('2020-01-01T00:00:00Z') },
      { _id: 'bool', v: true },
      { _id: 'objectid', v: new ObjectId('64b000000000000000000000') },
      { _id: 'bindata', v: new Binary(Buffer.from('ab')) },
      { _id: 'object', v: { a: 1 } },
      { _id: 'string', v: 'text' },
      { _id: 'number', v: 42 },
      { _id: 'null', v: null },
      { _id: 'minkey', v: new MinKey() },
    ]);
  });

  it('ascending follows MinKey < null < numbers < strings < objects < binData < ObjectId < bool < date < timestamp < regex < MaxKey', async () => {
    expect(await sortedIds('types', { v: 1 })).toEqual([
      'minkey',
      'null',
      'number',
      'string',
      'object',
      'bindata',
      'objectid',
      'bool',
      'date',
      'timestamp',
      'regex',
      'maxkey',
    ]);
  });

  it('descending is the exact reverse', async () => {
    const ascending = await sortedIds('types', { v: 1 });
    expect(await sortedIds('types', { v: -1 })).toEqual([...ascending].reverse());
  });
});

describe('null, missing and arrays in sort', () => {
  beforeAll(async () => {
    await conformance
      .coll('sort_edge')
      .insertMany([
        { _id: 1, v: 5 },
        { _id: 2 },
        { _id: 3, v: null },
        { _id: 4, v: [3, 9] },
        { _id: 5, v: [] },
        { _id: 6, v: 7 },
        { _id: 7, v: 'str' },
      ]);
  });

  it('null and missing sort together, before numbers', async () => {
    expect(await sortedIds('sort_edge', { v: 1, _id: 1 }, { _id: { $in: [1, 2, 3, 6] } })).toEqual([
      2, 3, 1, 6,
    ]);
  });

  it('an ascending sort uses the smallest array element, a descending sort the largest', async () => {
    const numeric = { _id: { $in: [1, 4, 6] } };
    expect(await sortedIds('sort_edge', { v: 1 }, numeric)).toEqual([4, 1, 6]);
    expect(await sortedIds('sort_edge', { v: -1 }, numeric)).toEqual([4, 6, 1]);
  });

  it('an empty array sorts before null and missing', async () => {
    expect(await sortedIds('sort_edge', { v: 1, _id: 1 }, { _id: { $in: [2, 3, 5, 1] } })).toEqual([
      5, 2, 3, 1,
    ]);
  });

  it('strings sort after every number', async () => {
    expect(await sortedIds('sort_edge', { v: -1, _id: 1 }, { _id: { $in: [1, 6, 7] } })).toEqual([
      7, 6, 1,
    ]);
  });
});

describe('sorting numbers, strings and compound keys', () => {
  beforeAll(async () => {
    await conformance.coll('sort_values').insertMany([
      { _id: 1, n: new Int32(3), s: 'b', g: 'x', d: { k: 2 } },
      { _id: 2, n: Long.fromNumber(1), s: 'B', g: 'y', d: { k: 1 } },
      { _id: 3, n: 2.5, s: 'a', g: 'x', d: { k: 3 } },
      { _id: 4, n: Decimal128.fromString('2'), s: 'A', g: 'y', d: { k: 0 } },
    ]);
  });

  it('numbers of different BSON types sort by value', async () => {
    expect(await sortedIds('sort_values', { n: 1 })).toEqual([2, 4, 3, 1]);
  });

  it('strings sort by simple binary comparison (uppercase first)', async () => {
    expect(await sortedIds('sort_values', { s: 1 })).toEqual([4, 2, 3, 1]);
  });

  it('compound sorts apply keys left to right', async () => {
    expect(await sortedIds('sort_values', { g: 1, n: -1 })).toEqual([1, 3, 4, 2]);
  });

  it('sorts by a dotted path into an embedded document', async () => {
    expect(await sortedIds('sort_values', { 'd.k': -1 })).toEqual([3, 1, 2, 4]);
  });

  it('skip and limit apply after the sort', async () => {
    const docs = await conformance
      .coll('sort_values')
      .find({})
      .sort({ n: -1 })
      .skip(1)
      .limit(2)
      .toArray();
    expect(docs.map((doc) => doc._id as unknown)).toEqual([3, 4]);
  });

  it("accepts collation { locale: 'simple' } and keeps binary order", async () => {
    const docs = await conformance
      .coll('sort_values')
      .find({}, { collation: { locale: 'simple' } })
      .sort({ s: -1 })
      .toArray();
    expect(docs.map((doc) => doc._id as unknown)).toEqual([1, 3, 2, 4]);
  });
});

describe('projection', () => {
  beforeAll(async () => {
    await conformance.coll('proj').insertOne({
      _id: 1,
      name: 'inv',
      size: { h: 14, w: 21, uom: 'cm' },
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 5 },
        { sku: 'c', qty: 9 },
      ],
      scores: [1, 2, 3, 4, 5],
    });
  });

  it('an inclusion projection returns the listed fields and _id', async () => {
    const doc = await conformance.coll('proj').findOne({}, { projection: { name: 1 } });
    expect(doc).toEqual({ _id: 1, name: 'inv' });
  });

  it('_id can be excluded from an inclusion projection', async () => {
    const doc = await conformance.coll('proj').findOne({}, { projection: { name: 1, _id: 0 } });
    expect(doc).toEqual({ name: 'inv' });
  });

  it('an exclusion projection returns everything else', async () => {
    const doc = await conformance
      .coll('proj')
      .findOne({}, { projection: { items: 0, scores: 0, size: 0 } });
    expect(doc).toEqual({ _id: 1, name: 'inv' });
  });

  it('dotted inclusion keeps the path inside embedded documents and arrays', async () => {
    const doc = await conformance
      .coll('proj')
      .findOne({}, { projection: { 'size.uom': 1, 'items.sku': 1, _id: 0 } });
    expect(doc).toEqual({ size: { uom: 'cm' }, items: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }] });
  });

  it('$slice returns part of an array', async () => {
    const first = await conformance
      .coll('proj')
      .findOne({}, { projection: { scores: { $slice: 2 }, _id: 0, name: 1 } });
    expect(first).toEqual({ name: 'inv', scores: [1, 2] });
    const last = await conformance
      .coll('proj')
      .findOne({}, { projection: { scores: { $slice: -2 }, _id: 0, name: 1 } });
    expect(last).toEqual({ name: 'inv', scores: [4, 5] });
  });

  it('$elemMatch projection returns the first matching element only', async () => {
    const doc = await conformance
      .coll('proj')
      .findOne({}, { projection: { items: { $elemMatch: { qty: { $gt: 2 } } } } });
    expect(doc).toEqual({ _id: 1, items: [{ sku: 'b', qty: 5 }] });
  });

  it('the positional $ projection returns the element matched by the query', async () => {
    const doc = await conformance
      .coll('proj')
      .findOne({ 'items.sku': 'c' }, { projection: { 'items.$': 1 } });
    expect(doc).toEqual({ _id: 1, items: [{ sku: 'c', qty: 9 }] });
  });

  it('computed fields are allowed in find projections', async () => {
    const doc = await conformance
      .coll('proj')
      .findOne({}, { projection: { _id: 0, area: { $multiply: ['$size.h', '$size.w'] } } });
    expect(doc).toEqual({ area: 294 });
  });

  it('mixing inclusion and exclusion is an error (31254)', async () => {
    const error = await serverError(
      conformance.coll('proj').findOne({}, { projection: { name: 1, size: 0 } }),
    );
    expect(error.code).toBe(31254);
  });
});
