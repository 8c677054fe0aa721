import { type Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/operator/aggregation-pipeline/,
// /reference/command/distinct/ and /reference/command/count/.
const conformance = useConformanceDb('aggregate');

function coll(name: string) {
  return conformance.coll(name);
}

function aggregate(name: string, pipeline: Document[]): Promise<Document[]> {
  return coll(name).aggregate(pipeline).toArray();
}

beforeAll(async () => {
  await coll('sales').insertMany([
    { _id: 1, item: 'abc', price: 10, qty: 2, tags: ['x', 'y'], customer: 'c1' },
    { _id: 2, item: 'jkl', price: 20, qty: 1, tags: ['y'], customer: 'c2' },
    { _id: 3, item: 'xyz', price: 5, qty: 10, tags: [], customer: 'c1' },
    { _id: 4, item: 'xyz', price: 5, qty: 20, customer: 'c3' },
    { _id: 5, item: 'abc', price: 10, qty: 10, tags: ['z'], customer: 'c9' },
  ]);
  await coll('customers').insertMany([
    { _id: 'c1', name: 'Ada', tier: 'gold' },
    { _id: 'c2', name: 'Bob', tier: 'silver' },
    { _id: 'c3', name: 'Cy', tier: 'gold' },
  ]);
});

describe('basic stages', () => {
  it('$match, $sort, $skip and $limit', async () => {
    const docs = await aggregate('sales', [
      { $match: { price: { $gte: 10 } } },
      { $sort: { qty: -1, _id: 1 } },
      { $skip: 1 },
      { $limit: 2 },
    ]);
    expect(docs.map((doc) => doc._id as unknown)).toEqual([1, 2]);
  });

  it('$project with inclusion, exclusion and computed fields', async () => {
    const docs = await aggregate('sales', [
      { $match: { _id: 1 } },
      { $project: { _id: 0, item: 1, total: { $multiply: ['$price', '$qty'] } } },
    ]);
    expect(docs).toEqual([{ item: 'abc', total: 20 }]);
  });

  it('$addFields (and its alias $set) keep the existing fields', async () => {
    const docs = await aggregate('sales', [
      { $match: { _id: 2 } },
      { $addFields: { total: { $multiply: ['$price', '$qty'] } } },
      { $set: { big: { $gt: ['$total', 15] } } },
      { $project: { tags: 0, customer: 0 } },
    ]);
    expect(docs).toEqual([{ _id: 2, item: 'jkl', price: 20, qty: 1, total: 20, big: true }]);
  });

  it('$count names the count field', async () => {
    expect(await aggregate('sales', [{ $match: { item: 'xyz' } }, { $count: 'n' }])).toEqual([
      { n: 2 },
    ]);
  });

  it('$count over no documents returns no document', async () => {
    expect(await aggregate('sales', [{ $match: { item: 'none' } }, { $count: 'n' }])).toEqual([]);
  });

  it('aggregating a missing collection returns an empty result', async () => {
    expect(await aggregate('never_created', [{ $match: {} }])).toEqual([]);
  });
});

describe('$group', () => {
  it('groups with accumulators', async () => {
    const docs = await aggregate('sales', [
      {
        $group: {
          _id: '$item',
          count: { $sum: 1 },
          qty: { $sum: '$qty' },
          avgPrice: { $avg: '$price' },
          minQty: { $min: '$qty' },
          maxQty: { $max: '$qty' },
          ids: { $push: '$_id' },
          customers: { $addToSet: '$customer' },
        },
      },
      { $sort: { _id: 1 } },
    ]);
    expect(
      docs.map((doc) => ({ ...doc, customers: [...(doc.customers as string[])].sort() })),
    ).toEqual([
      {
        _id: 'abc',
        count: 2,
        qty: 12,
        avgPrice: 10,
        minQty: 2,
        maxQty: 10,
        ids: [1, 5],
        customers: ['c1', 'c9'],
      },
      {
        _id: 'jkl',
        count: 1,
        qty: 1,
        avgPrice: 20,
        minQty: 1,
        maxQty: 1,
        ids: [2],
        customers: ['c2'],
      },
      {
        _id: 'xyz',
        count: 2,
        qty: 30,
        avgPrice: 5,
        minQty: 10,
        maxQty: 20,
        ids: [3, 4],
        customers: ['c1', 'c3'],
      },
    ]);
  });

  it('_id: null groups every document together', async () => {
    const docs = await aggregate('sales', [
      { $group: { _id: null, revenue: { $sum: { $multiply: ['$price', '$qty'] } } } },
    ]);
    expect(docs).toEqual([{ _id: null, revenue: 20 + 20 + 50 + 100 + 100 }]);
  });

  it('$first and $last follow the preceding sort', async () => {
    const docs = await aggregate('sales', [
      { $sort: { qty: 1 } },
      { $group: { _id: '$item', first: { $first: '$_id' }, last: { $last: '$_id' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 'abc', first: 1, last: 5 },
      { _id: 'jkl', first: 2, last: 2 },
      { _id: 'xyz', first: 3, last: 4 },
    ]);
  });

  it('compound group keys and $sum of a missing field', async () => {
    const docs = await aggregate('sales', [
      { $group: { _id: { item: '$item', price: '$price' }, nothing: { $sum: '$missing' } } },
      { $sort: { '_id.item': 1 } },
    ]);
    expect(docs).toEqual([
      { _id: { item: 'abc', price: 10 }, nothing: 0 },
      { _id: { item: 'jkl', price: 20 }, nothing: 0 },
      { _id: { item: 'xyz', price: 5 }, nothing: 0 },
    ]);
  });

  it('a group key that is missing groups as null', async () => {
    const docs = await aggregate('sales', [{ $group: { _id: '$nope', n: { $sum: 1 } } }]);
    expect(docs).toEqual([{ _id: null, n: 5 }]);
  });
});

describe('$unwind', () => {
  it('emits one document per element and skips empty or missing arrays', async () => {
    const docs = await aggregate('sales', [
      { $unwind: '$tags' },
      { $project: { _id: 1, tags: 1 } },
      { $sort: { _id: 1, tags: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 1, tags: 'x' },
      { _id: 1, tags: 'y' },
      { _id: 2, tags: 'y' },
      { _id: 5, tags: 'z' },
    ]);
  });

  it('preserveNullAndEmptyArrays and includeArrayIndex', async () => {
    const docs = await aggregate('sales', [
      { $unwind: { path: '$tags', preserveNullAndEmptyArrays: true, includeArrayIndex: 'i' } },
      { $project: { _id: 1, tags: 1, i: 1 } },
      { $sort: { _id: 1, i: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 1, tags: 'x', i: 0 },
      { _id: 1, tags: 'y', i: 1 },
      { _id: 2, tags: 'y', i: 0 },
      { _id: 3, i: null },
      { _id: 4, i: null },
      { _id: 5, tags: 'z', i: 0 },
    ]);
  });
});

describe('$lookup', () => {
  it('joins by localField/foreignField, giving an empty array when nothing matches', async () => {
    const docs = await aggregate('sales', [
      { $match: { _id: { $in: [1, 5] } } },
      { $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'who' } },
      { $project: { who: 1 } },
      { $sort: { _id: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 1, who: [{ _id: 'c1', name: 'Ada', tier: 'gold' }] },
      { _id: 5, who: [] },
    ]);
  });

  it('supports the let/pipeline form', async () => {
    const docs = await aggregate('customers', [
      {
        $lookup: {
          from: 'sales',
          let: { customerId: '$_id' },
          pipeline: [
            { $match: { $expr: { $eq: ['$customer', '$$customerId'] } } },
            { $group: { _id: null, qty: { $sum: '$qty' } } },
          ],
          as: 'totals',
        },
      },
      { $project: { qty: { $ifNull: [{ $first: '$totals.qty' }, 0] } } },
      { $sort: { _id: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 'c1', qty: 12 },
      { _id: 'c2', qty: 1 },
      { _id: 'c3', qty: 20 },
    ]);
  });

  it('matches array local fields element-wise', async () => {
    await coll('tag_names').insertMany([
      { _id: 'x', label: 'X' },
      { _id: 'y', label: 'Y' },
    ]);
    const docs = await aggregate('sales', [
      { $match: { _id: 1 } },
      { $lookup: { from: 'tag_names', localField: 'tags', foreignField: '_id', as: 'labels' } },
      { $project: { labels: '$labels.label' } },
    ]);
    expect(docs).toEqual([{ _id: 1, labels: ['X', 'Y'] }]);
  });
  it('a missing foreign collection yields empty arrays', async () => {
    const docs = await aggregate('sales', [
      { $match: { _id: 2 } },
      { $lookup: { from: 'no_such_coll', localField: 'customer', foreignField: '_id', as: 'x' } },
      { $project: { x: 1 } },
    ]);
    expect(docs).toEqual([{ _id: 2, x: [] }]);
  });
});

describe('more stage semantics', () => {
  it('$unwind treats a scalar as a one-element array', async () => {
    await coll('scalar_unwind').insertOne({ _id: 1, v: 'one' });
    expect(await aggregate('scalar_unwind', [{ $unwind: '$v' }])).toEqual([{ _id: 1, v: 'one' }]);
  });

  it('$sort then $limit keeps the top documents', async () => {
    const docs = await aggregate('sales', [
      { $sort: { qty: -1, _id: 1 } },
      { $limit: 2 },
      { $project: { qty: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 4, qty: 20 },
      { _id: 3, qty: 10 },
    ]);
  });

  it('$$ROOT and $mergeObjects reshape documents', async () => {
    const docs = await aggregate('sales', [
      { $match: { _id: 2 } },
      {
        $replaceWith: {
          $mergeObjects: [{ source: 'sales' }, { item: '$$ROOT.item', qty: '$qty' }],
        },
      },
    ]);
    expect(docs).toEqual([{ source: 'sales', item: 'jkl', qty: 1 }]);
  });

  it('$sum adds ints and doubles and ignores non-numbers', async () => {
    await coll('mixed_sum').insertMany([{ v: 1 }, { v: 2.5 }, { v: 'x' }, { v: null }, {}]);
    expect(
      await aggregate('mixed_sum', [
        { $group: { _id: null, total: { $sum: '$v' }, n: { $sum: 1 } } },
      ]),
    ).toEqual([{ _id: null, total: 3.5, n: 5 }]);
  });

  it('$match with $expr compares two fields of a document', async () => {
    const docs = await aggregate('sales', [
      { $match: { $expr: { $gt: ['$qty', '$price'] } } },
      { $project: { _id: 1 } },
      { $sort: { _id: 1 } },
    ]);
    expect(docs).toEqual([{ _id: 3 }, { _id: 4 }]);
  });
});

describe('$facet and other stages', () => {
  it('$facet runs sub-pipelines over the same input', async () => {
    const docs = await aggregate('sales', [
      {
        $facet: {
          total: [{ $count: 'n' }],
          cheap: [
            { $match: { price: { $lt: 10 } } },
            { $project: { _id: 1 } },
            { $sort: { _id: 1 } },
          ],
          byItem: [{ $sortByCount: '$item' }, { $sort: { count: -1, _id: 1 } }],
        },
      },
    ]);
    expect(docs).toEqual([
      {
        total: [{ n: 5 }],
        cheap: [{ _id: 3 }, { _id: 4 }],
        byItem: [
          { _id: 'abc', count: 2 },
          { _id: 'xyz', count: 2 },
          { _id: 'jkl', count: 1 },
        ],
      },
    ]);
  });

  it('$replaceRoot promotes an embedded document', async () => {
    const docs = await aggregate('sales', [
      { $match: { _id: 2 } },
      { $replaceRoot: { newRoot: { item: '$item', q: '$qty' } } },
    ]);
    expect(docs).toEqual([{ item: 'jkl', q: 1 }]);
  });

  it('$bucket groups by boundaries with a default bucket', async () => {
    const docs = await aggregate('sales', [
      {
        $bucket: {
          groupBy: '$qty',
          boundaries: [0, 5, 15],
          default: 'many',
          output: { n: { $sum: 1 } },
        },
      },
    ]);
    expect(docs).toEqual([
      { _id: 0, n: 2 },
      { _id: 5, n: 2 },
      { _id: 'many', n: 1 },
    ]);
  });

  it('a ten-stage pipeline combines the stages', async () => {
    const docs = await aggregate('sales', [
      { $match: { qty: { $gte: 1 } } },
      { $addFields: { total: { $multiply: ['$price', '$qty'] } } },
      { $unwind: { path: '$tags', preserveNullAndEmptyArrays: true } },
      { $group: { _id: '$customer', total: { $sum: '$total' }, lines: { $sum: 1 } } },
      { $lookup: { from: 'customers', localField: '_id', foreignField: '_id', as: 'c' } },
      { $unwind: '$c' },
      { $project: { tier: '$c.tier', total: 1, lines: 1 } },
      { $group: { _id: '$tier', total: { $sum: '$total' }, customers: { $sum: 1 } } },
      { $sort: { _id: 1 } },
      { $limit: 10 },
    ]);
    // c1 counts sale 1 twice (two tags) and sale 3 once: 20+20+50; c3: 100; c2: 20.
    // c9 has no customer document, so the second $unwind drops it.
    expect(docs).toEqual([
      { _id: 'gold', total: 90 + 100, customers: 2 },
      { _id: 'silver', total: 20, customers: 1 },
    ]);
  });
});

describe('$out and $merge', () => {
  it('$out writes the result to a collection, replacing its content', async () => {
    await coll('out_target').insertOne({ _id: 'stale' });
    const returned = await aggregate('sales', [
      { $match: { item: 'abc' } },
      { $project: { qty: 1 } },
      { $out: 'out_target' },
    ]);
    expect(returned).toEqual([]);
    const written = await coll('out_target').find().sort({ _id: 1 }).toArray();
    expect(written).toEqual([
      { _id: 1, qty: 2 },
      { _id: 5, qty: 10 },
    ]);
  });

  it('$merge updates matching documents and inserts the others', async () => {
    await coll('merge_target').insertMany([
      { _id: 'abc', qty: 0, keep: true },
      { _id: 'old', qty: 1 },
    ]);
    await aggregate('sales', [
      { $group: { _id: '$item', qty: { $sum: '$qty' } } },
      {
        $merge: { into: 'merge_target', on: '_id', whenMatched: 'merge', whenNotMatched: 'insert' },
      },
    ]);
    const merged = await coll('merge_target').find().sort({ _id: 1 }).toArray();
    expect(merged).toEqual([
      { _id: 'abc', qty: 12, keep: true },
      { _id: 'jkl', qty: 1 },
      { _id: 'old', qty: 1 },
      { _id: 'xyz', qty: 30 },
    ]);
  });

  it('$merge with whenNotMatched: discard only touches existing documents', async () => {
    await coll('merge_discard').insertOne({ _id: 'xyz', qty: 0 });
    await aggregate('sales', [
      { $group: { _id: '$item', qty: { $sum: '$qty' } } },
      { $merge: { into: 'merge_discard', whenMatched: 'replace', whenNotMatched: 'discard' } },
    ]);
    expect(await coll('merge_discard').find().toArray()).toEqual([{ _id: 'xyz', qty: 30 }]);
  });
});

describe('aggregation errors', () => {
  it('an unknown stage fails with 40324', async () => {
    const error = await serverError(aggregate('sales', [{ $bogus: {} }]));
    expect(error.code).toBe(40324);
  });

  it('an unknown expression operator fails with InvalidPipelineOperator', async () => {
    const error = await serverError(aggregate('sales', [{ $project: { x: { $bogus: 1 } } }]));
    expect(error.code).toBe(168);
    expect(error.codeName).toBe('InvalidPipelineOperator');
  });

  it('a group without _id fails with 15955', async () => {
    const error = await serverError(aggregate('sales', [{ $group: { n: { $sum: 1 } } }]));
    expect(error.code).toBe(15955);
  });
});

describe('distinct and count', () => {
  it('distinct returns each value once and unwinds arrays', async () => {
    expect((await coll('sales').distinct('item')).sort()).toEqual(['abc', 'jkl', 'xyz']);
    expect((await coll('sales').distinct('tags')).sort()).toEqual(['x', 'y', 'z']);
  });

  it('distinct honours a filter and dotted paths', async () => {
    expect((await coll('sales').distinct('customer', { price: 5 })).sort()).toEqual(['c1', 'c3']);
    await coll('nested').insertMany([
      { a: { b: 1 } },
      { a: { b: 2 } },
      { a: [{ b: 2 }, { b: 3 }] },
    ]);
    expect((await coll('nested').distinct('a.b')).sort()).toEqual([1, 2, 3]);
  });

  it('distinct on a missing collection returns an empty array', async () => {
    expect(await coll('never_created_either').distinct('a')).toEqual([]);
  });

  it('countDocuments honours filter, skip and limit', async () => {
    expect(await coll('sales').countDocuments()).toBe(5);
    expect(await coll('sales').countDocuments({ price: { $lt: 20 } })).toBe(4);
    expect(await coll('sales').countDocuments({}, { skip: 1, limit: 3 })).toBe(3);
    expect(await coll('sales').countDocuments({}, { skip: 4, limit: 3 })).toBe(1);
  });

  it('estimatedDocumentCount returns the collection size', async () => {
    expect(await coll('sales').estimatedDocumentCount()).toBe(5);
  });

  it('the count command honours query, skip and limit', async () => {
    const reply = await conformance.db.command({ count: 'sales', query: { item: 'xyz' } });
    expect(reply.n).toBe(2);
    const limited = await conformance.db.command({ count: 'sales', skip: 2, limit: 2 });
    expect(limited.n).toBe(2);
    const missing = await conformance.db.command({ count: 'never_created' });
    expect(missing.n).toBe(0);
  });
});
