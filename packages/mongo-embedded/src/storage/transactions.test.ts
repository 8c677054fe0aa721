import type { Document } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { describedOp } from '../durability/test-helpers.js';
import { MongoCommandError } from '../errors.js';
import type { Durability, JournalOp } from './durability-contract.js';
import { createStorageEngine, type Engine } from './index.js';

const ns = { db: 'app', coll: 'accounts' };
let engine: Engine;

/** Durability that keeps appended records in memory, to observe what the engine journals. */
class RecordingDurability implements Durability {
  readonly records: JournalOp[][] = [];
  recover(): Promise<{ collections: [] }> {
    return Promise.resolve({ collections: [] });
  }
  append(ops: JournalOp[]): Promise<void> {
    this.records.push(ops);
    return Promise.resolve();
  }
  shouldCheckpoint(): boolean {
    return false;
  }
  checkpoint(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function fresh(
  options: { lockWaitMs?: number; durability?: Durability } = {},
): Promise<Engine> {
  engine = await createStorageEngine({ ttlMonitorIntervalMs: 0, ...options });
  await engine.createCollection(ns);
  await engine.createIndexes(ns, [
    { name: 'owner_1', key: { owner: 1 } },
    { name: 'email_1', key: { email: 1 }, unique: true, sparse: true },
  ]);
  await engine.write((u) => {
    u.insert(ns, { _id: 1, owner: 'ann', balance: 100 });
    u.insert(ns, { _id: 2, owner: 'bob', balance: 50 });
  });
  return engine;
}

afterEach(async () => {
  await engine.close();
});

function codeOf(fn: () => unknown): MongoCommandError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MongoCommandError) return err;
    throw err;
  }
  throw new Error('expected a MongoCommandError');
}

function balances(
  e: Engine,
  txn?: ReturnType<Engine['beginTransaction']>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of e.scan(ns, txn ? { filter: {}, txn } : { filter: {} }).docs) {
    out[String(d._id)] = d.balance;
  }
  return out;
}

describe('snapshot isolation', () => {
  it('reads the state as of the first operation plus its own writes, also through indexes', async () => {
    const e = await fresh();
    const t = e.beginTransaction('s1:1');
    expect(balances(e, t)).toEqual({ 1: 100, 2: 50 });
    await e.write((u) => u.replace(ns, { _id: 2, owner: 'carl', balance: 75 }));
    await e.write((u) => u.insert(ns, { _id: 3, owner: 'bob', balance: 1 }));
    // The transaction still sees bob owning account 2, and not account 3.
    const viaIndex = e.scan(ns, { filter: { owner: 'bob' }, txn: t });
    expect(viaIndex.plan.stage).toBe('IXSCAN');
    expect(viaIndex.docs).toEqual([{ _id: 2, owner: 'bob', balance: 50 }]);
    expect(e.scan(ns, { filter: { owner: 'carl' }, txn: t }).docs).toEqual([]);
    expect(e.scan(ns, { filter: { _id: 3 }, txn: t }).docs).toEqual([]);
    t.writes.replace(ns, { _id: 1, owner: 'ann', balance: 90 });
    t.writes.insert(ns, { _id: 4, owner: 'dora', balance: 10 });
    expect(e.scan(ns, { filter: { owner: 'dora' }, txn: t }).docs).toHaveLength(1);
    expect(balances(e, t)).toEqual({ 1: 90, 2: 50, 4: 10 });
    // Others don't see uncommitted writes.
    expect(balances(e)).toEqual({ 1: 100, 2: 75, 3: 1 });
    expect(e.scan(ns, { filter: { owner: 'dora' } }).docs).toEqual([]);
    await e.commitTransaction(t);
    expect(balances(e)).toEqual({ 1: 90, 2: 75, 3: 1, 4: 10 });
  });

  it('abort leaves nothing behind, including index entries', async () => {
    const e = await fresh();
    const t = e.beginTransaction('s1:2');
    t.writes.insert(ns, { _id: 9, owner: 'zed', email: 'z@x' });
    t.writes.replace(ns, { _id: 1, owner: 'changed' });
    t.writes.remove(ns, 2);
    e.abortTransaction(t);
    expect(balances(e)).toEqual({ 1: 100, 2: 50 });
    expect(e.scan(ns, { filter: { owner: 'zed' } }).plan.keysExamined).toBe(0);
    expect(e.scan(ns, { filter: { owner: 'changed' } }).plan.keysExamined).toBe(0);
    expect(e.stats(ns).indexSizes).toEqual(
      Object.fromEntries(
        Object.entries(e.stats(ns).indexSizes).map(([k]) => [k, k === 'email_1' ? 0 : 2 * 48]),
      ),
    );
    await e.write((u) => u.insert(ns, { _id: 9, email: 'z@x' }));
    expect(codeOf(() => t.writes.insert(ns, { _id: 10 })).code).toBe(251);
    await expect(e.commitTransaction(t)).rejects.toMatchObject({ code: 251 });
  });

  it('deletes and re-inserts inside one transaction', async () => {
    const e = await fresh();
    const t = e.beginTransaction('s1:3');
    expect(t.writes.remove(ns, 1)).toBe(true);
    expect(e.scan(ns, { filter: { _id: 1 }, txn: t }).docs).toEqual([]);
    t.writes.insert(ns, { _id: 1, owner: 'new' });
    expect(e.scan(ns, { filter: { owner: 'new' }, txn: t }).docs).toEqual([
      { _id: 1, owner: 'new' },
    ]);
    await e.commitTransaction(t);
    expect(e.scan(ns, { filter: { _id: 1 } }).docs).toEqual([{ _id: 1, owner: 'new' }]);
  });
});

describe('write conflicts', () => {
  it('gives the second transaction writing a document WriteConflict with the transient label', async () => {
    const e = await fresh();
    const t1 = e.beginTransaction('a:1');
    const t2 = e.beginTransaction('b:1');
    t1.writes.replace(ns, { _id: 1, balance: 1 });
    const err = codeOf(() => t2.writes.replace(ns, { _id: 1, balance: 2 }));
    expect(err.code).toBe(112);
    expect(err.errorLabels).toEqual(['TransientTransactionError']);
    expect(codeOf(() => t2.writes.remove(ns, 1)).code).toBe(112);
    await e.commitTransaction(t1);
    // t2's snapshot predates t1's commit: still a conflict.
    expect(codeOf(() => t2.writes.replace(ns, { _id: 1, balance: 2 })).code).toBe(112);
    e.abortTransaction(t2);
  });

  it('conflicts with a write committed after the snapshot', async () => {
    const e = await fresh();
    const t = e.beginTransaction('a:2');
    e.scan(ns, { filter: {}, txn: t });
    await e.write((u) => u.replace(ns, { _id: 2, balance: 0 }));
    await e.write((u) => u.insert(ns, { _id: 5 }));
    expect(codeOf(() => t.writes.replace(ns, { _id: 2, balance: 1 })).code).toBe(112);
    expect(codeOf(() => t.writes.insert(ns, { _id: 5 })).code).toBe(112);
    expect(codeOf(() => t.writes.insert(ns, { _id: 1 })).code).toBe(11000);
    e.abortTransaction(t);
  });

  it("sees other transactions' pending unique keys as conflicts", async () => {
    const e = await fresh();
    const t1 = e.beginTransaction('a:3');
    const t2 = e.beginTransaction('b:3');
    t1.writes.insert(ns, { _id: 7, email: 'same@x' });
    expect(codeOf(() => t2.writes.insert(ns, { _id: 8, email: 'same@x' })).code).toBe(112);
    await e.commitTransaction(t1);
    e.abortTransaction(t2);
    await expect(e.write((u) => u.insert(ns, { _id: 8, email: 'same@x' }))).rejects.toMatchObject({
      code: 11000,
    });
  });

  it('makes a non-transactional write wait for the transaction holding the document', async () => {
    const e = await fresh();
    const t = e.beginTransaction('a:4');
    t.writes.replace(ns, { _id: 1, owner: 'ann', balance: 1 });
    let attempts = 0;
    const waiting = e.write((u) => {
      attempts++;
      const doc = e.scan(ns, { filter: { _id: 1 } }).docs[0] as Document;
      return u.replace(ns, { ...doc, balance: (doc.balance as number) + 1000 });
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(balances(e)).toEqual({ 1: 100, 2: 50 });
    await e.commitTransaction(t);
    expect(await waiting).toBe(true);
    expect(attempts).toBe(2);
    expect(balances(e)).toEqual({ 1: 1001, 2: 50 });
  });

  it('lets the waiting write proceed after an abort, and rolls back its first attempt', async () => {
    const e = await fresh();
    const t = e.beginTransaction('a:5');
    t.writes.insert(ns, { _id: 6, email: 'k@x' });
    const waiting = e.write((u) => {
      u.insert(ns, { _id: 20 });
      u.insert(ns, { _id: 21, email: 'k@x' });
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The first attempt's insert of 20 was undone while waiting.
    expect(e.scan(ns, { filter: { _id: 20 } }).docs).toEqual([]);
    e.abortTransaction(t);
    await waiting;
    expect(e.count(ns, { filter: { _id: { $in: [20, 21] } } })).toBe(2);
  });

  it('gives up waiting after lockWaitMs with WriteConflict', async () => {
    const e = await fresh({ lockWaitMs: 30 });
    const t = e.beginTransaction('a:6');
    t.writes.remove(ns, 2);
    await expect(e.write((u) => u.remove(ns, 2))).rejects.toMatchObject({ code: 112 });
    e.abortTransaction(t);
  });
});

describe('durability of transactions', () => {
  it('journals a commit as one record and an abort not at all', async () => {
    const durability = new RecordingDurability();
    const e = await fresh({ durability });
    const before = durability.records.length;
    const t = e.beginTransaction('d:1');
    t.writes.replace(ns, { _id: 1, balance: 0 });
    t.writes.replace(ns, { _id: 1, balance: 5 });
    t.writes.remove(ns, 2);
    t.writes.insert(ns, { _id: 3 });
    t.writes.insert(ns, { _id: 4 });
    t.writes.remove(ns, 4);
    expect(durability.records).toHaveLength(before);
    await e.commitTransaction(t);
    expect(durability.records).toHaveLength(before + 1);
    const record = durability.records[before] ?? [];
    expect(record.map(describedOp)).toEqual([
      { op: 'put', ns: 'app.accounts', doc: { _id: 1, balance: 5 } },
      { op: 'del', ns: 'app.accounts', id: 2 },
      { op: 'put', ns: 'app.accounts', doc: { _id: 3 } },
    ]);
    const aborted = e.beginTransaction('d:2');
    aborted.writes.insert(ns, { _id: 99 });
    e.abortTransaction(aborted);
    expect(durability.records).toHaveLength(before + 1);
  });
});

describe('version garbage collection', () => {
  it('keeps old versions only while a snapshot needs them', async () => {
    const e = await fresh();
    const reader = e.beginTransaction('gc:1');
    e.scan(ns, { filter: {}, txn: reader });
    for (let i = 0; i < 5; i++) {
      await e.write((u) => u.replace(ns, { _id: 1, owner: `o${i}`, balance: i }));
    }
    await e.write((u) => u.remove(ns, 2));
    // Entries for the reader's versions and the newest one remain.
    expect(e.stats(ns).indexSizes.owner_1).toBe(3 * 48);
    expect(balances(e, reader)).toEqual({ 1: 100, 2: 50 });
    await e.commitTransaction(reader);
    expect(e.stats(ns).indexSizes.owner_1).toBe(1 * 48);
    expect(balances(e)).toEqual({ 1: 4 });
  });
});

describe('concurrent transfers', () => {
  it('preserve the total under interleaved transactions, retries and plain writes', async () => {
    const e = await fresh();
    const accounts = 6;
    await e.write((u) => {
      for (let i = 10; i < 10 + accounts; i++)
        u.insert(ns, { _id: i, owner: `o${i}`, balance: 100 });
    });
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    let committed = 0;
    let conflicts = 0;
    const transfer = async (client: number, round: number): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const t = e.beginTransaction(`c${client}:${round}:${attempt}`);
        try {
          const from = 10 + random(accounts);
          const to = 10 + ((from - 10 + 1 + random(accounts - 1)) % accounts);
          const a = e.scan(ns, { filter: { _id: from }, txn: t }).docs[0] as Document;
          await tick();
          const b = e.scan(ns, { filter: { _id: to }, txn: t }).docs[0] as Document;
          t.writes.replace(ns, { ...a, balance: (a.balance as number) - 1 });
          await tick();
          t.writes.replace(ns, { ...b, balance: (b.balance as number) + 1 });
          await e.commitTransaction(t);
          committed++;
          return;
        } catch (err) {
          e.abortTransaction(t);
          if (!(err instanceof MongoCommandError) || err.code !== 112) throw err;
          conflicts++;
          await tick();
        }
      }
    };
    const plainWrites = async (): Promise<void> => {
      for (let i = 0; i < 30; i++) {
        // A balanced pair of plain updates in one unit: read-modify-write without awaiting.
        await e.write((u) => {
          const x = e.scan(ns, { filter: { _id: 10 } }).docs[0] as Document;
          const y = e.scan(ns, { filter: { _id: 11 } }).docs[0] as Document;
          u.replace(ns, { ...x, balance: (x.balance as number) + 5 });
          u.replace(ns, { ...y, balance: (y.balance as number) - 5 });
        });
        await tick();
      }
    };
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let r = 0; r < 25; r++) await transfer(c, r);
    });
    await Promise.all([...clients, plainWrites()]);
    const total = e
      .scan(ns, { filter: { _id: { $gte: 10 } } })
      .docs.reduce((sum, d) => sum + (d.balance as number), 0);
    expect(total).toBe(accounts * 100);
    expect(committed).toBe(200);
    expect(conflicts).toBeGreaterThan(0);
    // No versions linger once every transaction has ended.
    expect(e.stats(ns).indexSizes.owner_1).toBe((accounts + 2) * 48);
  });
});
