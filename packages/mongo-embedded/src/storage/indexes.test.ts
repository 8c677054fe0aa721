import type { Document } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { MongoCommandError } from '../errors.js';
import type { IndexSpec } from './contract.js';
import { createStorageEngine, type Engine } from './index.js';

const ns = { db: 'app', coll: 'c' };
let engine: Engine;

async function fresh(): Promise<Engine> {
  engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  return engine;
}

afterEach(async () => {
  await engine.close();
});

async function failure(p: Promise<unknown>): Promise<MongoCommandError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MongoCommandError) return err;
    throw err;
  }
  throw new Error('expected a MongoCommandError');
}

function insertAll(e: Engine, docs: Document[]): Promise<void> {
  return e.write((u) => {
    for (const d of docs) u.insert(ns, d);
  });
}

function ids(docs: Document[]): unknown[] {
  return docs.map((d) => d._id as unknown);
}

describe('createIndexes / listIndexes / dropIndexes', () => {
  it('creates the collection implicitly and reports counts', async () => {
    const e = await fresh();
    const r = await e.createIndexes(ns, [{ name: 'a_1', key: { a: 1 } }]);
    expect(r).toEqual({
      createdCollectionAutomatically: true,
      numIndexesBefore: 1,
      numIndexesAfter: 2,
    });
    const again = await e.createIndexes(ns, [{ name: 'a_1', key: { a: 1 } }]);
    expect(again).toEqual({
      createdCollectionAutomatically: false,
      numIndexesBefore: 2,
      numIndexesAfter: 2,
      note: 'all indexes already exist',
    });
    expect(e.listIndexes(ns)).toEqual([
      { v: 2, key: { _id: 1 }, name: '_id_' },
      { v: 2, key: { a: 1 }, name: 'a_1' },
    ]);
  });

  it('keeps key directions as given and reports them in duplicate key errors', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'a_-2', key: { a: -2 }, unique: true }]);
    expect(e.listIndexes(ns)[1]?.key).toEqual({ a: -2 });
    await insertAll(e, [{ _id: 1, a: 1 }]);
    const err = await failure(insertAll(e, [{ _id: 2, a: 1 }]));
    expect(err.extra).toEqual({ keyPattern: { a: -2 }, keyValue: { a: 1 } });
  });

  it('normalises options in listIndexes', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [
      { name: 'u', key: { a: 1, b: -1 }, unique: true },
      { name: 's', key: { c: 1 }, sparse: true },
      { name: 'p', key: { d: 1 }, partialFilterExpression: { d: { $gt: 5 } } },
      { name: 't', key: { at: 1 }, expireAfterSeconds: 60 },
    ]);
    expect(e.listIndexes(ns).slice(1)).toEqual([
      { v: 2, key: { a: 1, b: -1 }, name: 'u', unique: true },
      { v: 2, key: { c: 1 }, name: 's', sparse: true },
      { v: 2, key: { d: 1 }, name: 'p', partialFilterExpression: { d: { $gt: 5 } } },
      { v: 2, key: { at: 1 }, name: 't', expireAfterSeconds: 60 },
    ]);
  });

  it('answers MongoDB codes for conflicting and invalid specs', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'a_1', key: { a: 1 } }]);
    expect((await failure(e.createIndexes(ns, [{ name: 'a_1', key: { b: 1 } }]))).code).toBe(86);
    expect(
      (await failure(e.createIndexes(ns, [{ name: 'a_1', key: { a: 1 }, unique: true }]))).code,
    ).toBe(85);
    expect((await failure(e.createIndexes(ns, [{ name: 'other', key: { a: 1 } }]))).code).toBe(85);
    for (const type of ['text', '2dsphere', 'hashed', '2d']) {
      expect((await failure(e.createIndexes(ns, [{ name: 'x', key: { a: type } }]))).code).toBe(67);
    }
    expect((await failure(e.createIndexes(ns, [{ name: 'x', key: { a: 0 } }]))).code).toBe(67);
    expect((await failure(e.createIndexes(ns, [{ name: 'x', key: {} }]))).code).toBe(9);
    expect(
      (await failure(e.createIndexes(ns, [{ key: { a: 1 } } as unknown as IndexSpec]))).code,
    ).toBe(9);
    expect(
      (
        await failure(
          e.createIndexes(ns, [
            { name: 'x', key: { z: 1 }, sparse: true, partialFilterExpression: { z: 1 } },
          ]),
        )
      ).code,
    ).toBe(67);
    expect(
      (await failure(e.createIndexes(ns, [{ name: 'x', key: { z: 1 }, expireAfterSeconds: -1 }])))
        .code,
    ).toBe(72);
    expect(
      (
        await failure(
          e.createIndexes(ns, [{ name: 'x', key: { y: 1, z: 1 }, expireAfterSeconds: 5 }]),
        )
      ).code,
    ).toBe(67);
    const bogus = { name: 'x', key: { z: 1 }, bogus: true } as unknown as IndexSpec;
    expect((await failure(e.createIndexes(ns, [bogus]))).code).toBe(197);
  });

  it('drops indexes by name or all but _id_', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [
      { name: 'a_1', key: { a: 1 } },
      { name: 'b_1', key: { b: 1 } },
    ]);
    expect(await e.dropIndexes(ns, ['a_1'])).toEqual({ nIndexesWas: 3 });
    expect((await failure(e.dropIndexes(ns, ['a_1']))).code).toBe(27);
    expect((await failure(e.dropIndexes(ns, ['_id_']))).code).toBe(72);
    expect(await e.dropIndexes(ns, '*')).toEqual({ nIndexesWas: 2 });
    expect(e.listIndexes(ns).map((i) => i.name)).toEqual(['_id_']);
    expect((await failure(e.dropIndexes({ db: 'app', coll: 'none' }, '*'))).code).toBe(26);
  });
});

describe('unique indexes', () => {
  it('reports duplicate keys with keyPattern and keyValue', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'email_1', key: { email: 1 }, unique: true }]);
    await insertAll(e, [{ _id: 1, email: 'a@x' }]);
    const err = await failure(insertAll(e, [{ _id: 2, email: 'a@x' }]));
    expect(err.code).toBe(11000);
    expect(err.extra).toEqual({ keyPattern: { email: 1 }, keyValue: { email: 'a@x' } });
    expect(err.message).toContain('index: email_1 dup key: { email: "a@x" }');
    expect(e.count(ns, { filter: {} })).toBe(1);
  });

  it('indexes a missing field as null, so two documents without it collide', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'org_1_n_1', key: { org: 1, n: 1 }, unique: true }]);
    await insertAll(e, [{ _id: 1, org: 'a' }]);
    const err = await failure(insertAll(e, [{ _id: 2, org: 'a', n: null }]));
    expect(err.extra).toEqual({ keyPattern: { org: 1, n: 1 }, keyValue: { org: 'a', n: null } });
    await insertAll(e, [
      { _id: 3, org: 'a', n: 1 },
      { _id: 4, org: 'b' },
    ]);
  });

  it('lets sparse unique indexes skip documents without the field', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 's', key: { code: 1 }, unique: true, sparse: true }]);
    await insertAll(e, [{ _id: 1 }, { _id: 2 }, { _id: 3, code: 'x' }]);
    expect((await failure(insertAll(e, [{ _id: 4, code: 'x' }]))).code).toBe(11000);
    // null is present, so it is indexed.
    await insertAll(e, [{ _id: 5, code: null }]);
    expect((await failure(insertAll(e, [{ _id: 6, code: null }]))).code).toBe(11000);
  });

  it('applies uniqueness only to documents matching a partial filter', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [
      { name: 'p', key: { email: 1 }, unique: true, partialFilterExpression: { active: true } },
    ]);
    await insertAll(e, [
      { _id: 1, email: 'a', active: false },
      { _id: 2, email: 'a', active: false },
      { _id: 3, email: 'a', active: true },
    ]);
    expect((await failure(insertAll(e, [{ _id: 4, email: 'a', active: true }]))).code).toBe(11000);
  });

  it('judges a partial equality filter on an array field by its elements, as MongoDB does', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [
      { name: 'p', key: { email: 1 }, unique: true, partialFilterExpression: { status: 'active' } },
    ]);
    await insertAll(e, [
      { _id: 1, email: 'a', status: ['old', 'active'] },
      { _id: 2, email: 'a', status: ['old'] },
      { _id: 3, email: 'a', status: { s: 'active' } },
    ]);
    // An array holding 'active' is in the index: a second 'active' document collides.
    expect((await failure(insertAll(e, [{ _id: 4, email: 'a', status: 'active' }]))).code).toBe(
      11000,
    );
    await e.write((u) => u.remove(ns, 1));
    await insertAll(e, [{ _id: 4, email: 'a', status: 'active' }]);
    expect(ids(e.scan(ns, { filter: { status: 'active' } }).docs)).toEqual([4]);
  });

  it('treats numerically equal values of different types as duplicates', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'n', key: { n: 1 }, unique: true }]);
    await insertAll(e, [{ _id: 1, n: 1 }]);
    expect((await failure(insertAll(e, [{ _id: 2, n: 1.0 }]))).code).toBe(11000);
  });

  it('follows multikey semantics: values shared across documents collide, within one do not', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'tags', key: { tags: 1 }, unique: true }]);
    await insertAll(e, [{ _id: 1, tags: ['a', 'b', 'a'] }]);
    const err = await failure(insertAll(e, [{ _id: 2, tags: ['c', 'b'] }]));
    expect(err.extra).toEqual({ keyPattern: { tags: 1 }, keyValue: { tags: 'b' } });
    await insertAll(e, [{ _id: 3, tags: ['c'] }]);
  });

  it('allows replacing a document with its own key and refuses taking another one', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'k', key: { k: 1 }, unique: true }]);
    await insertAll(e, [
      { _id: 1, k: 1 },
      { _id: 2, k: 2 },
    ]);
    expect(await e.write((u) => u.replace(ns, { _id: 1, k: 1, extra: true }))).toBe(true);
    expect((await failure(e.write((u) => u.replace(ns, { _id: 1, k: 2 })))).code).toBe(11000);
    await e.write((u) => u.remove(ns, 2));
    expect(await e.write((u) => u.replace(ns, { _id: 1, k: 2 }))).toBe(true);
    expect(e.scan(ns, { filter: { k: 2 } }).docs).toEqual([{ _id: 1, k: 2 }]);
    expect(e.scan(ns, { filter: { k: 1 } }).docs).toEqual([]);
  });

  it('fails an index build over duplicates with 11000 and leaves no index', async () => {
    const e = await fresh();
    await insertAll(e, [
      { _id: 1, a: 5 },
      { _id: 2, a: 5 },
    ]);
    const err = await failure(e.createIndexes(ns, [{ name: 'a_1', key: { a: 1 }, unique: true }]));
    expect(err.code).toBe(11000);
    expect(err.extra).toEqual({ keyPattern: { a: 1 }, keyValue: { a: 5 } });
    expect(e.listIndexes(ns).map((i) => i.name)).toEqual(['_id_']);
  });

  it('refuses documents with parallel arrays in a compound key (171)', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'ab', key: { a: 1, b: 1 } }]);
    await insertAll(e, [{ _id: 1, a: [1, 2], b: 1 }]);
    expect((await failure(insertAll(e, [{ _id: 2, a: [1], b: [2] }]))).code).toBe(171);
    expect(e.count(ns, { filter: {} })).toBe(1);
  });
});

describe('index-backed reads', () => {
  it('finds documents through dotted and multikey paths', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'sku', key: { 'lines.sku': 1 } }]);
    await insertAll(e, [
      { _id: 1, lines: [{ sku: 'a' }, { sku: 'b' }] },
      { _id: 2, lines: [{ sku: 'b' }] },
      { _id: 3, lines: { sku: 'c' } },
      { _id: 4 },
    ]);
    const r = e.scan(ns, { filter: { 'lines.sku': 'b' } });
    expect(r.plan).toMatchObject({ stage: 'IXSCAN', indexName: 'sku' });
    expect(ids(r.docs)).toEqual([1, 2]);
    expect(ids(e.scan(ns, { filter: { 'lines.sku': 'c' } }).docs)).toEqual([3]);
    expect(ids(e.scan(ns, { filter: { 'lines.sku': null } }).docs)).toEqual([4]);
  });

  it('removes stale index entries on replace and remove', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'a', key: { a: 1 } }]);
    await insertAll(e, [{ _id: 1, a: 1 }]);
    await e.write((u) => u.replace(ns, { _id: 1, a: 2 }));
    expect(e.scan(ns, { filter: { a: 1 } }).docs).toEqual([]);
    expect(e.scan(ns, { filter: { a: 2 } }).plan.keysExamined).toBe(1);
    await e.write((u) => u.remove(ns, 1));
    expect(e.scan(ns, { filter: { a: 2 } }).plan.keysExamined).toBe(0);
    expect(e.stats(ns).indexSizes.a).toBe(0);
  });
});

describe('TTL', () => {
  it('removes expired documents through the journaled write path', async () => {
    const e = await fresh();
    await e.createIndexes(ns, [{ name: 'at', key: { at: 1 }, expireAfterSeconds: 60 }]);
    const now = Date.now();
    await insertAll(e, [
      { _id: 1, at: new Date(now - 120_000) },
      { _id: 2, at: new Date(now) },
      { _id: 3, at: 'not a date' },
      { _id: 4, at: [new Date(now), new Date(now - 3_600_000)] },
      { _id: 5 },
    ]);
    await e.runTtlMonitor();
    expect(ids(e.scan(ns, { filter: {} }).docs)).toEqual([2, 3, 5]);
  });

  it('runs in the background on its interval', async () => {
    engine = await createStorageEngine({ ttlMonitorIntervalMs: 20 });
    await engine.createIndexes(ns, [{ name: 'at', key: { at: -1 }, expireAfterSeconds: 0 }]);
    await insertAll(engine, [{ _id: 1, at: new Date(Date.now() - 1000) }]);
    for (let i = 0; i < 200 && engine.count(ns, { filter: {} }) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(engine.count(ns, { filter: {} })).toBe(0);
  });
});
