import { type ClientSession, type Document } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/operator/aggregation/lookup/
// (equality match, uncorrelated and concise sub-pipelines, "as" overwrites, arrays and null)
// and MongoDB's jstests/aggregation/sources/lookup/lookup_arrays_semantics.js.
const conformance = useConformanceDb('lookup');

function coll(name: string) {
  return conformance.coll(name);
}

function aggregate(name: string, pipeline: Document[], session?: ClientSession) {
  return coll(name)
    .aggregate(pipeline, session ? { session } : {})
    .toArray();
}

/** The `_id`s of the joined documents of each input document, by input `_id`. */
async function joinedIds(
  name: string,
  lookup: Document,
  match: Document = {},
): Promise<Record<string, unknown[]>> {
  const docs = await aggregate(name, [
    { $match: match },
    { $lookup: { ...lookup, as: 'joined' } },
    { $sort: { _id: 1 } },
  ]);
  const out: Record<string, unknown[]> = {};
  for (const doc of docs) {
    const joined = doc.joined as Document[];
    out[String(doc._id)] = joined.map((d) => d._id as unknown).sort();
  }
  return out;
}

beforeAll(async () => {
  await coll('memberships').insertMany([
    { _id: 'm1', orgId: 'o1', uid: 'u1', status: 'active' },
    { _id: 'm2', orgId: 'o2', uid: 'u1', status: 'active' },
    { _id: 'm3', orgId: 'o1', uid: 'u2', status: 'removed' },
  ]);
  await coll('organizations').insertMany([
    { _id: 'o1', name: 'Acme' },
    { _id: 'o2', name: 'Globex' },
  ]);
  await coll('invoices').insertMany([
    { _id: 'i1', orgId: 'o1', number: 1, total: 10 },
    { _id: 'i2', orgId: 'o1', number: 2, total: 30 },
    { _id: 'i3', orgId: 'o2', number: 1, total: 20 },
    { _id: 'i4', orgId: 'o1', number: 3, total: 20 },
  ]);
  await coll('invoices').createIndex({ orgId: 1, number: 1 });
  await conformance.db.createCollection('empty_foreign');
});

describe('uncorrelated sub-pipeline', () => {
  it('joins the membership to its organization and one invoice (the API pattern)', async () => {
    const docs = await aggregate('memberships', [
      { $match: { orgId: 'o1', uid: 'u1', status: 'active' } },
      { $limit: 1 },
      {
        $lookup: { from: 'organizations', pipeline: [{ $match: { _id: 'o1' } }], as: 'org' },
      },
      {
        $lookup: {
          from: 'invoices',
          pipeline: [{ $match: { _id: 'i2', orgId: 'o1' } }, { $limit: 1 }],
          as: 'subject',
        },
      },
    ]);
    expect(docs).toEqual([
      {
        _id: 'm1',
        orgId: 'o1',
        uid: 'u1',
        status: 'active',
        org: [{ _id: 'o1', name: 'Acme' }],
        subject: [{ _id: 'i2', orgId: 'o1', number: 2, total: 30 }],
      },
    ]);
  });

  it('gives every input document the same answer, with $sort, $limit and $project', async () => {
    const docs = await aggregate('memberships', [
      { $sort: { _id: 1 } },
      {
        $lookup: {
          from: 'invoices',
          pipeline: [
            { $match: { orgId: 'o1' } },
            { $sort: { total: -1, _id: 1 } },
            { $limit: 2 },
            { $project: { _id: 0, number: 1 } },
          ],
          as: 'top',
        },
      },
      { $project: { top: 1 } },
    ]);
    // o1's invoices by total, descending: i2 (30, number 2), i4 (20, number 3), i1 (10).
    const top = [{ number: 2 }, { number: 3 }];
    expect(docs).toEqual([
      { _id: 'm1', top },
      { _id: 'm2', top },
      { _id: 'm3', top },
    ]);
  });

  it("sees the aggregate command's let variables", async () => {
    const docs = await coll('memberships')
      .aggregate(
        [
          { $match: { _id: 'm1' } },
          {
            $lookup: {
              from: 'invoices',
              pipeline: [
                { $match: { $expr: { $eq: ['$number', '$$wanted'] } } },
                { $sort: { _id: 1 } },
              ],
              as: 'inv',
            },
          },
          { $project: { inv: '$inv._id' } },
        ],
        { let: { wanted: 1 } },
      )
      .toArray();
    expect(docs).toEqual([{ _id: 'm1', inv: ['i1', 'i3'] }]);
  });

  it('a sub-pipeline that matches nothing gives an empty array', async () => {
    const docs = await aggregate('memberships', [
      { $match: { _id: 'm1' } },
      { $lookup: { from: 'invoices', pipeline: [{ $match: { _id: 'none' } }], as: 'x' } },
      { $project: { x: 1 } },
    ]);
    expect(docs).toEqual([{ _id: 'm1', x: [] }]);
  });

  it('an empty pipeline joins the whole collection; stages after $lookup still run', async () => {
    const docs = await aggregate('memberships', [
      { $match: { _id: 'm1' } },
      { $lookup: { from: 'organizations', pipeline: [], as: 'all' } },
      { $project: { n: { $size: '$all' } } },
    ]);
    expect(docs).toEqual([{ _id: 'm1', n: 2 }]);
  });

  it('a sub-pipeline can itself $lookup and $group', async () => {
    const docs = await aggregate('organizations', [
      { $match: { _id: 'o2' } },
      {
        $lookup: {
          from: 'invoices',
          pipeline: [
            { $match: { orgId: 'o1' } },
            {
              $lookup: {
                from: 'organizations',
                localField: 'orgId',
                foreignField: '_id',
                as: 'org',
              },
            },
            { $group: { _id: { $first: '$org.name' }, total: { $sum: '$total' } } },
          ],
          as: 'o1totals',
        },
      },
    ]);
    expect(docs).toEqual([{ _id: 'o2', name: 'Globex', o1totals: [{ _id: 'Acme', total: 60 }] }]);
  });
});

describe('equality match (localField / foreignField)', () => {
  beforeAll(async () => {
    await coll('eq_local').insertMany([
      { _id: 0 }, // missing
      { _id: 1, a: null },
      { _id: 2, a: 1 },
      { _id: 3, a: [1, 2] },
      { _id: 4, a: [] },
      { _id: 5, a: [null, 3] },
      { _id: 6, a: 'one' },
      { _id: 7, a: [[1, 2], 9] },
    ]);
    await coll('eq_foreign').insertMany([
      { _id: 'missing' },
      { _id: 'null', b: null },
      { _id: 'one', b: 1 },
      { _id: 'two', b: 2 },
      { _id: 'arr12', b: [1, 2] },
      { _id: 'arr3', b: [3] },
      { _id: 'double1', b: 1.0 },
      { _id: 'str', b: 'one' },
    ]);
  });

  it('scalars, arrays (any element), null and missing (null or missing foreign)', async () => {
    expect(
      await joinedIds('eq_local', { from: 'eq_foreign', localField: 'a', foreignField: 'b' }),
    ).toEqual({
      '0': ['missing', 'null'],
      '1': ['missing', 'null'],
      '2': ['arr12', 'double1', 'one'],
      '3': ['arr12', 'double1', 'one', 'two'],
      // An empty array has no value: it is treated as null.
      '4': ['missing', 'null'],
      '5': ['arr3', 'missing', 'null'],
      '6': ['str'],
      // [1, 2] as an element matches the whole array value; 9 matches nothing.
      '7': ['arr12'],
    });
  });

  it('uses the index of the foreign field when there is one', async () => {
    await coll('eq_foreign_indexed').insertMany([
      { _id: 'a', orgId: 'o1' },
      { _id: 'b', orgId: 'o2' },
      { _id: 'c', orgId: ['o1', 'o3'] },
      { _id: 'd' },
    ]);
    await coll('eq_foreign_indexed').createIndex({ orgId: 1 });
    expect(
      await joinedIds('memberships', {
        from: 'eq_foreign_indexed',
        localField: 'orgId',
        foreignField: 'orgId',
      }),
    ).toEqual({ m1: ['a', 'c'], m2: ['b'], m3: ['a', 'c'] });
  });

  it('follows dotted paths on both sides, through arrays of documents', async () => {
    await coll('dot_local').insertMany([
      { _id: 1, ref: { id: 'x' } },
      { _id: 2, ref: [{ id: 'y' }, { id: 'z' }, { other: 1 }] },
      { _id: 3, ref: { other: 1 } },
      { _id: 4, ref: [{ id: 'x' }, { id: 'y' }] },
    ]);
    await coll('dot_foreign').insertMany([
      { _id: 'X', key: { id: 'x' } },
      { _id: 'Y', key: [{ id: 'y' }, { id: 'q' }] },
      { _id: 'N', key: { id: null } },
      { _id: 'M', key: {} },
    ]);
    expect(
      await joinedIds('dot_local', {
        from: 'dot_foreign',
        localField: 'ref.id',
        foreignField: 'key.id',
      }),
    ).toEqual({
      '1': ['X'],
      '2': ['Y'],
      '3': ['M', 'N'],
      '4': ['X', 'Y'],
    });
  });

  it('a numeric path component indexes the local array', async () => {
    await coll('num_local').insertMany([
      { _id: 1, a: [{ x: 'k1' }, { x: 'k2' }] },
      { _id: 2, a: [{ x: 'k2' }, { x: 'k1' }] },
    ]);
    await coll('num_foreign').insertMany([
      { _id: 'K1', b: 'k1' },
      { _id: 'K2', b: 'k2' },
    ]);
    expect(
      await joinedIds('num_local', { from: 'num_foreign', localField: 'a.0.x', foreignField: 'b' }),
    ).toEqual({ '1': ['K1'], '2': ['K2'] });
  });

  it('a regex local value matches only an equal regex, not strings', async () => {
    await coll('re_local').insertMany([
      { _id: 1, p: /^a/ },
      { _id: 2, p: [/^a/, 'abc'] },
    ]);
    await coll('re_foreign').insertMany([
      { _id: 'regex', q: /^a/ },
      { _id: 'string', q: 'abc' },
      { _id: 'other', q: 'xyz' },
    ]);
    expect(
      await joinedIds('re_local', { from: 're_foreign', localField: 'p', foreignField: 'q' }),
    ).toEqual({ '1': ['regex'], '2': ['regex', 'string'] });
  });

  it('joins many input documents to an unindexed foreign field', async () => {
    const foreign = Array.from({ length: 200 }, (_, i) => ({
      _id: i,
      k: i % 50,
      tags: [`t${i % 7}`],
    }));
    await coll('unindexed_foreign').insertMany(foreign);
    const local = Array.from({ length: 60 }, (_, i) => ({ _id: i, k: i, tag: `t${i % 9}` }));
    await coll('unindexed_local').insertMany(local);
    const byK = await joinedIds('unindexed_local', {
      from: 'unindexed_foreign',
      localField: 'k',
      foreignField: 'k',
    });
    for (const doc of local) {
      const expected = foreign.filter((f) => f.k === doc.k).map((f) => f._id);
      expect(byK[String(doc._id)]).toEqual(expected.sort());
    }
    const byTag = await joinedIds('unindexed_local', {
      from: 'unindexed_foreign',
      localField: 'tag',
      foreignField: 'tags',
    });
    for (const doc of local) {
      const expected = foreign.filter((f) => f.tags.includes(doc.tag)).map((f) => f._id);
      expect(byTag[String(doc._id)]).toEqual(expected.sort());
    }
  });
});

describe('the concise form (localField/foreignField and pipeline)', () => {
  it('applies the sub-pipeline to the matching foreign documents only', async () => {
    const docs = await aggregate('memberships', [
      { $sort: { _id: 1 } },
      {
        $lookup: {
          from: 'invoices',
          localField: 'orgId',
          foreignField: 'orgId',
          pipeline: [
            { $match: { total: { $gte: 20 } } },
            { $sort: { number: 1 } },
            { $project: { _id: 0, number: 1 } },
          ],
          as: 'big',
        },
      },
      { $project: { big: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 'm1', big: [{ number: 2 }, { number: 3 }] },
      { _id: 'm2', big: [{ number: 1 }] },
      { _id: 'm3', big: [{ number: 2 }, { number: 3 }] },
    ]);
  });

  it('an empty sub-pipeline is the plain equality match', async () => {
    expect(
      await joinedIds('memberships', {
        from: 'invoices',
        localField: 'orgId',
        foreignField: 'orgId',
        pipeline: [],
      }),
    ).toEqual({ m1: ['i1', 'i2', 'i4'], m2: ['i3'], m3: ['i1', 'i2', 'i4'] });
  });
});

describe('"as"', () => {
  it('overwrites an existing field in place', async () => {
    const docs = await aggregate('memberships', [
      { $match: { _id: 'm2' } },
      { $lookup: { from: 'organizations', localField: 'orgId', foreignField: '_id', as: 'orgId' } },
    ]);
    expect(docs).toEqual([
      { _id: 'm2', orgId: [{ _id: 'o2', name: 'Globex' }], uid: 'u1', status: 'active' },
    ]);
    expect(Object.keys(docs[0]!)).toEqual(['_id', 'orgId', 'uid', 'status']);
  });

  it('a dotted "as" creates or extends an embedded document', async () => {
    await coll('as_local').insertMany([
      { _id: 1, k: 'o1', meta: { keep: true } },
      { _id: 2, k: 'o2', meta: 'scalar' },
      { _id: 3, k: 'o1' },
    ]);
    const docs = await aggregate('as_local', [
      { $sort: { _id: 1 } },
      { $lookup: { from: 'organizations', localField: 'k', foreignField: '_id', as: 'meta.org' } },
    ]);
    expect(docs).toEqual([
      { _id: 1, k: 'o1', meta: { keep: true, org: [{ _id: 'o1', name: 'Acme' }] } },
      { _id: 2, k: 'o2', meta: { org: [{ _id: 'o2', name: 'Globex' }] } },
      { _id: 3, k: 'o1', meta: { org: [{ _id: 'o1', name: 'Acme' }] } },
    ]);
  });
});

describe('foreign collections without documents', () => {
  it('an empty or missing foreign collection gives empty arrays in every form', async () => {
    for (const from of ['empty_foreign', 'lookup_never_created']) {
      const docs = await aggregate('memberships', [
        { $match: { _id: 'm1' } },
        { $lookup: { from, localField: 'orgId', foreignField: '_id', as: 'a' } },
        { $lookup: { from, pipeline: [{ $match: { _id: 'o1' } }], as: 'b' } },
        { $lookup: { from, localField: 'orgId', foreignField: '_id', pipeline: [], as: 'c' } },
        { $project: { a: 1, b: 1, c: 1 } },
      ]);
      expect(docs).toEqual([{ _id: 'm1', a: [], b: [], c: [] }]);
    }
  });
});

describe('inside a transaction', () => {
  it("sees the transaction's own uncommitted writes, not another transaction's nor later ones", async () => {
    await conformance.db.createCollection('txn_orgs');
    await coll('txn_orgs').insertOne({ _id: 'o1', name: 'before' });
    const session = conformance.client.startSession();
    const other = conformance.client.startSession();
    try {
      session.startTransaction();
      await coll('txn_orgs').updateOne({ _id: 'o1' }, { $set: { name: 'inside' } }, { session });
      await coll('txn_orgs').insertOne({ _id: 'o2', name: 'new inside' }, { session });
      // Another transaction's uncommitted write, and another client's write after the snapshot.
      other.startTransaction();
      await coll('txn_orgs').insertOne({ _id: 'o4', name: 'other txn' }, { session: other });
      await coll('txn_orgs').insertOne({ _id: 'o3', name: 'outside' });
      const pipeline = [
        { $sort: { _id: 1 } },
        { $lookup: { from: 'txn_orgs', localField: 'orgId', foreignField: '_id', as: 'eq' } },
        { $lookup: { from: 'txn_orgs', pipeline: [{ $sort: { _id: 1 } }], as: 'all' } },
        { $project: { eq: '$eq.name', all: '$all._id' } },
      ];
      const inside = await aggregate('memberships', pipeline, session);
      expect(inside).toEqual([
        { _id: 'm1', eq: ['inside'], all: ['o1', 'o2'] },
        { _id: 'm2', eq: ['new inside'], all: ['o1', 'o2'] },
        { _id: 'm3', eq: ['inside'], all: ['o1', 'o2'] },
      ]);
      const outside = await aggregate('memberships', pipeline);
      expect(outside[0]).toEqual({ _id: 'm1', eq: ['before'], all: ['o1', 'o3'] });
      await session.abortTransaction();
      await other.abortTransaction();
    } finally {
      await session.endSession();
      await other.endSession();
    }
  });
});

describe('forms left to the general implementation', () => {
  it('$lookup inside $facet still joins', async () => {
    const docs = await aggregate('memberships', [
      { $match: { uid: 'u1' } },
      {
        $facet: {
          joined: [
            {
              $lookup: { from: 'organizations', localField: 'orgId', foreignField: '_id', as: 'o' },
            },
            { $sort: { _id: 1 } },
            { $project: { name: { $first: '$o.name' } } },
          ],
          uncorrelated: [
            { $lookup: { from: 'organizations', pipeline: [{ $match: { _id: 'o2' } }], as: 'o' } },
            { $limit: 1 },
            { $project: { _id: 0, o: 1 } },
          ],
        },
      },
    ]);
    expect(docs).toEqual([
      {
        joined: [
          { _id: 'm1', name: 'Acme' },
          { _id: 'm2', name: 'Globex' },
        ],
        uncorrelated: [{ o: [{ _id: 'o2', name: 'Globex' }] }],
      },
    ]);
  });

  it('a collection-less $documents sub-pipeline (no "from")', async () => {
    const docs = await aggregate('memberships', [
      { $match: { _id: 'm1' } },
      { $lookup: { pipeline: [{ $documents: [{ v: 1 }, { v: 2 }] }], as: 'd' } },
      { $project: { d: '$d.v' } },
    ]);
    expect(docs).toEqual([{ _id: 'm1', d: [1, 2] }]);
  });

  it('a let/pipeline lookup next to the handled forms', async () => {
    const docs = await aggregate('memberships', [
      { $match: { _id: 'm1' } },
      { $lookup: { from: 'organizations', localField: 'orgId', foreignField: '_id', as: 'org' } },
      {
        $lookup: {
          from: 'invoices',
          let: { org: '$orgId' },
          pipeline: [{ $match: { $expr: { $eq: ['$orgId', '$$org'] } } }, { $count: 'n' }],
          as: 'count',
        },
      },
      { $project: { org: '$org.name', count: { $first: '$count.n' } } },
    ]);
    expect(docs).toEqual([{ _id: 'm1', org: ['Acme'], count: 3 }]);
  });
});

describe('database-level aggregate', () => {
  it('joins $documents input to a collection', async () => {
    const docs = await conformance.db
      .aggregate([
        { $documents: [{ k: 'o2' }, { k: 'o1' }, { k: 'none' }] },
        { $lookup: { from: 'organizations', localField: 'k', foreignField: '_id', as: 'o' } },
        { $project: { _id: 0, k: 1, name: { $first: '$o.name' } } },
      ])
      .toArray();
    expect(docs).toEqual([{ k: 'o2', name: 'Globex' }, { k: 'o1', name: 'Acme' }, { k: 'none' }]);
  });
});

describe('let', () => {
  it('the concise form with let joins by equality first, then filters with the variables', async () => {
    const docs = await aggregate('memberships', [
      { $sort: { _id: 1 } },
      { $addFields: { min: { $cond: [{ $eq: ['$_id', 'm1'] }, 15, 0] } } },
      {
        $lookup: {
          from: 'invoices',
          localField: 'orgId',
          foreignField: 'orgId',
          let: { min: '$min' },
          pipeline: [{ $match: { $expr: { $gt: ['$total', '$$min'] } } }, { $sort: { _id: 1 } }],
          as: 'inv',
        },
      },
      { $project: { inv: '$inv._id' } },
    ]);
    expect(docs).toEqual([
      { _id: 'm1', inv: ['i2', 'i4'] },
      { _id: 'm2', inv: ['i3'] },
      { _id: 'm3', inv: ['i1', 'i2', 'i4'] },
    ]);
  });

  it('a variable-free leading $match and the variables together', async () => {
    const docs = await aggregate('organizations', [
      { $sort: { _id: 1 } },
      {
        $lookup: {
          from: 'invoices',
          let: { org: '$_id' },
          pipeline: [
            { $match: { total: { $gte: 20 } } },
            { $match: { $expr: { $eq: ['$orgId', '$$org'] } } },
            { $sort: { number: -1 } },
            { $project: { _id: 0, number: 1 } },
          ],
          as: 'big',
        },
      },
    ]);
    expect(docs).toEqual([
      { _id: 'o1', name: 'Acme', big: [{ number: 3 }, { number: 2 }] },
      { _id: 'o2', name: 'Globex', big: [{ number: 1 }] },
    ]);
  });

  it('a nested $lookup sees the enclosing let variables, per input document', async () => {
    const docs = await aggregate('organizations', [
      { $sort: { _id: 1 } },
      {
        $lookup: {
          from: 'memberships',
          let: { org: '$_id' },
          pipeline: [
            { $match: { uid: 'u1' } },
            {
              $lookup: {
                from: 'invoices',
                pipeline: [{ $match: { $expr: { $eq: ['$orgId', '$$org'] } } }, { $count: 'n' }],
                as: 'count',
              },
            },
            { $sort: { _id: 1 } },
            { $project: { _id: 1, n: { $first: '$count.n' } } },
          ],
          as: 'members',
        },
      },
      { $project: { members: 1 } },
    ]);
    expect(docs).toEqual([
      {
        _id: 'o1',
        members: [
          { _id: 'm1', n: 3 },
          { _id: 'm2', n: 3 },
        ],
      },
      {
        _id: 'o2',
        members: [
          { _id: 'm1', n: 1 },
          { _id: 'm2', n: 1 },
        ],
      },
    ]);
  });
});

describe('malformed and hostile specifications', () => {
  async function lookupError(spec: unknown) {
    return serverError(aggregate('memberships', [{ $lookup: spec as Document }]));
  }

  it('answers FailedToParse (9) for a malformed specification', async () => {
    const cases: unknown[] = [
      { from: 42, localField: 'a', foreignField: 'b', as: 'x' },
      { from: 'organizations', localField: 'orgId', foreignField: '_id' },
      { from: 'organizations', localField: 'orgId', foreignField: '_id', as: 7 },
      { from: 'organizations', localField: 'orgId', as: 'x' },
      { from: 'organizations', as: 'x' },
      { from: 'organizations', localField: 'orgId', foreignField: '_id', as: 'x', extra: 1 },
      { from: 'organizations', let: 'not a doc', pipeline: [], as: 'x' },
      { from: 'organizations', let: {}, localField: 'orgId', foreignField: '_id', as: 'x' },
      { from: 'organizations', localField: '', foreignField: '_id', as: 'x' },
      'not a document',
    ];
    for (const spec of cases) {
      const error = await lookupError(spec);
      expect({ spec, code: error.code }).toEqual({ spec, code: 9 });
    }
    expect((await lookupError({ from: 'organizations', pipeline: [] })).message).toContain(
      "must specify 'as' field",
    );
    expect(
      (await lookupError({ from: 1, localField: 'a', foreignField: 'b', as: 'x' })).message,
    ).toContain("'from' field must be a string");
  });

  it('answers TypeMismatch (14) when the pipeline is not an array of stages', async () => {
    for (const pipeline of ['$match', { $match: {} }, [1], [[{ $match: {} }]]]) {
      const error = await lookupError({ from: 'organizations', pipeline, as: 'x' });
      expect({ pipeline, code: error.code }).toEqual({ pipeline, code: 14 });
    }
  });

  it('refuses $out and $merge inside the sub-pipeline (51047) and writes nothing', async () => {
    for (const stage of [
      { $out: 'lookup_out_target' },
      { $merge: { into: 'lookup_out_target' } },
    ]) {
      const error = await lookupError({ from: 'organizations', pipeline: [stage], as: 'x' });
      expect([error.code, error.codeName]).toEqual([51047, 'Location51047']);
      expect(error.message).toContain('is not allowed within a $lookup');
    }
    const names = (await conformance.db.listCollections().toArray()).map((c) => c.name);
    expect(names).not.toContain('lookup_out_target');
  });

  it('refuses let variable names MongoDB rejects', async () => {
    const codes: Record<string, number> = {
      '': 16866,
      __proto__x: 16867,
      Upper: 16867,
      $x: 16867,
      'a-b': 16868,
      'a.b': 16868,
    };
    for (const [name, code] of Object.entries(codes)) {
      const error = await lookupError({
        from: 'organizations',
        let: { [name]: 1 },
        pipeline: [],
        as: 'x',
      });
      expect({ name, code: error.code }).toEqual({ name, code });
    }
    const proto = JSON.parse('{"__proto__": 1}') as Document;
    const error = await lookupError({ from: 'organizations', let: proto, pipeline: [], as: 'x' });
    expect(error.code).toBe(16867);
  });

  it('answers InvalidNamespace (73) for an empty "from"', async () => {
    const error = await lookupError({ from: '', localField: 'a', foreignField: 'b', as: 'x' });
    expect(error.code).toBe(73);
  });

  it('refuses "as" paths MongoDB rejects (FieldPath errors)', async () => {
    const codes: Record<string, number> = {
      $where: 16410,
      'a.$b': 16410,
      'a..b': 15998,
      // More components than BSON nesting allows (200): Overflow.
      [`${'a.'.repeat(200)}a`]: 15,
    };
    for (const [as, code] of Object.entries(codes)) {
      const error = await lookupError({
        from: 'organizations',
        localField: 'orgId',
        foreignField: '_id',
        as,
      });
      expect({ as, code: error.code }).toEqual({ as, code });
    }
  });

  it('keeps a "__proto__" field a field', async () => {
    const docs = await aggregate('memberships', [
      { $match: { _id: 'm1' } },
      {
        $lookup: {
          from: 'organizations',
          localField: 'orgId',
          foreignField: '_id',
          as: '__proto__',
        },
      },
      { $project: { n: { $size: { $getField: '__proto__' } } } },
    ]);
    expect(docs).toEqual([{ _id: 'm1', n: 1 }]);
  });

  it('an oversized local array is joined like $in', async () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `o${i}`);
    await coll('big_local').insertOne({ _id: 1, refs: ids });
    const docs = await aggregate('big_local', [
      { $lookup: { from: 'organizations', localField: 'refs', foreignField: '_id', as: 'orgs' } },
      { $project: { orgs: '$orgs._id' } },
    ]);
    expect(docs).toEqual([{ _id: 1, orgs: ['o1', 'o2'] }]);
  });
});
