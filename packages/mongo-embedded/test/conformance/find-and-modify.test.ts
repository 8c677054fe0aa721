import { describe, expect, it } from 'vitest';
import { useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/command/findAndModify/ and the
// driver's findOneAndUpdate/findOneAndReplace/findOneAndDelete (returnDocument, includeResultMetadata).
const conformance = useConformanceDb('find_and_modify');

function coll(name: string) {
  return conformance.coll(name);
}

describe('findOneAndUpdate', () => {
  it("returns the document before the update by default (returnDocument: 'before')", async () => {
    await coll('before').insertOne({ _id: 1, n: 1 });
    const before = await coll('before').findOneAndUpdate({ _id: 1 }, { $inc: { n: 1 } });
    expect(before).toEqual({ _id: 1, n: 1 });
    expect(await coll('before').findOne({ _id: 1 })).toEqual({ _id: 1, n: 2 });
  });

  it("returns the updated document with returnDocument: 'after'", async () => {
    await coll('after').insertOne({ _id: 1, n: 1 });
    const after = await coll('after').findOneAndUpdate(
      { _id: 1 },
      { $inc: { n: 1 } },
      { returnDocument: 'after' },
    );
    expect(after).toEqual({ _id: 1, n: 2 });
  });

  it('returns null when nothing matches and no upsert is asked', async () => {
    expect(await coll('nomatch').findOneAndUpdate({ _id: 404 }, { $set: { a: 1 } })).toBeNull();
  });

  it("an upsert returns null with 'before' and the new document with 'after'", async () => {
    const before = await coll('upsert').findOneAndUpdate(
      { _id: 'b' },
      { $set: { v: 1 } },
      { upsert: true, returnDocument: 'before' },
    );
    expect(before).toBeNull();
    const after = await coll('upsert').findOneAndUpdate(
      { _id: 'a', kind: 'x' },
      { $set: { v: 2 }, $setOnInsert: { created: true } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(after).toEqual({ _id: 'a', kind: 'x', v: 2, created: true });
    expect(await coll('upsert').countDocuments()).toBe(2);
  });

  it('sort chooses which matching document is modified', async () => {
    await coll('sorted').insertMany([
      { _id: 1, g: 'x', rank: 3 },
      { _id: 2, g: 'x', rank: 1 },
      { _id: 3, g: 'x', rank: 2 },
    ]);
    const taken = await coll('sorted').findOneAndUpdate(
      { g: 'x', taken: { $exists: false } },
      { $set: { taken: true } },
      { sort: { rank: 1 }, returnDocument: 'after' },
    );
    expect(taken?._id).toBe(2);
    const next = await coll('sorted').findOneAndUpdate(
      { g: 'x', taken: { $exists: false } },
      { $set: { taken: true } },
      { sort: { rank: -1 } },
    );
    expect(next?._id).toBe(1);
  });

  it('projection limits the returned fields', async () => {
    await coll('projected').insertOne({ _id: 1, a: 1, b: 2 });
    const doc = await coll('projected').findOneAndUpdate(
      { _id: 1 },
      { $set: { a: 5 } },
      { projection: { a: 1, _id: 0 }, returnDocument: 'after' },
    );
    expect(doc).toEqual({ a: 5 });
  });

  it('includeResultMetadata exposes lastErrorObject', async () => {
    await coll('metadata').insertOne({ _id: 1, n: 1 });
    const updated = await coll('metadata').findOneAndUpdate(
      { _id: 1 },
      { $inc: { n: 1 } },
      { includeResultMetadata: true },
    );
    expect(updated.ok).toBe(1);
    expect(updated.value).toEqual({ _id: 1, n: 1 });
    expect(updated.lastErrorObject).toMatchObject({ n: 1, updatedExisting: true });

    const upserted = await coll('metadata').findOneAndUpdate(
      { _id: 2 },
      { $inc: { n: 1 } },
      { includeResultMetadata: true, upsert: true },
    );
    expect(upserted.value).toBeNull();
    expect(upserted.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false, upserted: 2 });
  });

  it('accepts a pipeline update', async () => {
    await coll('pipeline').insertOne({ _id: 1, a: 2, b: 3 });
    const doc = await coll('pipeline').findOneAndUpdate(
      { _id: 1 },
      [{ $set: { sum: { $add: ['$a', '$b'] } } }],
      { returnDocument: 'after' },
    );
    expect(doc).toEqual({ _id: 1, a: 2, b: 3, sum: 5 });
  });

  it('honours arrayFilters', async () => {
    await coll('array_filters').insertOne({ _id: 1, a: [1, 5, 9] });
    const doc = await coll('array_filters').findOneAndUpdate(
      { _id: 1 },
      { $set: { 'a.$[big]': 0 } },
      { arrayFilters: [{ big: { $gt: 4 } }], returnDocument: 'after' },
    );
    expect(doc?.a).toEqual([1, 0, 0]);
  });
});

describe('findOneAndReplace and findOneAndDelete', () => {
  it('findOneAndReplace returns the old or the new document', async () => {
    await coll('replace').insertOne({ _id: 1, a: 1 });
    expect(await coll('replace').findOneAndReplace({ _id: 1 }, { b: 2 })).toEqual({ _id: 1, a: 1 });
    expect(
      await coll('replace').findOneAndReplace({ _id: 1 }, { c: 3 }, { returnDocument: 'after' }),
    ).toEqual({ _id: 1, c: 3 });
  });

  it('findOneAndDelete returns the removed document, chosen by sort', async () => {
    await coll('delete').insertMany([
      { _id: 1, p: 5 },
      { _id: 2, p: 9 },
    ]);
    expect(await coll('delete').findOneAndDelete({}, { sort: { p: -1 } })).toEqual({
      _id: 2,
      p: 9,
    });
    expect(await coll('delete').countDocuments()).toBe(1);
    expect(await coll('delete').findOneAndDelete({ _id: 404 })).toBeNull();
  });

  it('the raw findAndModify command with remove, new and fields', async () => {
    await coll('raw').insertMany([
      { _id: 1, q: 1, x: 'a' },
      { _id: 2, q: 1, x: 'b' },
    ]);
    const updated = await conformance.db.command({
      findAndModify: 'raw',
      query: { q: 1 },
      sort: { _id: -1 },
      update: { $set: { x: 'z' } },
      new: true,
      fields: { x: 1 },
    });
    expect(updated.value).toEqual({ _id: 2, x: 'z' });
    expect(updated.lastErrorObject).toMatchObject({ n: 1, updatedExisting: true });
    const removed = await conformance.db.command({
      findAndModify: 'raw',
      query: { _id: 1 },
      remove: true,
    });
    expect(removed.value).toEqual({ _id: 1, q: 1, x: 'a' });
    expect(removed.lastErrorObject).toMatchObject({ n: 1 });
    expect(await coll('raw').countDocuments()).toBe(1);
  });
});
