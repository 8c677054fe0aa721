import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal128, ObjectId, serialize, type Document } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileDurability } from '../durability/index.js';
import { describedOp } from '../durability/test-helpers.js';
import type {
  CollectionSnapshot,
  Durability,
  JournalOp,
  RecoveredState,
} from './durability-contract.js';
import { createStorageEngine, type Engine } from './index.js';

const ns = { db: 'app', coll: 'invoices' };
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'storage-hooks-'));
  dirs.push(dir);
  return dir;
}

async function open(dbPath: string, checkpointBytes?: number): Promise<Engine> {
  const durability = await createFileDurability({
    dbPath,
    fsync: false,
    ...(checkpointBytes !== undefined ? { checkpointBytes } : {}),
  });
  return createStorageEngine({ durability, ttlMonitorIntervalMs: 0 });
}

/** Durability that records calls and serves a prepared recovery state. */
class ScriptedDurability implements Durability {
  readonly appended: JournalOp[][] = [];
  readonly snapshots: CollectionSnapshot[][] = [];
  checkpointDue = false;
  closed = false;
  constructor(private readonly state: RecoveredState = { collections: [] }) {}
  recover(): Promise<RecoveredState> {
    return Promise.resolve(this.state);
  }
  append(ops: JournalOp[]): Promise<void> {
    this.appended.push(ops);
    return Promise.resolve();
  }
  shouldCheckpoint(): boolean {
    return this.checkpointDue;
  }
  checkpoint(snapshot: () => CollectionSnapshot[]): Promise<void> {
    this.checkpointDue = false;
    this.snapshots.push(snapshot());
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

describe('journal ops', () => {
  it('describes catalog and document changes as JournalOps', async () => {
    const d = new ScriptedDurability();
    const e = await createStorageEngine({ durability: d, ttlMonitorIntervalMs: 0 });
    await e.createCollection(ns, { capped: false });
    await e.createIndexes(ns, [{ name: 'n_1', key: { n: 1 } }]);
    await e.write((u) => {
      u.insert(ns, { _id: 1, n: 1 });
      u.replace(ns, { _id: 1, n: 2 });
      u.remove(ns, 1);
    });
    await e.dropIndexes(ns, ['n_1']);
    await e.renameCollection(ns, { db: 'app', coll: 'renamed' }, false);
    await e.dropCollection({ db: 'app', coll: 'renamed' });
    await e.write((u) => u.insert({ db: 'other', coll: 'x' }, { _id: 1 }));
    await e.dropDatabase('other');
    const flat = d.appended.map((ops) => ops.map(describedOp));
    // Every put carries its document's stored BSON, which the journal writes as they are.
    for (const op of d.appended.flat()) {
      if (op.op === 'put') expect(op.bytes).toEqual(serialize(op.doc));
    }
    expect(flat).toEqual([
      [
        {
          op: 'createCollection',
          ns: 'app.invoices',
          options: { capped: false },
          uuid: expect.any(Uint8Array) as unknown,
        },
      ],
      [{ op: 'createIndex', ns: 'app.invoices', spec: { v: 2, key: { n: 1 }, name: 'n_1' } }],
      [
        { op: 'put', ns: 'app.invoices', doc: { _id: 1, n: 1 } },
        { op: 'put', ns: 'app.invoices', doc: { _id: 1, n: 2 } },
        { op: 'del', ns: 'app.invoices', id: 1 },
      ],
      [{ op: 'dropIndex', ns: 'app.invoices', name: 'n_1' }],
      [{ op: 'renameCollection', from: 'app.invoices', to: 'app.renamed', dropTarget: false }],
      [{ op: 'dropCollection', ns: 'app.renamed' }],
      [
        {
          op: 'createCollection',
          ns: 'other.x',
          options: {},
          uuid: expect.any(Uint8Array) as unknown,
        },
      ],
      [{ op: 'put', ns: 'other.x', doc: { _id: 1 } }],
      [{ op: 'dropDatabase', db: 'other' }],
    ]);
    // Put ops carry the stored BSON so durability can skip re-encoding.
    const put = d.appended[2]?.[0] as unknown as { bytes?: Uint8Array };
    expect(put.bytes).toBeInstanceOf(Uint8Array);
    await e.close();
  });

  it('checkpoints when durability asks, with a consistent synchronous snapshot', async () => {
    const d = new ScriptedDurability();
    const e = await createStorageEngine({ durability: d, ttlMonitorIntervalMs: 0 });
    await e.createIndexes(ns, [{ name: 'n_1', key: { n: 1 }, unique: true }]);
    await e.write((u) => u.insert(ns, { _id: 1, n: 1 }));
    const t = e.beginTransaction('x:1');
    t.writes.insert(ns, { _id: 2, n: 2 });
    d.checkpointDue = true;
    await e.write((u) => u.insert(ns, { _id: 3, n: 3 }));
    expect(d.snapshots).toHaveLength(1);
    const [snap] = d.snapshots[0] ?? [];
    expect(snap?.ns).toBe('app.invoices');
    expect(snap?.indexes).toEqual([{ v: 2, key: { n: 1 }, name: 'n_1', unique: true }]);
    // The pending transaction's insert is not part of the durable state yet.
    expect([...(snap?.docs ?? [])]).toHaveLength(2);
    e.abortTransaction(t);
    await e.close();
    expect(d.snapshots).toHaveLength(2);
    expect(d.closed).toBe(true);
  });

  it('loads recovered collections from BSON bytes or documents', async () => {
    const uuid = new Uint8Array(16).fill(7);
    const d = new ScriptedDurability({
      collections: [
        {
          ns: 'app.invoices',
          options: { validator: {} },
          uuid,
          indexes: [{ v: 2, key: { n: 1 }, name: 'n_1', unique: true }],
          docs: [
            { _id: 1, n: 1 },
            { _id: 2, n: 2 },
          ],
        },
      ],
    });
    const e = await createStorageEngine({ durability: d, ttlMonitorIntervalMs: 0 });
    expect(e.getCollection(ns)).toEqual({
      name: 'invoices',
      type: 'collection',
      options: { validator: {} },
      uuid,
    });
    expect(e.scan(ns, { filter: { n: 2 } }).plan.stage).toBe('IXSCAN');
    await expect(e.write((u) => u.insert(ns, { _id: 3, n: 1 }))).rejects.toMatchObject({
      code: 11000,
    });
    await e.close();
  });
});

describe('restart with file durability', () => {
  it('keeps documents, types, indexes, options and uuids across a restart', async () => {
    const dir = await tempDir();
    const id = new ObjectId();
    let e = await open(dir);
    await e.createCollection(ns, { validator: { total: { $exists: true } } });
    await e.createIndexes(ns, [{ name: 'n_1', key: { n: 1 }, unique: true }]);
    await e.write((u) => {
      u.insert(ns, { _id: id, n: 1, total: Decimal128.fromString('10.50'), at: new Date(5) });
      u.insert(ns, { _id: 2, n: 2 });
    });
    const t = e.beginTransaction('r:1');
    t.writes.remove(ns, 2);
    t.writes.insert(ns, { _id: 3, n: 3 });
    await e.commitTransaction(t);
    const uuid = e.getCollection(ns)?.uuid;
    await e.close();

    e = await open(dir);
    expect(e.getCollection(ns)?.uuid).toEqual(uuid);
    expect(e.getCollection(ns)?.options).toEqual({ validator: { total: { $exists: true } } });
    expect(e.listIndexes(ns).map((i) => i.name)).toEqual(['_id_', 'n_1']);
    const docs = e.scan(ns, { filter: {} }).docs;
    expect(docs).toEqual([
      { _id: id, n: 1, total: Decimal128.fromString('10.50'), at: new Date(5) },
      { _id: 3, n: 3 },
    ]);
    await expect(e.write((u) => u.insert(ns, { _id: 4, n: 3 }))).rejects.toMatchObject({
      code: 11000,
    });
    await e.close();
  });

  it('survives many checkpoints triggered by a small journal threshold', async () => {
    const dir = await tempDir();
    let e = await open(dir, 4096);
    for (let i = 0; i < 50; i++) {
      await e.write((u) => u.insert(ns, { _id: i, pad: 'x'.repeat(200) }));
    }
    await e.write((u) => u.remove(ns, 0));
    await e.close();
    e = await open(dir, 4096);
    const docs: Document[] = e.scan(ns, { filter: {} }).docs;
    expect(docs).toHaveLength(49);
    expect(docs[0]?._id).toBe(1);
    await e.close();
  });
});
