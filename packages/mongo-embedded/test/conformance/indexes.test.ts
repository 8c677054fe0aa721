import { Double, Long, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  bulkWriteFailure,
  indexNames,
  serverError,
  stagesNamed,
  useConformanceDb,
  waitUntil,
} from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/indexes/ (unique, sparse, partial, TTL,
// multikey), /reference/command/createIndexes/, /listIndexes/, /dropIndexes/ and /explain/.
const conformance = useConformanceDb('indexes');

function coll(name: string) {
  return conformance.coll(name);
}

describe('createIndexes and listIndexes', () => {
  it('names indexes after their keys and lists them with the _id index', async () => {
    const name = await coll('listing').createIndex({ a: 1, b: -1 });
    expect(name).toBe('a_1_b_-1');
    const indexes = (await coll('listing').listIndexes().toArray()) as Document[];
    expect(await indexNames(coll('listing'))).toEqual(['_id_', 'a_1_b_-1']);
    expect(indexes[0]).toMatchObject({ v: 2, key: { _id: 1 }, name: '_id_' });
    expect(indexes[1]).toMatchObject({ v: 2, key: { a: 1, b: -1 }, name: 'a_1_b_-1' });
  });

  it('lists unique, sparse, partial and TTL options as given', async () => {
    await coll('options').createIndex({ u: 1 }, { unique: true });
    await coll('options').createIndex({ s: 1 }, { sparse: true });
    await coll('options').createIndex(
      { p: 1 },
      { partialFilterExpression: { p: { $exists: true } }, name: 'partial_p' },
    );
    await coll('options').createIndex({ t: 1 }, { expireAfterSeconds: 3600 });
    const indexes = (await coll('options').listIndexes().toArray()) as Document[];
    const byName = new Map(indexes.map((index) => [String(index.name), index]));
    expect(byName.get('u_1')?.unique).toBe(true);
    expect(byName.get('s_1')?.sparse).toBe(true);
    expect(byName.get('partial_p')?.partialFilterExpression).toEqual({ p: { $exists: true } });
    expect(byName.get('t_1')?.expireAfterSeconds).toBe(3600);
  });

  it('creating an identical index again is a no-op', async () => {
    await coll('idempotent').createIndex({ a: 1 });
    const reply = await conformance.db.command({
      createIndexes: 'idempotent',
      indexes: [{ key: { a: 1 }, name: 'a_1' }],
    });
    expect(reply.ok).toBe(1);
    expect(reply.numIndexesBefore).toBe(2);
    expect(reply.numIndexesAfter).toBe(2);
    expect(await coll('idempotent').listIndexes().toArray()).toHaveLength(2);
  });

  it('createIndexes implicitly creates the collection and reports counts', async () => {
    const reply = await conformance.db.command({
      createIndexes: 'implicit',
      indexes: [{ key: { x: 1 }, name: 'x_1' }],
    });
    expect(reply.ok).toBe(1);
    expect(reply.createdCollectionAutomatically).toBe(true);
    expect(reply.numIndexesBefore).toBe(1);
    expect(reply.numIndexesAfter).toBe(2);
  });

  it('the same name with other keys fails with IndexKeySpecsConflict', async () => {
    await coll('name_conflict').createIndex({ a: 1 }, { name: 'shared' });
    const error = await serverError(
      coll('name_conflict').createIndex({ b: 1 }, { name: 'shared' }),
    );
    expect(error.code).toBe(86);
  });

  it('the same keys and name with other options fail with IndexOptionsConflict', async () => {
    await coll('option_conflict').createIndex({ a: 1 });
    const error = await serverError(
      coll('option_conflict').createIndex({ a: 1 }, { unique: true }),
    );
    expect(error.code).toBe(85);
  });
});

describe('dropIndexes', () => {
  it('drops by name, by key pattern and all but _id with *', async () => {
    await coll('drops').createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: 1 } }]);
    await coll('drops').dropIndex('a_1');
    await conformance.db.command({ dropIndexes: 'drops', index: { b: 1 } });
    expect(await indexNames(coll('drops'))).toEqual(['_id_', 'c_1']);
    await coll('drops').dropIndexes();
    expect(await indexNames(coll('drops'))).toEqual(['_id_']);
  });

  it('an unknown index name fails with IndexNotFound', async () => {
    await coll('drop_missing').insertOne({ a: 1 });
    const error = await serverError(coll('drop_missing').dropIndex('nope_1'));
    expect(error.code).toBe(27);
    expect(error.codeName).toBe('IndexNotFound');
  });

  it('the _id index cannot be dropped (InvalidOptions)', async () => {
    await coll('drop_id').insertOne({ a: 1 });
    const error = await serverError(coll('drop_id').dropIndex('_id_'));
    expect(error.code).toBe(72);
  });

  it('dropping indexes of a missing collection fails with NamespaceNotFound', async () => {
    const error = await serverError(
      conformance.db.command({ dropIndexes: 'never_created', index: '*' }),
    );
    expect(error.code).toBe(26);
    expect(error.codeName).toBe('NamespaceNotFound');
  });
});

describe('unique indexes', () => {
  it('a duplicate reports E11000 with the keyPattern and keyValue of the index', async () => {
    await coll('unique_email').createIndex({ email: 1 }, { unique: true });
    await coll('unique_email').insertOne({ email: 'a@x.io' });
    const error = await serverError(coll('unique_email').insertOne({ email: 'a@x.io' }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ email: 1 });
    expect(error.keyValue).toEqual({ email: 'a@x.io' });
    expect(error.message).toContain('email_1');
  });

  it('missing fields index as null, so a second document without the field is a duplicate', async () => {
    await coll('unique_missing').createIndex({ email: 1 }, { unique: true });
    await coll('unique_missing').insertOne({ name: 'first' });
    const error = await serverError(coll('unique_missing').insertOne({ name: 'second' }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ email: null });
    const explicitNull = await serverError(coll('unique_missing').insertOne({ email: null }));
    expect(explicitNull.code).toBe(11000);
  });

  it('compound unique indexes compare the whole key', async () => {
    await coll('unique_compound').createIndex({ org: 1, number: 1 }, { unique: true });
    await coll('unique_compound').insertMany([
      { org: 'a', number: 1 },
      { org: 'a', number: 2 },
      { org: 'b', number: 1 },
      { org: 'a' },
    ]);
    const error = await serverError(coll('unique_compound').insertOne({ org: 'a', number: 2 }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ org: 1, number: 1 });
    expect(error.keyValue).toEqual({ org: 'a', number: 2 });
    const missing = await serverError(coll('unique_compound').insertOne({ org: 'a', other: 1 }));
    expect(missing.keyValue).toEqual({ org: 'a', number: null });
  });

  it('unique indexes compare numbers by value across types', async () => {
    await coll('unique_numeric').createIndex({ n: 1 }, { unique: true });
    await coll('unique_numeric').insertOne({ n: 1 });
    const asDouble = await serverError(coll('unique_numeric').insertOne({ n: new Double(1) }));
    expect(asDouble.code).toBe(11000);
    const asLong = await serverError(coll('unique_numeric').insertOne({ n: Long.fromNumber(1) }));
    expect(asLong.code).toBe(11000);
  });

  it('a unique multikey index rejects another document sharing any element', async () => {
    await coll('unique_multikey').createIndex({ tags: 1 }, { unique: true });
    await coll('unique_multikey').insertOne({ tags: ['a', 'b'] });
    await coll('unique_multikey').insertOne({ tags: ['c', 'c'] });
    const error = await serverError(coll('unique_multikey').insertOne({ tags: ['x', 'b'] }));
    expect(error.code).toBe(11000);
  });

  it('an update that creates a duplicate fails and leaves the document unchanged', async () => {
    await coll('unique_update').createIndex({ code: 1 }, { unique: true });
    await coll('unique_update').insertMany([
      { _id: 1, code: 'a' },
      { _id: 2, code: 'b' },
    ]);
    const error = await serverError(
      coll('unique_update').updateOne({ _id: 2 }, { $set: { code: 'a' } }),
    );
    expect(error.code).toBe(11000);
    expect((await coll('unique_update').findOne({ _id: 2 }))?.code).toBe('b');
  });

  it('building a unique index over existing duplicates fails with DuplicateKey', async () => {
    await coll('unique_build').insertMany([{ k: 1 }, { k: 1 }]);
    const error = await serverError(coll('unique_build').createIndex({ k: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    expect(await indexNames(coll('unique_build'))).toEqual(['_id_']);
  });

  it('insertMany reports unique violations from secondary indexes with their index', async () => {
    await coll('unique_batch').createIndex({ k: 1 }, { unique: true });
    const failure = await bulkWriteFailure(
      coll('unique_batch').insertMany([{ k: 1 }, { k: 2 }, { k: 1 }, { k: 3 }, { k: 2 }], {
        ordered: false,
      }),
    );
    expect(failure.writeErrors).toEqual([
      { index: 2, code: 11000 },
      { index: 4, code: 11000 },
    ]);
    expect(await coll('unique_batch').countDocuments()).toBe(3);
  });
});

describe('sparse and partial indexes', () => {
  it('a sparse unique index allows many documents without the field', async () => {
    await coll('sparse_unique').createIndex({ email: 1 }, { unique: true, sparse: true });
    await coll('sparse_unique').insertMany([{ a: 1 }, { a: 2 }, { email: 'x' }]);
    const error = await serverError(coll('sparse_unique').insertOne({ email: 'x' }));
    expect(error.code).toBe(11000);
    expect(await coll('sparse_unique').countDocuments()).toBe(3);
  });

  it('hinting a sparse index returns only documents that have the field', async () => {
    await coll('sparse_hint').createIndex({ s: 1 }, { sparse: true });
    await coll('sparse_hint').insertMany([{ s: 1 }, { s: null }, { other: 1 }]);
    const docs = await coll('sparse_hint').find({}).hint({ s: 1 }).toArray();
    expect(docs).toHaveLength(2);
    expect(await coll('sparse_hint').countDocuments({})).toBe(3);
  });

  it('a partial unique index only constrains documents matching its filter', async () => {
    await coll('partial_unique').createIndex(
      { email: 1 },
      { unique: true, partialFilterExpression: { active: true } },
    );
    await coll('partial_unique').insertMany([
      { email: 'a', active: false },
      { email: 'a', active: false },
      { email: 'a', active: true },
    ]);
    const error = await serverError(coll('partial_unique').insertOne({ email: 'a', active: true }));
    expect(error.code).toBe(11000);
    expect(await coll('partial_unique').countDocuments({ email: 'a' })).toBe(3);
  });
});

describe('multikey indexes', () => {
  it('an index on an array field finds documents by any element', async () => {
    await coll('multikey').createIndex({ tags: 1 });
    await coll('multikey').insertMany([
      { _id: 1, tags: ['a', 'b'] },
      { _id: 2, tags: ['b', 'c'] },
      { _id: 3, tags: 'b' },
      { _id: 4, tags: [] },
    ]);
    const ids = (await coll('multikey').find({ tags: 'b' }).sort({ _id: 1 }).toArray()).map(
      (doc) => doc._id as unknown,
    );
    expect(ids).toEqual([1, 2, 3]);
    const ranged = await coll('multikey')
      .find({ tags: { $gte: 'c' } })
      .toArray();
    expect(ranged.map((doc) => doc._id as unknown)).toEqual([2]);
  });

  it('a compound index cannot hold two array fields of one document (CannotIndexParallelArrays)', async () => {
    await coll('parallel').createIndex({ a: 1, b: 1 });
    await coll('parallel').insertOne({ a: [1, 2], b: 1 });
    const error = await serverError(coll('parallel').insertOne({ a: [1, 2], b: [3, 4] }));
    expect(error.code).toBe(171);
  });
});

describe('TTL indexes', () => {
  it('removes expired documents in the background and keeps the rest', async () => {
    const ttl = coll('ttl');
    await ttl.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    const hourMs = 3_600_000;
    await ttl.insertMany([
      { _id: 'expired', expiresAt: new Date(Date.now() - hourMs) },
      {
        _id: 'expired-array',
        expiresAt: [new Date(Date.now() + hourMs), new Date(Date.now() - hourMs)],
      },
      { _id: 'future', expiresAt: new Date(Date.now() + hourMs) },
      { _id: 'not-a-date', expiresAt: 'yesterday' },
      { _id: 'missing' },
    ]);
    // MongoDB's TTL monitor runs every 60 seconds, so a real server may need up to a minute.
    const expired = await waitUntil(async () => (await ttl.countDocuments()) === 3, {
      timeoutMs: 75_000,
      intervalMs: 200,
    });
    expect(expired).toBe(true);
    const left = (await ttl.find().sort({ _id: 1 }).toArray()).map((doc) => doc._id as unknown);
    expect(left).toEqual(['future', 'missing', 'not-a-date']);
  }, 90_000);
});

describe('explain', () => {
  it('names the index used for an equality query on an indexed field', async () => {
    await coll('explained').createIndex({ customerId: 1 }, { name: 'by_customer' });
    await coll('explained').insertMany(
      Array.from({ length: 50 }, (_, index) => ({ customerId: index % 10, n: index })),
    );
    const explain = await coll('explained').find({ customerId: 3 }).explain('queryPlanner');
    const queryPlanner = explain.queryPlanner as Document;
    expect(queryPlanner.namespace).toBe(`${conformance.name}.explained`);
    const scans = stagesNamed(queryPlanner.winningPlan, 'IXSCAN');
    expect(scans.map((scan) => scan.indexName)).toContain('by_customer');
  });

  it('uses an index for a range on the indexed field', async () => {
    const explain = await coll('explained')
      .find({ customerId: { $gte: 2, $lt: 4 } })
      .explain('queryPlanner');
    const scans = stagesNamed((explain.queryPlanner as Document).winningPlan, 'IXSCAN');
    expect(scans.map((scan) => scan.indexName)).toContain('by_customer');
  });

  it('reports a collection scan when no index fits', async () => {
    const explain = await coll('explained').find({ n: 7 }).explain('queryPlanner');
    const winningPlan: unknown = (explain.queryPlanner as Document).winningPlan;
    expect(stagesNamed(winningPlan, 'IXSCAN')).toHaveLength(0);
    expect(stagesNamed(winningPlan, 'COLLSCAN').length).toBeGreaterThan(0);
  });

  it('the explain command with executionStats counts returned documents', async () => {
    const explain = await conformance.db.command({
      explain: { find: 'explained', filter: { customerId: 5 } },
      verbosity: 'executionStats',
    });
    const stats = explain.executionStats as Document;
    expect(stats.nReturned).toBe(5);
    expect(
      stagesNamed((explain.queryPlanner as Document).winningPlan, 'IXSCAN').length,
    ).toBeGreaterThan(0);
  });
});
