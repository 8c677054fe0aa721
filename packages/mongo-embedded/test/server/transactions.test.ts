/* eslint-disable @typescript-eslint/no-unsafe-member-access -- raw command replies are untyped BSON documents */
import { Long, MongoServerError, UUID, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startServerWithClient, type Doc } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;
let db: Db;
let raw: RawClient;

beforeAll(async () => {
  ctx = await startServerWithClient();
  db = ctx.client.db('txn');
  await db.createCollection('accounts');
  await db.createCollection('log');
  // Commands with hand-made lsid/txnNumber go over a raw socket: the driver would attach its own session.
  raw = await RawClient.connect(ctx.server.port);
});
afterAll(async () => {
  raw.close();
  await ctx.close();
});

describe('transactions', () => {
  it('commits several writes atomically with withTransaction', async () => {
    const accounts = db.collection<Doc>('accounts');
    await accounts.insertMany([
      { _id: 'a', balance: 100 },
      { _id: 'b', balance: 0 },
    ]);
    const session = ctx.client.startSession();
    try {
      await session.withTransaction(async () => {
        await accounts.updateOne({ _id: 'a' }, { $inc: { balance: -30 } }, { session });
        await accounts.updateOne({ _id: 'b' }, { $inc: { balance: 30 } }, { session });
        await db.collection<Doc>('log').insertOne({ moved: 30 }, { session });
        // The transaction reads its own writes; nobody else sees them before the commit.
        expect(await db.collection<Doc>('log').countDocuments({}, { session })).toBe(1);
        expect(await accounts.findOne({ _id: 'a' }, { session })).toEqual({
          _id: 'a',
          balance: 70,
        });
        expect(await db.collection<Doc>('log').countDocuments()).toBe(0);
        expect(await accounts.findOne({ _id: 'a' })).toEqual({ _id: 'a', balance: 100 });
      });
    } finally {
      await session.endSession();
    }
    expect(await accounts.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', balance: 70 },
      { _id: 'b', balance: 30 },
    ]);
    expect(await db.collection<Doc>('log').countDocuments()).toBe(1);
  });

  it('leaves nothing behind after an abort', async () => {
    const session = ctx.client.startSession();
    try {
      session.startTransaction();
      await db.collection<Doc>('log').insertOne({ aborted: true }, { session });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect(await db.collection<Doc>('log').countDocuments({ aborted: true })).toBe(0);
  });

  it('answers NoSuchTransaction with TransientTransactionError for an unknown transaction', async () => {
    const reply = await raw.command({
      find: 'log',
      filter: {},
      lsid: { id: new UUID() },
      txnNumber: Long.fromNumber(42),
      autocommit: false,
      $db: 'txn',
    });
    expect(reply).toMatchObject({
      ok: 0,
      code: 251,
      codeName: 'NoSuchTransaction',
      errorLabels: ['TransientTransactionError'],
    });
  });

  it('accepts a retried commitTransaction after success', async () => {
    const lsid = { id: new UUID() };
    const txnNumber = Long.fromNumber(7);
    const inserted = await raw.command({
      insert: 'log',
      documents: [{ raw: 1 }],
      lsid,
      txnNumber,
      autocommit: false,
      startTransaction: true,
      $db: 'txn',
    });
    expect(inserted).toMatchObject({ ok: 1, n: 1 });
    const commit = { commitTransaction: 1, lsid, txnNumber, autocommit: false, $db: 'admin' };
    expect((await raw.command(commit)).ok).toBe(1);
    expect((await raw.command(commit)).ok).toBe(1);
    expect(await db.collection<Doc>('log').countDocuments({ raw: 1 })).toBe(1);
    const late = await raw.command({ find: 'log', lsid, txnNumber, autocommit: false, $db: 'txn' });
    expect(late).toMatchObject({ ok: 0, code: 256 });
  });

  it('aborts a transaction whose statement failed; its commit then gets NoSuchTransaction', async () => {
    const lsid = { id: new UUID() };
    const txnNumber = Long.fromNumber(1);
    await db.collection<Doc>('log').insertOne({ _id: 'taken' });
    const failed = await raw.command({
      insert: 'log',
      documents: [{ _id: 'fresh' }, { _id: 'taken' }],
      lsid,
      txnNumber,
      autocommit: false,
      startTransaction: true,
      $db: 'txn',
    });
    expect(failed.writeErrors[0]).toMatchObject({ index: 1, code: 11000 });
    const commit = await raw.command({
      commitTransaction: 1,
      lsid,
      txnNumber,
      autocommit: false,
      $db: 'admin',
    });
    expect(commit).toMatchObject({ ok: 0, code: 251 });
    expect(await db.collection<Doc>('log').countDocuments({ _id: 'fresh' })).toBe(0);
  });

  it('turns a conflicting write into WriteConflict, and withTransaction retries it', async () => {
    const coll = db.collection<Doc>('contended');
    await coll.insertOne({ _id: 1, n: 0 });
    const s1 = ctx.client.startSession();
    const s2 = ctx.client.startSession();
    try {
      s1.startTransaction();
      await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: s1 });
      s2.startTransaction();
      const conflict = await coll
        .updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: s2 })
        .then(() => s2.commitTransaction())
        .catch((e: unknown) => e);
      await s1.commitTransaction();
      expect(conflict).toBeInstanceOf(MongoServerError);
      expect((conflict as MongoServerError).code).toBe(112);
      expect((conflict as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
      await s2.abortTransaction().catch(() => undefined);
      let attempts = 0;
      await s2.withTransaction(async () => {
        attempts++;
        await coll.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: s2 });
      });
      expect(attempts).toBeGreaterThanOrEqual(1);
      expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, n: 2 });
    } finally {
      await s1.endSession();
      await s2.endSession();
    }
  });
});

describe('writes outside transactions', () => {
  it('wait for a transaction holding the document instead of failing, and count once', async () => {
    const coll = db.collection<Doc>('blocked');
    await coll.insertMany([
      { _id: 1, n: 0 },
      { _id: 2, n: 0 },
    ]);
    const session = ctx.client.startSession();
    try {
      session.startTransaction();
      await coll.updateOne({ _id: 2 }, { $inc: { n: 10 } }, { session });
      const outside = coll.updateMany({}, { $inc: { n: 1 } });
      await session.commitTransaction();
      const result = await outside;
      expect(result).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    } finally {
      await session.endSession();
    }
    expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, n: 1 },
      { _id: 2, n: 11 },
    ]);
  });
});

describe('retryable writes', () => {
  it('replays the reply of a repeated (lsid, txnNumber) instead of writing twice', async () => {
    const lsid = { id: new UUID() };
    const command = {
      update: 'retry',
      updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 } }, upsert: true }],
      lsid,
      txnNumber: Long.fromNumber(1),
      $db: 'txn',
    };
    const first = await raw.command(command);
    const second = await raw.command(command);
    expect(first).toMatchObject({ ok: 1, n: 1, upserted: [{ index: 0, _id: 1 }] });
    expect(second.n).toBe(first.n);
    expect(second.upserted).toEqual(first.upserted);
    expect(await db.collection<Doc>('retry').findOne({ _id: 1 })).toEqual({ _id: 1, n: 1 });
    await raw.command({ ...command, txnNumber: Long.fromNumber(2) });
    expect(await db.collection<Doc>('retry').findOne({ _id: 1 })).toEqual({ _id: 1, n: 2 });
    const old = await raw.command({ ...command, txnNumber: Long.fromNumber(0) });
    expect(old).toMatchObject({ ok: 0, code: 225 });
  });

  it('works through the driver with default retryWrites', async () => {
    const coll = db.collection<Doc>('retry_driver');
    await coll.insertOne({ _id: 1 });
    await coll.updateOne({ _id: 1 }, { $set: { a: 1 } });
    expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1 });
  });
});
