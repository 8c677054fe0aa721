import { type Document, type UpdateFilter } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useConformanceDb, type AnyDoc } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/command/update/,
// /reference/operator/update/ and /reference/method/db.collection.updateOne/#upsert.
const conformance = useConformanceDb('update');

function coll(name: string) {
  return conformance.coll(name);
}

/**
 * The driver types array operators only for declared array fields; these collections are
 * schemaless, so such updates go through untyped.
 */
function untyped(update: Document): UpdateFilter<AnyDoc> {
  return update;
}

describe('field update operators', () => {
  it('$set creates embedded documents along a dotted path', async () => {
    await coll('set_path').insertOne({ _id: 1 });
    const result = await coll('set_path').updateOne({ _id: 1 }, { $set: { 'a.b.c': 5, x: 1 } });
    expect(result.matchedCount).toBe(1);
    expect(result.modifiedCount).toBe(1);
    expect(await coll('set_path').findOne({ _id: 1 })).toEqual({
      _id: 1,
      a: { b: { c: 5 } },
      x: 1,
    });
  });

  it('a $set to the current value matches but does not modify', async () => {
    await coll('noop').insertOne({ _id: 1, a: 1 });
    const result = await coll('noop').updateOne({ _id: 1 }, { $set: { a: 1 } });
    expect(result.matchedCount).toBe(1);
    expect(result.modifiedCount).toBe(0);
  });

  it('$unset, $inc, $mul, $min, $max and $rename', async () => {
    await coll('ops').insertOne({ _id: 1, gone: true, n: 2, m: 3, lo: 5, hi: 5, old: 'v' });
    await coll('ops').updateOne(
      { _id: 1 },
      {
        $unset: { gone: '' },
        $inc: { n: 3, fresh: 1 },
        $mul: { m: 2, absent: 4 },
        $min: { lo: 2 },
        $max: { hi: 9 },
        $rename: { old: 'renamed' },
      },
    );
    expect(await coll('ops').findOne({ _id: 1 })).toEqual({
      _id: 1,
      n: 5,
      m: 6,
      lo: 2,
      hi: 9,
      fresh: 1,
      absent: 0,
      renamed: 'v',
    });
  });

  it('updateMany updates every match and counts them', async () => {
    await coll('many').insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    const result = await coll('many').updateMany({ k: 1 }, { $set: { seen: true } });
    expect(result.matchedCount).toBe(2);
    expect(result.modifiedCount).toBe(2);
    expect(await coll('many').countDocuments({ seen: true })).toBe(2);
  });

  it('$inc on a non-numeric field fails with TypeMismatch', async () => {
    await coll('inc_bad').insertOne({ _id: 1, s: 'text' });
    const error = await serverError(coll('inc_bad').updateOne({ _id: 1 }, { $inc: { s: 1 } }));
    expect(error.code).toBe(14);
  });

  it('changing _id fails with ImmutableField', async () => {
    await coll('immutable').insertOne({ _id: 1 });
    const error = await serverError(coll('immutable').updateOne({ _id: 1 }, { $set: { _id: 2 } }));
    expect(error.code).toBe(66);
  });

  it('two operators on the same path fail with ConflictingUpdateOperators', async () => {
    await coll('conflict').insertOne({ _id: 1, a: 1 });
    const error = await serverError(
      coll('conflict').updateOne({ _id: 1 }, { $set: { a: 2 }, $inc: { a: 1 } }),
    );
    expect(error.code).toBe(40);
  });

  it('an unknown update operator fails with FailedToParse', async () => {
    await coll('unknown_op').insertOne({ _id: 1 });
    const reply = await conformance.db.command({
      update: 'unknown_op',
      updates: [{ q: { _id: 1 }, u: { $bogus: { a: 1 } } }],
    });
    const writeErrors = reply.writeErrors as Document[];
    expect(writeErrors[0]?.code).toBe(9);
  });

  it('a modifier whose argument is not a document fails with FailedToParse', async () => {
    await coll('bad_modifier').insertOne({ _id: 1 });
    const reply = await conformance.db.command({
      update: 'bad_modifier',
      updates: [{ q: { _id: 1 }, u: { $set: 'x' } }],
    });
    const writeErrors = reply.writeErrors as Document[];
    expect(writeErrors[0]?.code).toBe(9);
    expect(writeErrors[0]?.index).toBe(0);
  });

  it('a document grown beyond 16 MB by an update is refused', async () => {
    const half = 'x'.repeat(9 * 1024 * 1024);
    await coll('grow').insertOne({ _id: 1, a: half });
    const error = await serverError(coll('grow').updateOne({ _id: 1 }, { $set: { b: half } }));
    // 17419 in MongoDB 7.0 ("Resulting document after update is larger than 16777216"),
    // BSONObjectTooLarge (10334) in later releases; either way the document is unchanged.
    expect([17419, 10334]).toContain(error.code);
    expect(error.message).toContain('Resulting document after update is larger than');
    expect(await coll('grow').countDocuments({ b: { $exists: true } })).toBe(0);
  });
});

describe('paths and numeric types in updates', () => {
  it('$set past the end of an array pads it with nulls', async () => {
    await coll('pad').insertOne({ _id: 1, a: [1] });
    await coll('pad').updateOne({ _id: 1 }, { $set: { 'a.3': 4 } });
    expect((await coll('pad').findOne({ _id: 1 }))?.a).toEqual([1, null, null, 4]);
  });

  it('$set through a scalar fails with PathNotViable', async () => {
    await coll('not_viable').insertOne({ _id: 1, a: 1 });
    const error = await serverError(
      coll('not_viable').updateOne({ _id: 1 }, { $set: { 'a.b': 2 } }),
    );
    expect(error.code).toBe(28);
  });

  it('$inc keeps an int an int and $mul by a double makes a double', async () => {
    await coll('numeric_types').insertOne({ _id: 1, i: 1, m: 3 });
    await coll('numeric_types').updateOne({ _id: 1 }, { $inc: { i: 2 }, $mul: { m: 1.5 } });
    expect(await coll('numeric_types').countDocuments({ i: { $type: 'int' } })).toBe(1);
    expect(await coll('numeric_types').countDocuments({ m: { $type: 'double' } })).toBe(1);
    expect(await coll('numeric_types').findOne({ _id: 1 })).toEqual({ _id: 1, i: 3, m: 4.5 });
  });

  it('$min and $max compare across types in BSON order', async () => {
    await coll('min_max_types').insertOne({ _id: 1, lo: 5, hi: 5 });
    await coll('min_max_types').updateOne({ _id: 1 }, { $min: { lo: null }, $max: { hi: 'text' } });
    expect(await coll('min_max_types').findOne({ _id: 1 })).toEqual({
      _id: 1,
      lo: null,
      hi: 'text',
    });
  });

  it('$currentDate sets a date', async () => {
    await coll('current_date').insertOne({ _id: 1 });
    await coll('current_date').updateOne({ _id: 1 }, { $currentDate: { at: true } });
    const doc = await coll('current_date').findOne({ _id: 1 });
    expect(doc?.at).toBeInstanceOf(Date);
  });

  it('a replacement that changes _id fails with ImmutableField', async () => {
    await coll('replace_id').insertOne({ _id: 1, a: 1 });
    const error = await serverError(coll('replace_id').replaceOne({ _id: 1 }, { _id: 2, a: 2 }));
    expect(error.code).toBe(66);
  });

  it('an empty update batch fails with InvalidLength', async () => {
    const error = await serverError(conformance.db.command({ update: 'empty_batch', updates: [] }));
    expect(error.code).toBe(16);
  });
});

describe('array update operators', () => {
  it('$push with $each, $sort and $slice', async () => {
    await coll('push').insertOne({ _id: 1, s: [5, 1] });
    await coll('push').updateOne(
      { _id: 1 },
      untyped({ $push: { s: { $each: [9, 3, 7], $sort: -1, $slice: 3 } } }),
    );
    expect(await coll('push').findOne({ _id: 1 })).toEqual({ _id: 1, s: [9, 7, 5] });
  });

  it('$push with $position inserts at an index', async () => {
    await coll('position').insertOne({ _id: 1, s: ['a', 'd'] });
    await coll('position').updateOne(
      { _id: 1 },
      untyped({ $push: { s: { $each: ['b', 'c'], $position: 1 } } }),
    );
    expect((await coll('position').findOne({ _id: 1 }))?.s).toEqual(['a', 'b', 'c', 'd']);
  });

  it('$push on a non-array field fails with BadValue', async () => {
    await coll('push_bad').insertOne({ _id: 1, s: 'text' });
    const error = await serverError(
      coll('push_bad').updateOne({ _id: 1 }, untyped({ $push: { s: 1 } })),
    );
    expect(error.code).toBe(2);
  });

  it('$addToSet adds only absent values', async () => {
    await coll('add_to_set').insertOne({ _id: 1, s: ['a', 'b'] });
    await coll('add_to_set').updateOne(
      { _id: 1 },
      untyped({ $addToSet: { s: { $each: ['b', 'c', 'c'] } } }),
    );
    expect((await coll('add_to_set').findOne({ _id: 1 }))?.s).toEqual(['a', 'b', 'c']);
  });

  it('$pull with a condition, $pullAll and $pop', async () => {
    await coll('pull').insertOne({ _id: 1, a: [1, 5, 8, 12], b: ['x', 'y', 'x'], c: [1, 2, 3] });
    await coll('pull').updateOne(
      { _id: 1 },
      untyped({ $pull: { a: { $gte: 8 } }, $pullAll: { b: ['x'] }, $pop: { c: -1 } }),
    );
    expect(await coll('pull').findOne({ _id: 1 })).toEqual({
      _id: 1,
      a: [1, 5],
      b: ['y'],
      c: [2, 3],
    });
  });

  it('$pull with a document condition removes matching embedded documents', async () => {
    await coll('pull_docs').insertOne({
      _id: 1,
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 0 },
      ],
    });
    await coll('pull_docs').updateOne({ _id: 1 }, untyped({ $pull: { items: { qty: 0 } } }));
    expect((await coll('pull_docs').findOne({ _id: 1 }))?.items).toEqual([{ sku: 'a', qty: 1 }]);
  });

  it('the positional $ updates the first element matched by the query', async () => {
    await coll('positional').insertOne({ _id: 1, grades: [85, 80, 80] });
    await coll('positional').updateOne({ _id: 1, grades: 80 }, { $set: { 'grades.$': 82 } });
    expect((await coll('positional').findOne({ _id: 1 }))?.grades).toEqual([85, 82, 80]);
  });

  it('the positional $ works inside arrays of documents', async () => {
    await coll('positional_docs').insertOne({
      _id: 1,
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
    });
    await coll('positional_docs').updateOne({ 'items.sku': 'b' }, { $inc: { 'items.$.qty': 10 } });
    expect((await coll('positional_docs').findOne({ _id: 1 }))?.items).toEqual([
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 12 },
    ]);
  });

  it('the positional $ without a matching array in the query fails with BadValue', async () => {
    await coll('positional_bad').insertOne({ _id: 1, grades: [1, 2] });
    const error = await serverError(
      coll('positional_bad').updateOne({ _id: 1 }, { $set: { 'grades.$': 0 } }),
    );
    expect(error.code).toBe(2);
  });

  it('$[] updates every element', async () => {
    await coll('all_positional').insertOne({ _id: 1, grades: [1, 2, 3] });
    await coll('all_positional').updateOne({ _id: 1 }, { $inc: { 'grades.$[]': 10 } });
    expect((await coll('all_positional').findOne({ _id: 1 }))?.grades).toEqual([11, 12, 13]);
  });

  it('arrayFilters select the elements an identifier updates', async () => {
    await coll('array_filters').insertOne({
      _id: 1,
      grades: [95, 102, 90, 150],
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 7 },
      ],
    });
    await coll('array_filters').updateOne(
      { _id: 1 },
      { $set: { 'grades.$[big]': 100, 'items.$[low].qty': 0 } },
      { arrayFilters: [{ big: { $gte: 100 } }, { 'low.qty': { $lt: 5 } }] },
    );
    const doc = await coll('array_filters').findOne({ _id: 1 });
    expect(doc?.grades).toEqual([95, 100, 90, 100]);
    expect(doc?.items).toEqual([
      { sku: 'a', qty: 0 },
      { sku: 'b', qty: 7 },
    ]);
  });

  it('an array filter identifier without a use fails with FailedToParse', async () => {
    await coll('array_filters_bad').insertOne({ _id: 1, a: [1] });
    const error = await serverError(
      coll('array_filters_bad').updateOne(
        { _id: 1 },
        { $set: { 'a.$[x]': 2 } },
        { arrayFilters: [{ x: 1 }, { unused: 1 }] },
      ),
    );
    expect(error.code).toBe(9);
  });
});

describe('pipeline updates', () => {
  it('an aggregation pipeline computes new fields from existing ones', async () => {
    await coll('pipeline').insertMany([
      { _id: 1, a: 2, b: 3, drop: true },
      { _id: 2, a: 10, b: 5, drop: true },
    ]);
    const result = await coll('pipeline').updateMany({}, [
      { $set: { total: { $add: ['$a', '$b'] } } },
      { $unset: 'drop' },
    ]);
    expect(result.modifiedCount).toBe(2);
    expect(await coll('pipeline').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, a: 2, b: 3, total: 5 },
      { _id: 2, a: 10, b: 5, total: 15 },
    ]);
  });

  it('a pipeline update applies conditional logic per document', async () => {
    await coll('pipeline_cond').insertMany([
      { _id: 1, score: 40 },
      { _id: 2, score: 90 },
    ]);
    await coll('pipeline_cond').updateMany({}, [
      { $set: { grade: { $cond: [{ $gte: ['$score', 50] }, 'pass', 'fail'] } } },
    ]);
    const docs = await coll('pipeline_cond').find().sort({ _id: 1 }).toArray();
    expect(docs.map((doc) => doc.grade as unknown)).toEqual(['fail', 'pass']);
  });
});

describe('upsert', () => {
  it('copies equality fields of the filter into the inserted document', async () => {
    const result = await coll('upsert_copy').updateOne(
      { _id: 7, kind: 'a', 'meta.owner': 'x', n: { $gt: 1 } },
      { $set: { v: 1 } },
      { upsert: true },
    );
    expect(result.upsertedCount).toBe(1);
    expect(result.upsertedId).toBe(7);
    expect(result.matchedCount).toBe(0);
    expect(await coll('upsert_copy').findOne({ _id: 7 })).toEqual({
      _id: 7,
      kind: 'a',
      meta: { owner: 'x' },
      v: 1,
    });
  });

  it('copies equality fields from $and clauses', async () => {
    await coll('upsert_and').updateOne(
      { $and: [{ a: 1 }, { b: 'two' }] },
      { $inc: { n: 1 } },
      { upsert: true },
    );
    const doc = await coll('upsert_and').findOne({}, { projection: { _id: 0 } });
    expect(doc).toEqual({ a: 1, b: 'two', n: 1 });
  });

  it('applies the update on top of the copied equality fields', async () => {
    await coll('upsert_inc').updateOne({ key: 'k', n: 1 }, { $inc: { n: 1 } }, { upsert: true });
    const doc = await coll('upsert_inc').findOne({}, { projection: { _id: 0 } });
    expect(doc).toEqual({ key: 'k', n: 2 });
  });

  it('copies nothing from $or clauses', async () => {
    await coll('upsert_or').updateOne(
      { $or: [{ a: 1 }, { b: 2 }] },
      { $set: { c: 3 } },
      { upsert: true },
    );
    const doc = await coll('upsert_or').findOne({}, { projection: { _id: 0 } });
    expect(doc).toEqual({ c: 3 });
  });

  it('$setOnInsert applies only when the upsert inserts', async () => {
    const update = { $set: { seen: 1 }, $setOnInsert: { created: 'first' } };
    await coll('set_on_insert').updateOne({ key: 'k' }, update, { upsert: true });
    await coll('set_on_insert').updateOne(
      { key: 'k' },
      { $set: { seen: 2 }, $setOnInsert: { created: 'second' } },
      { upsert: true },
    );
    const docs = await coll('set_on_insert')
      .find({}, { projection: { _id: 0 } })
      .toArray();
    expect(docs).toEqual([{ key: 'k', seen: 2, created: 'first' }]);
  });

  it('an upsert that matches updates instead of inserting', async () => {
    await coll('upsert_match').insertOne({ _id: 1, key: 'k', n: 1 });
    const result = await coll('upsert_match').updateOne(
      { key: 'k' },
      { $inc: { n: 1 } },
      { upsert: true },
    );
    expect(result.upsertedCount).toBe(0);
    expect(result.upsertedId).toBeNull();
    expect(result.modifiedCount).toBe(1);
    expect(await coll('upsert_match').countDocuments()).toBe(1);
  });

  it('a replacement upsert takes _id from the filter but no other field', async () => {
    await coll('upsert_replace').replaceOne({ _id: 3, key: 'k' }, { v: 1 }, { upsert: true });
    expect(await coll('upsert_replace').findOne({ _id: 3 })).toEqual({ _id: 3, v: 1 });
  });

  it('the raw update reply lists upserted entries with their index', async () => {
    const reply = await conformance.db.command({
      update: 'upsert_raw',
      updates: [
        { q: { _id: 'a' }, u: { $set: { v: 1 } }, upsert: true },
        { q: { _id: 'b' }, u: { $set: { v: 2 } }, upsert: true },
      ],
    });
    expect(reply.n).toBe(2);
    expect(reply.nModified).toBe(0);
    expect(reply.upserted).toEqual([
      { index: 0, _id: 'a' },
      { index: 1, _id: 'b' },
    ]);
  });
});

describe('replace', () => {
  it('replaceOne swaps the whole document but keeps _id', async () => {
    await coll('replace').insertOne({ _id: 1, a: 1, b: 2 });
    const result = await coll('replace').replaceOne({ _id: 1 }, { c: 3 });
    expect(result.modifiedCount).toBe(1);
    expect(await coll('replace').findOne({ _id: 1 })).toEqual({ _id: 1, c: 3 });
  });
});
