import { Long, ObjectId, type Document } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { MongoCommandError } from '../errors.js';
import { createStorageEngine, type Engine } from './index.js';

const ns = { db: 'app', coll: 'invoices' };
let engine: Engine;

async function fresh(): Promise<Engine> {
  engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  return engine;
}

afterEach(async () => {
  await engine.close();
});

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof MongoCommandError) return err.code;
    throw err;
  }
  return undefined;
}

async function codeOfAsync(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MongoCommandError) return err.code;
    throw err;
  }
  return undefined;
}

describe('catalog', () => {
  it('creates, lists and drops collections with a stable uuid', async () => {
    const e = await fresh();
    await e.createCollection(ns, { validator: { a: { $exists: true } } });
    const info = e.getCollection(ns);
    expect(info?.uuid).toHaveLength(16);
    expect(info?.options).toEqual({ validator: { a: { $exists: true } } });
    expect(e.listCollections('app').map((c) => c.name)).toEqual(['invoices']);
    expect(e.getCollection(ns)?.uuid).toEqual(info?.uuid);
    expect(await codeOfAsync(e.createCollection(ns))).toBe(48);
    expect(e.listDatabases().map((d) => d.name)).toEqual(['app']);
    expect(await e.dropCollection(ns)).toBe(true);
    expect(await e.dropCollection(ns)).toBe(false);
    expect(e.listDatabases()).toEqual([]);
  });

  it('refuses invalid namespaces', async () => {
    const e = await fresh();
    expect(await codeOfAsync(e.createCollection({ db: 'a.b', coll: 'x' }))).toBe(73);
    expect(await codeOfAsync(e.createCollection({ db: 'a', coll: '' }))).toBe(73);
    expect(await codeOfAsync(e.createCollection({ db: 'a', coll: 'x$y' }))).toBe(73);
  });

  it('renames collections with their documents and indexes', async () => {
    const e = await fresh();
    await e.write((u) => u.insert(ns, { _id: 1, n: 'a' }));
    await e.createIndexes(ns, [{ name: 'n_1', key: { n: 1 } }]);
    const to = { db: 'app', coll: 'renamed' };
    await e.renameCollection(ns, to, false);
    expect(e.getCollection(ns)).toBeUndefined();
    expect(e.scan(to, { filter: { n: 'a' } }).docs).toEqual([{ _id: 1, n: 'a' }]);
    expect(e.listIndexes(to).map((i) => i.name)).toEqual(['_id_', 'n_1']);
    await e.createCollection(ns);
    expect(await codeOfAsync(e.renameCollection(to, ns, false))).toBe(48);
    await e.renameCollection(to, ns, true);
    expect(e.scan(ns, { filter: {} }).docs).toHaveLength(1);
    expect(await codeOfAsync(e.renameCollection({ db: 'app', coll: 'nope' }, to, false))).toBe(26);
  });

  it('drops a database', async () => {
    const e = await fresh();
    await e.write((u) => {
      u.insert(ns, { _id: 1 });
      u.insert({ db: 'app', coll: 'other' }, { _id: 1 });
      u.insert({ db: 'keep', coll: 'x' }, { _id: 1 });
    });
    await e.dropDatabase('app');
    expect(e.listDatabases().map((d) => d.name)).toEqual(['keep']);
  });

  it('reports stats', async () => {
    const e = await fresh();
    await e.write((u) => {
      u.insert(ns, { _id: 1, a: 'x' });
      u.insert(ns, { _id: 2, a: 'y' });
    });
    const s = e.stats(ns);
    expect(s.count).toBe(2);
    expect(s.size).toBeGreaterThan(0);
    expect(s.avgObjSize).toBe(s.size / 2);
    expect(s.nindexes).toBe(1);
    expect(Object.keys(s.indexSizes)).toEqual(['_id_']);
  });
});

describe('documents', () => {
  it('inserts, finds by _id, replaces and removes', async () => {
    const e = await fresh();
    const id = new ObjectId();
    await e.write((u) => u.insert(ns, { total: 5, _id: id }));
    const found = e.scan(ns, { filter: { _id: id } });
    expect(found.plan.stage).toBe('IDHACK');
    expect(found.docs).toHaveLength(1);
    // _id moves to the front, the rest keeps its order.
    expect(Object.keys(found.docs[0] as Document)).toEqual(['_id', 'total']);
    expect(await e.write((u) => u.replace(ns, { _id: id, total: 7 }))).toBe(true);
    expect(e.scan(ns, { filter: { _id: id } }).docs[0]).toEqual({ _id: id, total: 7 });
    expect(await e.write((u) => u.replace(ns, { _id: 'missing', total: 7 }))).toBe(false);
    expect(await e.write((u) => u.remove(ns, id))).toBe(true);
    expect(await e.write((u) => u.remove(ns, id))).toBe(false);
    expect(e.count(ns, { filter: {} })).toBe(0);
  });

  it('treats 1, 1.0 and Long(1) as the same _id', async () => {
    const e = await fresh();
    await e.write((u) => u.insert(ns, { _id: 1, a: 1 }));
    const err = await e
      .write((u) => u.insert(ns, { _id: Long.fromNumber(1) }))
      .catch((x: unknown) => x);
    expect(err).toBeInstanceOf(MongoCommandError);
    expect((err as MongoCommandError).code).toBe(11000);
    expect((err as MongoCommandError).extra).toEqual({
      keyPattern: { _id: 1 },
      keyValue: { _id: Long.fromNumber(1) },
    });
    expect(e.scan(ns, { filter: { _id: 1.0 } }).docs).toEqual([{ _id: 1, a: 1 }]);
    expect(e.scan(ns, { filter: { _id: Long.fromNumber(1) } }).docs).toHaveLength(1);
  });

  it('keeps stored documents immune to caller mutation', async () => {
    const e = await fresh();
    const doc = { _id: 1, items: [{ q: 1 }] };
    await e.write((u) => u.insert(ns, doc));
    doc.items.push({ q: 2 });
    const read = e.scan(ns, { filter: {} }).docs[0] as { items: unknown[] };
    read.items.push('x');
    expect(e.scan(ns, { filter: {} }).docs[0]).toEqual({ _id: 1, items: [{ q: 1 }] });
  });

  it('returns natural (insertion) order and filters with mingo', async () => {
    const e = await fresh();
    await e.write((u) => {
      for (const i of [5, 3, 9, 1]) u.insert(ns, { _id: i, even: i % 2 === 0, n: i });
    });
    expect(e.scan(ns, { filter: {} }).docs.map((d) => d._id as number)).toEqual([5, 3, 9, 1]);
    expect(
      e.scan(ns, { filter: {}, sort: { $natural: -1 } }).docs.map((d) => d._id as number),
    ).toEqual([1, 9, 3, 5]);
    const r = e.scan(ns, { filter: { n: { $gt: 2 } } });
    expect(r.plan.stage).toBe('COLLSCAN');
    expect(r.plan.docsExamined).toBe(4);
    expect(r.docs.map((d) => d._id as number)).toEqual([5, 3, 9]);
    expect(e.count(ns, { filter: { n: { $lt: 4 } } })).toBe(2);
  });

  it('generates a missing _id defensively and refuses array ids', async () => {
    const e = await fresh();
    await e.write((u) => u.insert(ns, { a: 1 }));
    expect(e.scan(ns, { filter: {} }).docs[0]?._id).toBeInstanceOf(ObjectId);
    expect(await codeOfAsync(e.write((u) => u.insert(ns, { _id: [1] })))).toBe(2);
    await e.write((u) => u.insert(ns, { _id: 7 }));
    expect(await codeOfAsync(e.write((u) => u.replace(ns, { _id: 7, x: 1 })))).toBeUndefined();
  });

  it('refuses documents over 16 MiB like MongoDB (BadValue on insert, 17419 on update)', async () => {
    const e = await fresh();
    const big = 'x'.repeat(16 * 1024 * 1024);
    expect(await codeOfAsync(e.write((u) => u.insert(ns, { _id: 1, big })))).toBe(2);
    await e.write((u) => u.insert(ns, { _id: 1 }));
    expect(await codeOfAsync(e.write((u) => u.replace(ns, { _id: 1, big })))).toBe(17419);
  });

  it('keeps earlier ops of a unit whose later op failed', async () => {
    const e = await fresh();
    const err = await e
      .write((u) => {
        u.insert(ns, { _id: 1 });
        u.insert(ns, { _id: 1 });
      })
      .catch((x: unknown) => x);
    expect((err as MongoCommandError).code).toBe(11000);
    expect(e.count(ns, { filter: {} })).toBe(1);
  });

  it('answers EOF for a missing collection and BadValue for a bad filter', async () => {
    const e = await fresh();
    expect(e.scan(ns, { filter: { a: 1 } }).plan.stage).toBe('EOF');
    await e.write((u) => u.insert(ns, { _id: 1 }));
    expect(codeOf(() => e.scan(ns, { filter: { a: { $bogus: 1 } } }))).toBe(2);
  });

  it('refuses a write unit used after its write finished', async () => {
    const e = await fresh();
    let kept: { insert(n: typeof ns, d: Document): void } | undefined;
    await e.write((u) => {
      kept = u;
    });
    expect(codeOf(() => kept?.insert(ns, { _id: 1 }))).toBe(1);
  });
});
