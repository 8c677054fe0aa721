import { Decimal128, Double, Int32, Long, type Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/tutorial/query-for-null-fields/,
// /tutorial/query-arrays/, /tutorial/query-array-of-documents/, /reference/operator/query/
// and /reference/bson-type-comparison-order/.
const conformance = useConformanceDb('query_filter');

async function idsOf(collection: string, filter: Document): Promise<unknown[]> {
  const docs = await conformance
    .coll(collection)
    .find(filter)
    .sort({ _id: 1 })
    .project({ _id: 1 })
    .toArray();
  return docs.map((doc) => doc._id as unknown);
}

describe('null and missing fields', () => {
  beforeAll(async () => {
    await conformance
      .coll('nulls')
      .insertMany([
        { _id: 1, a: null },
        { _id: 2 },
        { _id: 3, a: 0 },
        { _id: 4, a: '' },
        { _id: 5, a: false },
        { _id: 6, a: { b: null } },
        { _id: 7, a: { c: 1 } },
        { _id: 8, a: { b: 1 } },
      ]);
  });

  it('{a: null} matches null and missing, not falsy values', async () => {
    expect(await idsOf('nulls', { a: null })).toEqual([1, 2]);
  });

  it('$exists: false matches only missing fields', async () => {
    expect(await idsOf('nulls', { a: { $exists: false } })).toEqual([2]);
  });

  it('$exists: true matches fields holding null', async () => {
    expect(await idsOf('nulls', { a: { $exists: true } })).toEqual([1, 3, 4, 5, 6, 7, 8]);
  });

  it("$type: 'null' matches only explicit nulls", async () => {
    expect(await idsOf('nulls', { a: { $type: 'null' } })).toEqual([1]);
    expect(await idsOf('nulls', { a: { $type: 10 } })).toEqual([1]);
  });

  it('$ne: null excludes null and missing', async () => {
    expect(await idsOf('nulls', { a: { $ne: null } })).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('$in: [null] matches null and missing', async () => {
    expect(await idsOf('nulls', { a: { $in: [null, 0] } })).toEqual([1, 2, 3]);
  });

  it('a dotted null query matches a null or missing leaf, and a missing parent', async () => {
    expect(await idsOf('nulls', { 'a.b': null })).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('arrays and multikey matching', () => {
  beforeAll(async () => {
    await conformance.coll('arrays').insertMany([
      { _id: 1, tags: ['red', 'blank'], dim: [14, 21] },
      { _id: 2, tags: ['blank', 'red'], dim: [22.85, 30] },
      { _id: 3, tags: ['red', 'blank', 'plain'], dim: [10, 15.25] },
      { _id: 4, tags: ['blank', 'red'], dim: [2, 12] },
      { _id: 5, tags: 'red', dim: 8 },
      { _id: 6, tags: [['red'], 'blue'], dim: [] },
    ]);
  });

  it('a scalar equality matches arrays containing the value and the scalar itself', async () => {
    expect(await idsOf('arrays', { tags: 'red' })).toEqual([1, 2, 3, 4, 5]);
  });

  it('an array equality matches exactly, in order, or an element equal to it', async () => {
    expect(await idsOf('arrays', { tags: ['red', 'blank'] })).toEqual([1]);
    expect(await idsOf('arrays', { tags: ['red'] })).toEqual([6]);
  });

  it('$all ignores order', async () => {
    expect(await idsOf('arrays', { tags: { $all: ['blank', 'red'] } })).toEqual([1, 2, 3, 4]);
  });

  it('$size matches the array length only', async () => {
    expect(await idsOf('arrays', { tags: { $size: 2 } })).toEqual([1, 2, 4, 6]);
    expect(await idsOf('arrays', { dim: { $size: 0 } })).toEqual([6]);
  });

  it('range conditions on an array may be satisfied by different elements', async () => {
    // 4: [2, 12] matches because 12 > 9 and 2 < 11, though no single element is in (9, 11).
    expect(await idsOf('arrays', { dim: { $gt: 9, $lt: 11 } })).toEqual([3, 4]);
  });

  it('$elemMatch requires one element to satisfy every condition', async () => {
    expect(await idsOf('arrays', { dim: { $elemMatch: { $gt: 9, $lt: 11 } } })).toEqual([3]);
  });

  it('an index path addresses one array position', async () => {
    expect(await idsOf('arrays', { 'dim.1': { $gt: 25 } })).toEqual([2]);
    expect(await idsOf('arrays', { 'tags.0': 'blank' })).toEqual([2, 4]);
  });

  it('$ne and $nin on arrays exclude documents where any element matches', async () => {
    expect(await idsOf('arrays', { tags: { $ne: 'blank' } })).toEqual([5, 6]);
    expect(await idsOf('arrays', { tags: { $nin: ['red', 'blue'] } })).toEqual([]);
  });

  it('a regex matches arrays holding a matching string', async () => {
    expect(await idsOf('arrays', { tags: /^pl/ })).toEqual([3]);
  });

  it('$exists on an index path tells the array length apart', async () => {
    expect(await idsOf('arrays', { 'tags.2': { $exists: true } })).toEqual([3]);
  });

  it('$type matches arrays by element type and by the array type itself', async () => {
    expect(await idsOf('arrays', { dim: { $type: 'array' } })).toEqual([1, 2, 3, 4, 6]);
    expect(await idsOf('arrays', { dim: { $type: 'double' } })).toEqual([2, 3]);
  });
});

describe('arrays of embedded documents', () => {
  beforeAll(async () => {
    await conformance.coll('inventory').insertMany([
      {
        _id: 1,
        instock: [
          { warehouse: 'A', qty: 5 },
          { warehouse: 'C', qty: 15 },
        ],
      },
      { _id: 2, instock: [{ warehouse: 'C', qty: 5 }] },
      {
        _id: 3,
        instock: [
          { warehouse: 'A', qty: 60 },
          { warehouse: 'B', qty: 15 },
        ],
      },
      {
        _id: 4,
        instock: [
          { warehouse: 'A', qty: 40 },
          { warehouse: 'B', qty: 5 },
        ],
      },
      { _id: 5, instock: { warehouse: 'B', qty: 5 } },
    ]);
  });

  it('a dotted path reaches into every element and into embedded documents', async () => {
    expect(await idsOf('inventory', { 'instock.warehouse': 'B' })).toEqual([3, 4, 5]);
  });

  it('whole-element equality is exact and field-order sensitive', async () => {
    expect(await idsOf('inventory', { instock: { warehouse: 'A', qty: 5 } })).toEqual([1]);
    expect(await idsOf('inventory', { instock: { qty: 5, warehouse: 'A' } })).toEqual([]);
  });

  it('conditions on dotted paths may match different elements', async () => {
    expect(await idsOf('inventory', { 'instock.qty': 5, 'instock.warehouse': 'A' })).toEqual([
      1, 4,
    ]);
  });

  it('$elemMatch ties the conditions to one element', async () => {
    expect(
      await idsOf('inventory', { instock: { $elemMatch: { qty: 5, warehouse: 'A' } } }),
    ).toEqual([1]);
    expect(
      await idsOf('inventory', { instock: { $elemMatch: { qty: { $gt: 10, $lte: 20 } } } }),
    ).toEqual([1, 3]);
  });

  it('$all with $elemMatch requires one element per condition', async () => {
    expect(
      await idsOf('inventory', {
        instock: {
          $all: [
            { $elemMatch: { warehouse: 'A', qty: { $gte: 40 } } },
            { $elemMatch: { warehouse: 'B' } },
          ],
        },
      }),
    ).toEqual([3, 4]);
  });

  it('sorting on a path into an array of documents uses the largest element descending', async () => {
    const docs = await conformance
      .coll('inventory')
      .find({}, { projection: { _id: 1 } })
      .sort({ 'instock.qty': -1, _id: 1 })
      .toArray();
    expect(docs.map((doc) => doc._id as unknown)).toEqual([3, 4, 1, 2, 5]);
  });

  it('an index path addresses a position within the array of documents', async () => {
    expect(await idsOf('inventory', { 'instock.0.qty': { $lte: 20 } })).toEqual([1, 2]);
  });
});

describe('numeric comparison across BSON number types', () => {
  beforeAll(async () => {
    await conformance.coll('numbers').insertMany([
      { _id: 1, n: new Int32(5) },
      { _id: 2, n: Long.fromNumber(5) },
      { _id: 3, n: new Double(5) },
      { _id: 4, n: Decimal128.fromString('5') },
      { _id: 5, n: new Double(5.5) },
      { _id: 6, n: Decimal128.fromString('4.99') },
      { _id: 7, n: '5' },
      { _id: 8, n: Long.fromNumber(6) },
    ]);
  });

  it('equality treats int, long, double and decimal of the same value as equal', async () => {
    expect(await idsOf('numbers', { n: 5 })).toEqual([1, 2, 3, 4]);
    expect(await idsOf('numbers', { n: Decimal128.fromString('5.0') })).toEqual([1, 2, 3, 4]);
    expect(await idsOf('numbers', { n: Long.fromNumber(5) })).toEqual([1, 2, 3, 4]);
  });

  it('ranges compare numeric values across types and never match strings', async () => {
    expect(await idsOf('numbers', { n: { $gt: new Int32(5) } })).toEqual([5, 8]);
    expect(await idsOf('numbers', { n: { $lt: Decimal128.fromString('5') } })).toEqual([6]);
    expect(await idsOf('numbers', { n: { $gte: 4.995, $lte: Long.fromNumber(5) } })).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('$in compares numerically as well', async () => {
    expect(await idsOf('numbers', { n: { $in: [new Double(6), '5'] } })).toEqual([7, 8]);
  });

  it("$type: 'number' matches every numeric type", async () => {
    expect(await idsOf('numbers', { n: { $type: 'number' } })).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(await idsOf('numbers', { n: { $type: 'long' } })).toEqual([2, 8]);
    expect(await idsOf('numbers', { n: { $type: 'decimal' } })).toEqual([4, 6]);
  });
});

describe('type bracketing in comparisons', () => {
  beforeAll(async () => {
    await conformance.coll('mixed').insertMany([
      { _id: 1, v: 10 },
      { _id: 2, v: 'abc' },
      { _id: 3, v: new Date('2024-01-01T00:00:00Z') },
      { _id: 4, v: true },
      { _id: 5, v: null },
      { _id: 6, v: { x: 1 } },
    ]);
  });

  it('$gt on a number only considers numbers', async () => {
    expect(await idsOf('mixed', { v: { $gt: 1 } })).toEqual([1]);
  });

  it('$lt on a string only considers strings', async () => {
    expect(await idsOf('mixed', { v: { $lt: 'zzz' } })).toEqual([2]);
  });

  it('$gte on a date only considers dates', async () => {
    expect(await idsOf('mixed', { v: { $gte: new Date(0) } })).toEqual([3]);
  });

  it('$gt: null matches nothing', async () => {
    expect(await idsOf('mixed', { v: { $gt: null } })).toEqual([]);
  });
});

describe('logical and element operators', () => {
  beforeAll(async () => {
    await conformance.coll('logic').insertMany([
      { _id: 1, qty: 5, item: 'apple', tags: ['fruit'] },
      { _id: 2, qty: 20, item: 'banana' },
      { _id: 3, qty: 50, item: 'Cherry' },
      { _id: 4, item: 'date' },
    ]);
  });

  it('$or, $and and $nor combine clauses', async () => {
    expect(await idsOf('logic', { $or: [{ qty: { $lt: 10 } }, { item: 'Cherry' }] })).toEqual([
      1, 3,
    ]);
    expect(await idsOf('logic', { $and: [{ qty: { $gt: 1 } }, { qty: { $lt: 30 } }] })).toEqual([
      1, 2,
    ]);
    expect(await idsOf('logic', { $nor: [{ qty: { $gt: 10 } }, { item: 'apple' }] })).toEqual([4]);
  });

  it('$not also matches documents without the field', async () => {
    expect(await idsOf('logic', { qty: { $not: { $gt: 10 } } })).toEqual([1, 4]);
  });

  it('$regex matches strings, with options', async () => {
    expect(await idsOf('logic', { item: { $regex: '^c', $options: 'i' } })).toEqual([3]);
    expect(await idsOf('logic', { item: /an/ })).toEqual([2]);
  });

  it('$mod and $expr evaluate per document', async () => {
    expect(await idsOf('logic', { qty: { $mod: [10, 0] } })).toEqual([2, 3]);
    expect(await idsOf('logic', { $expr: { $gt: ['$qty', 10] } })).toEqual([2, 3]);
  });

  it('$in accepts regular expressions next to values', async () => {
    expect(await idsOf('logic', { item: { $in: [/^a/, 'Cherry'] } })).toEqual([1, 3]);
  });

  it('a hint naming no existing index fails with BadValue', async () => {
    const error = await serverError(
      conformance.coll('logic').find({}).hint('no_such_index').toArray(),
    );
    expect(error.code).toBe(2);
  });

  it('rejects an unknown top-level operator with BadValue', async () => {
    const error = await serverError(conformance.coll('logic').find({ $bogus: 1 }).toArray());
    expect(error.code).toBe(2);
    expect(error.codeName).toBe('BadValue');
  });

  it('rejects an unknown field operator with BadValue', async () => {
    const error = await serverError(
      conformance
        .coll('logic')
        .find({ qty: { $bogus: 1 } })
        .toArray(),
    );
    expect(error.code).toBe(2);
  });

  it('rejects $in without an array with BadValue', async () => {
    const error = await serverError(
      conformance
        .coll('logic')
        .find({ qty: { $in: 5 } })
        .toArray(),
    );
    expect(error.code).toBe(2);
  });
});
