import { Long, ObjectId, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  bulkWriteFailure,
  indexNames,
  serverError,
  useConformanceDb,
  waitUntil,
} from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/command/insert/ and /delete/.
const conformance = useConformanceDb('insert_delete');

describe('insert', () => {
  it('insertOne generates an ObjectId _id when none is given', async () => {
    const coll = conformance.coll('generated_id');
    const result = await coll.insertOne({ a: 1 });
    expect(result.acknowledged).toBe(true);
    expect(result.insertedId).toBeInstanceOf(ObjectId);
    expect(await coll.findOne({ _id: result.insertedId })).toEqual({
      _id: result.insertedId,
      a: 1,
    });
  });

  it('keeps _id values of any non-array type', async () => {
    const coll = conformance.coll('custom_ids');
    await coll.insertMany([{ _id: 'text' }, { _id: 42 }, { _id: { a: 1, b: 2 } }]);
    expect(await coll.countDocuments({ _id: 'text' })).toBe(1);
    expect(await coll.countDocuments({ _id: 42 })).toBe(1);
    expect(await coll.countDocuments({ _id: { a: 1, b: 2 } })).toBe(1);
    // Embedded-document equality is field-order sensitive.
    expect(await coll.countDocuments({ _id: { b: 2, a: 1 } })).toBe(0);
  });

  it('keeps int64 values int64 through find, an update of another field and a filter', async () => {
    const coll = conformance.coll('long_values');
    const big = Long.fromString('1099511627776');
    await coll.insertOne({ _id: 1, big, small: Long.fromNumber(5), n: 1 });
    await coll.updateOne({ _id: 1 }, { $set: { n: 2 } });
    const raw = await coll.findOne({ big: { $gt: 1_000_000 } }, { promoteLongs: false });
    expect(raw?.big).toBeInstanceOf(Long);
    expect(String(raw?.big)).toBe('1099511627776');
    expect(raw?.small).toBeInstanceOf(Long);
    expect(raw?.n).toBe(2);
    expect(await coll.countDocuments({ small: { $type: 'long' } })).toBe(1);
  });

  it('rejects an array _id with BadValue', async () => {
    const error = await serverError(conformance.coll('array_id').insertOne({ _id: [1, 2] }));
    expect(error.code).toBe(2);
  });

  it('reports a duplicate _id as E11000 with keyPattern and keyValue', async () => {
    const coll = conformance.coll('dup_id');
    await coll.insertOne({ _id: 'x', v: 1 });
    const error = await serverError(coll.insertOne({ _id: 'x', v: 2 }));
    expect(error.code).toBe(11000);
    expect(error.message).toContain('E11000 duplicate key error');
    expect(error.keyPattern).toEqual({ _id: 1 });
    expect(error.keyValue).toEqual({ _id: 'x' });
    expect(await coll.findOne({ _id: 'x' })).toEqual({ _id: 'x', v: 1 });
  });

  it('ordered insertMany stops at the first error and reports its index', async () => {
    const coll = conformance.coll('ordered_batch');
    const failure = await bulkWriteFailure(
      coll.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 1 }, { _id: 3 }], { ordered: true }),
    );
    expect(failure.code).toBe(11000);
    expect(failure.insertedCount).toBe(2);
    expect(failure.writeErrors).toEqual([{ index: 2, code: 11000 }]);
    const ids = (await coll.find().sort({ _id: 1 }).toArray()).map((doc) => doc._id as unknown);
    expect(ids).toEqual([1, 2]);
  });

  it('unordered insertMany inserts every valid document and reports each failing index', async () => {
    const coll = conformance.coll('unordered_batch');
    await coll.insertOne({ _id: 10 });
    const failure = await bulkWriteFailure(
      coll.insertMany([{ _id: 1 }, { _id: 10 }, { _id: 2 }, { _id: 1 }, { _id: 3 }], {
        ordered: false,
      }),
    );
    expect(failure.insertedCount).toBe(3);
    expect(failure.writeErrors).toEqual([
      { index: 1, code: 11000 },
      { index: 3, code: 11000 },
    ]);
    expect(await coll.countDocuments()).toBe(4);
  });

  it('an empty insert batch fails with InvalidLength', async () => {
    const error = await serverError(
      conformance.db.command({ insert: 'empty_batch', documents: [] }),
    );
    expect(error.code).toBe(16);
  });

  it('the raw insert reply carries n and writeErrors with keyPattern/keyValue', async () => {
    const reply = await conformance.db.command({
      insert: 'raw_insert',
      documents: [{ _id: 1 }, { _id: 1 }, { _id: 2 }],
      ordered: false,
    });
    expect(reply.ok).toBe(1);
    expect(reply.n).toBe(2);
    const writeErrors = reply.writeErrors as Document[];
    expect(writeErrors).toHaveLength(1);
    expect(writeErrors[0]).toMatchObject({
      index: 1,
      code: 11000,
      keyPattern: { _id: 1 },
      keyValue: { _id: 1 },
    });
    expect(String(writeErrors[0]?.errmsg)).toContain('E11000');
  });

  it('rejects a document larger than 16 MB (BadValue: object to insert too large)', async () => {
    const big = 'x'.repeat(16 * 1024 * 1024 + 512);
    const reply = await conformance.db.command({
      insert: 'too_large',
      documents: [{ _id: 1, big: big.slice(0, 16 * 1024 * 1024 - 64) }],
    });
    // A document just under the limit is fine...
    expect(reply.n).toBe(1);
    // ...one just over it is refused per document, not by killing the connection.
    const error = await serverError(conformance.coll('too_large').insertOne({ _id: 2, big }));
    expect(error.code).toBe(2);
    expect(error.message).toContain('object to insert too large');
    expect(await conformance.coll('too_large').countDocuments()).toBe(1);
  });
});

describe('unacknowledged and bulk writes', () => {
  it('an unacknowledged (w: 0) insert is applied without a reply', async () => {
    const coll = conformance.coll('unacknowledged');
    const result = await coll.insertOne({ _id: 'fire-and-forget' }, { writeConcern: { w: 0 } });
    expect(result.acknowledged).toBe(false);
    // No reply means no ordering guarantee with the next command: poll, bounded.
    const applied = await waitUntil(async () => (await coll.countDocuments()) === 1, {
      timeoutMs: 5_000,
    });
    expect(applied).toBe(true);
  });

  it('bulkWrite mixes inserts, updates, replaces and deletes and counts each', async () => {
    const coll = conformance.coll('bulk_mixed');
    await coll.insertMany([
      { _id: 1, n: 1 },
      { _id: 2, n: 2 },
    ]);
    const result = await coll.bulkWrite([
      { insertOne: { document: { _id: 3, n: 3 } } },
      { updateOne: { filter: { _id: 1 }, update: { $inc: { n: 10 } } } },
      { updateMany: { filter: { n: { $gte: 2 } }, update: { $set: { big: true } } } },
      { replaceOne: { filter: { _id: 2 }, replacement: { n: 20 } } },
      { updateOne: { filter: { _id: 9 }, update: { $set: { n: 9 } }, upsert: true } },
      { deleteOne: { filter: { _id: 3 } } },
    ]);
    expect(result.insertedCount).toBe(1);
    expect(result.matchedCount).toBe(5);
    expect(result.modifiedCount).toBe(5);
    expect(result.upsertedCount).toBe(1);
    expect(result.deletedCount).toBe(1);
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 11, big: true },
      { _id: 2, n: 20 },
      { _id: 9, n: 9 },
    ]);
  });
});

describe('delete', () => {
  it('deleteOne removes a single matching document', async () => {
    const coll = conformance.coll('delete_one');
    await coll.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    const result = await coll.deleteOne({ k: 1 });
    expect(result.deletedCount).toBe(1);
    expect(await coll.countDocuments({ k: 1 })).toBe(1);
  });

  it('deleteMany removes every match and reports the count', async () => {
    const coll = conformance.coll('delete_many');
    await coll.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }, { k: 3 }]);
    const result = await coll.deleteMany({ k: { $lte: 2 } });
    expect(result.deletedCount).toBe(3);
    expect(await coll.countDocuments()).toBe(1);
  });

  it('deleting with no match reports zero', async () => {
    const coll = conformance.coll('delete_none');
    await coll.insertOne({ k: 1 });
    expect((await coll.deleteMany({ k: 99 })).deletedCount).toBe(0);
  });

  it('the raw delete command honours limit 0 (all) and 1 (one) per statement', async () => {
    const coll = conformance.coll('raw_delete');
    await coll.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }, { k: 2 }]);
    const reply = await conformance.db.command({
      delete: 'raw_delete',
      deletes: [
        { q: { k: 1 }, limit: 1 },
        { q: { k: 2 }, limit: 0 },
      ],
    });
    expect(reply.ok).toBe(1);
    expect(reply.n).toBe(3);
    expect(await coll.countDocuments()).toBe(2);
  });

  it('deleteMany({}) empties the collection but keeps it and its indexes', async () => {
    const coll = conformance.coll('delete_all');
    await coll.createIndex({ k: 1 });
    await coll.insertMany([{ k: 1 }, { k: 2 }]);
    expect((await coll.deleteMany({})).deletedCount).toBe(2);
    const names = (await conformance.db.listCollections({}, { nameOnly: true }).toArray()).map(
      (info) => info.name,
    );
    expect(names).toContain('delete_all');
    expect(await indexNames(coll)).toContain('k_1');
  });
});
