/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- raw command replies are untyped BSON documents */
import { MongoBulkWriteError, MongoServerError, ObjectId, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerWithClient, type Doc } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;
let db: Db;

beforeAll(async () => {
  ctx = await startServerWithClient();
  db = ctx.client.db('crud');
});
afterAll(async () => {
  await ctx.close();
});

describe('insert and find', () => {
  it('round-trips documents with BSON types and generates ObjectId _ids', async () => {
    const coll = db.collection<Doc>('basic');
    const when = new Date('2024-01-02T03:04:05Z');
    const result = await coll.insertOne({ name: 'a', when, nested: { list: [1, 2] } });
    expect(result.insertedId).toBeInstanceOf(ObjectId);
    const found = await coll.findOne({ _id: result.insertedId });
    expect(found).toEqual({ _id: result.insertedId, name: 'a', when, nested: { list: [1, 2] } });
  });

  it('supports filter, projection, sort, skip and limit', async () => {
    const coll = db.collection<Doc>('query');
    await coll.insertMany([
      { _id: 1, n: 5, tag: 'x' },
      { _id: 2, n: 3, tag: 'y' },
      { _id: 3, n: 9, tag: 'x' },
      { _id: 4, n: 1, tag: 'x' },
    ]);
    const docs = await coll
      .find({ tag: 'x' }, { projection: { n: 1 }, sort: { n: -1 }, skip: 1, limit: 2 })
      .toArray();
    expect(docs).toEqual([
      { _id: 1, n: 5 },
      { _id: 4, n: 1 },
    ]);
    expect(await coll.countDocuments({ tag: 'x' })).toBe(3);
    expect(await coll.estimatedDocumentCount()).toBe(4);
    expect(await coll.distinct('tag')).toEqual(['x', 'y']);
  });

  it('creates the collection implicitly and lists it', async () => {
    await db.collection<Doc>('implicit').insertOne({ a: 1 });
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toContain('implicit');
    const dbs = await ctx.client.db('admin').admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).toContain('crud');
  });
});

describe('write errors', () => {
  it('reports a duplicate key with keyPattern and keyValue', async () => {
    const coll = db.collection<Doc>('dups');
    await coll.insertOne({ _id: 1 });
    const error = await coll.insertOne({ _id: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 1 } });
  });

  it('stops an ordered batch at the first error and continues an unordered one', async () => {
    const ordered = db.collection<Doc>('ordered');
    const error = (await ordered
      .insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }])
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.writeErrors).toHaveLength(1);
    expect(error.result.insertedCount).toBe(1);
    expect(await ordered.countDocuments()).toBe(1);

    const unordered = db.collection<Doc>('unordered');
    const error2 = (await unordered
      .insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }], { ordered: false })
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    const indexes = (
      Array.isArray(error2.writeErrors) ? error2.writeErrors : [error2.writeErrors]
    ).map((e) => e.index);
    expect(indexes).toEqual([1, 3]);
    expect(await unordered.countDocuments()).toBe(3);
  });

  it("refuses a document above 16 MB with BadValue, like MongoDB's insert path", async () => {
    const big = 'x'.repeat(16 * 1024 * 1024);
    const error = await db
      .collection<Doc>('big')
      .insertOne({ big })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 2,
      message: expect.stringMatching(/object to insert too large/) as unknown,
    });
  });

  it('enforces a $jsonSchema validator', async () => {
    await db.createCollection('validated', {
      validator: {
        $jsonSchema: {
          bsonType: 'object',
          required: ['name'],
          properties: { name: { bsonType: 'string' } },
        },
      },
    });
    await db.collection<Doc>('validated').insertOne({ name: 'ok' });
    const error = await db
      .collection<Doc>('validated')
      .insertOne({ name: 3 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 121 });
  });
});

describe('updates', () => {
  it('counts matched and modified, and upserts with query fields copied', async () => {
    const coll = db.collection<Doc>('updates');
    await coll.insertMany([
      { _id: 1, k: 'a', n: 1 },
      { _id: 2, k: 'a', n: 1 },
    ]);
    const many = await coll.updateMany({ k: 'a' }, { $inc: { n: 1 } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    const same = await coll.updateOne({ _id: 1 }, { $set: { n: 2 } });
    expect(same).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    const upsert = await coll.updateOne(
      { k: 'b', 'meta.source': 'test' },
      { $set: { n: 10 }, $setOnInsert: { created: true } },
      { upsert: true },
    );
    expect(upsert.upsertedCount).toBe(1);
    const inserted = await coll.findOne({ _id: upsert.upsertedId! });
    expect(inserted).toMatchObject({ k: 'b', meta: { source: 'test' }, n: 10, created: true });
  });

  it('supports positional, all-positional and filtered positional updates, and pipelines', async () => {
    const coll = db.collection<Doc>('arrays');
    await coll.insertOne({ _id: 1, grades: [80, 90, 95], items: [{ q: 1 }, { q: 5 }] });
    await coll.updateOne({ _id: 1, grades: 90 }, { $set: { 'grades.$': 91 } });
    await coll.updateOne({ _id: 1 }, { $inc: { 'items.$[].q': 1 } });
    await coll.updateOne(
      { _id: 1 },
      { $set: { 'items.$[big].flag': true } },
      { arrayFilters: [{ 'big.q': { $gt: 3 } }] },
    );
    await coll.updateOne({ _id: 1 }, [{ $set: { total: { $sum: '$grades' } } }]);
    expect(await coll.findOne({ _id: 1 })).toEqual({
      _id: 1,
      grades: [80, 91, 95],
      items: [{ q: 2 }, { q: 6, flag: true }],
      total: 266,
    });
  });

  it('replaces documents and refuses to change _id', async () => {
    const coll = db.collection<Doc>('replace');
    await coll.insertOne({ _id: 1, a: 1 });
    await coll.replaceOne({ _id: 1 }, { b: 2 });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, b: 2 });
    const error = await coll.updateOne({ _id: 1 }, { $set: { _id: 2 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 66 });
    const bad = await coll.updateOne({ _id: 1 }, { $nope: { a: 1 } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 9 });
  });

  it('findOneAndUpdate/Delete honour returnDocument, sort, projection and upsert', async () => {
    const coll = db.collection<Doc>('fam');
    await coll.insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
    ]);
    const before = await coll.findOneAndUpdate({}, { $inc: { n: 10 } }, { sort: { n: -1 } });
    expect(before).toEqual({ _id: 2, n: 2 });
    const after = await coll.findOneAndUpdate(
      { _id: 1 },
      { $inc: { n: 1 } },
      { returnDocument: 'after', projection: { _id: 0 } },
    );
    expect(after).toEqual({ n: 2 });
    const upserted = await coll.findOneAndUpdate(
      { _id: 3 },
      { $set: { n: 3 } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(upserted).toEqual({ _id: 3, n: 3 });
    const removed = await coll.findOneAndDelete({ n: { $gte: 3 } }, { sort: { n: 1 } });
    expect(removed).toEqual({ _id: 3, n: 3 });
    expect(await coll.findOneAndDelete({ _id: 99 })).toBeNull();
  });

  it('deletes one or many', async () => {
    const coll = db.collection<Doc>('deletes');
    await coll.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await coll.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await coll.deleteMany({ k: 1 })).deletedCount).toBe(2);
    expect(await coll.countDocuments()).toBe(1);
  });
});

describe('aggregation', () => {
  it('runs $match/$group/$sort and $lookup across collections', async () => {
    const customers = db.collection<Doc>('customers');
    const orders = db.collection<Doc>('orders');
    const alice = new ObjectId();
    const bob = new ObjectId();
    await customers.insertMany([
      { _id: alice, name: 'alice' },
      { _id: bob, name: 'bob' },
    ]);
    await orders.insertMany([
      { customer: alice, total: 10 },
      { customer: alice, total: 5 },
      { customer: bob, total: 7 },
    ]);
    const totals = await orders
      .aggregate([
        { $match: { total: { $gt: 1 } } },
        { $group: { _id: '$customer', sum: { $sum: '$total' } } },
        { $lookup: { from: 'customers', localField: '_id', foreignField: '_id', as: 'who' } },
        { $project: { _id: 0, name: { $first: '$who.name' }, sum: 1 } },
        { $sort: { sum: -1 } },
      ])
      .toArray();
    expect(totals).toEqual([
      { sum: 15, name: 'alice' },
      { sum: 7, name: 'bob' },
    ]);
    const [facets] = await orders
      .aggregate([
        {
          $facet: {
            count: [{ $count: 'n' }],
            max: [{ $group: { _id: null, m: { $max: '$total' } } }],
          },
        },
      ])
      .toArray();
    expect(facets).toEqual({ count: [{ n: 3 }], max: [{ _id: null, m: 10 }] });
  });

  it('emits _id first from $group and $project, like MongoDB', async () => {
    const coll = db.collection<Doc>('id_order');
    await coll.insertMany([
      { _id: 1, k: 'a', v: 1 },
      { _id: 2, k: 'a', v: 2 },
    ]);
    const [grouped] = await coll
      .aggregate([{ $group: { _id: '$k', total: { $sum: '$v' } } }])
      .toArray();
    expect(Object.keys(grouped!)).toEqual(['_id', 'total']);
    const [projected] = await coll
      .aggregate([{ $project: { doubled: { $multiply: ['$v', 2] } } }])
      .toArray();
    expect(Object.keys(projected!)).toEqual(['_id', 'doubled']);
    const [counted] = await coll.aggregate([{ $match: { k: 'zzz' } }, { $count: 'n' }]).toArray();
    expect(counted).toBeUndefined();
  });

  it('writes results with $out and $merge', async () => {
    const source = db.collection<Doc>('agg_source');
    await source.insertMany([
      { _id: 1, k: 'a' },
      { _id: 2, k: 'b' },
    ]);
    await source.aggregate([{ $match: { k: 'a' } }, { $out: 'agg_out' }]).toArray();
    expect(await db.collection<Doc>('agg_out').find().toArray()).toEqual([{ _id: 1, k: 'a' }]);
    await source.aggregate([{ $set: { seen: true } }, { $merge: { into: 'agg_out' } }]).toArray();
    expect(await db.collection<Doc>('agg_out').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, k: 'a', seen: true },
      { _id: 2, k: 'b', seen: true },
    ]);
  });
});

describe('catalog and indexes', () => {
  it('creates, lists, uses and drops indexes', async () => {
    const coll = db.collection<Doc>('indexed');
    await coll.insertMany(
      Array.from({ length: 50 }, (_, i) => ({ _id: i, email: `u${i}@x`, n: i % 5 })),
    );
    expect(await coll.createIndex({ email: 1 }, { unique: true })).toBe('email_1');
    const names = (await coll.listIndexes().toArray()).map((i) => i.name);
    expect(names).toEqual(['_id_', 'email_1']);
    const plan = await coll.find({ email: 'u7@x' }).explain();
    expect(JSON.stringify(plan.queryPlanner.winningPlan)).toContain('email_1');
    const dup = await coll.insertOne({ email: 'u7@x' }).catch((e: unknown) => e);
    expect(dup).toMatchObject({
      code: 11000,
      keyPattern: { email: 1 },
      keyValue: { email: 'u7@x' },
    });
    await coll.dropIndex('email_1');
    expect((await coll.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });

  it('renames and drops collections and databases', async () => {
    const other = ctx.client.db('catalog_ops');
    await other.collection<Doc>('from').insertOne({ a: 1 });
    await other.collection<Doc>('from').rename('to');
    expect(await other.collection<Doc>('to').countDocuments()).toBe(1);
    const error = await other
      .collection<Doc>('missing')
      .rename('x')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 26 });
    expect(await other.collection<Doc>('to').drop()).toBe(true);
    await other.collection<Doc>('again').insertOne({});
    expect(await other.dropDatabase()).toBe(true);
    const dbs = await ctx.client.db('admin').admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).not.toContain('catalog_ops');
  });

  it('serves the $collStats and $indexStats sources tools use', async () => {
    await db.collection<Doc>('stats_stage').insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    const [stats] = await db
      .collection<Doc>('stats_stage')
      .aggregate([{ $collStats: { storageStats: {}, count: {} } }])
      .toArray();
    expect(stats).toMatchObject({
      ns: 'crud.stats_stage',
      count: 3,
      storageStats: { count: 3, nindexes: 1 },
    });
    const indexes = await db
      .collection<Doc>('stats_stage')
      .aggregate([{ $indexStats: {} }, { $project: { name: 1 } }])
      .toArray();
    expect(indexes.map((i) => i.name)).toEqual(['_id_']);
  });

  it('runs database-level pipelines over $documents and $currentOp', async () => {
    const docs = await db
      .aggregate([{ $documents: [{ x: 1 }, { x: 2 }] }, { $match: { x: 2 } }])
      .toArray();
    expect(docs).toEqual([{ x: 2 }]);
    const ops = await ctx.client
      .db('admin')
      .aggregate([{ $currentOp: {} }])
      .toArray();
    expect(ops).toEqual([]);
  });

  it('reports dbStats and collStats', async () => {
    await db.collection<Doc>('stats').insertMany([{ a: 1 }, { a: 2 }]);
    const dbStats = await db.command({ dbStats: 1 });
    expect(dbStats.collections).toBeGreaterThan(0);
    const collStats = await db.command({ collStats: 'stats' });
    expect(collStats).toMatchObject({ ns: 'crud.stats', count: 2, nindexes: 1 });
  });
});
