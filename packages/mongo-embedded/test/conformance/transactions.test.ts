import { Long, MongoClient, MongoServerError, type ClientSession } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/core/transactions/,
// /core/transactions-production-consideration/ (write conflicts), /core/retryable-writes/,
// /reference/server-sessions/ and the drivers' convenient transaction API (withTransaction).
const conformance = useConformanceDb('transactions');

function coll(name: string) {
  return conformance.coll(name);
}

async function withSession<T>(work: (session: ClientSession) => Promise<T>): Promise<T> {
  const session = conformance.client.startSession();
  try {
    return await work(session);
  } finally {
    await session.endSession();
  }
}

beforeAll(async () => {
  // Collections are created up front so no test depends on implicit creation inside a transaction.
  for (const name of [
    'atomic_a',
    'atomic_b',
    'aborted',
    'snapshot',
    'conflict',
    'retry',
    'own_writes',
  ]) {
    await conformance.db.createCollection(name);
  }
});

describe('commit and abort', () => {
  it('a commit makes every write visible at once', async () => {
    await withSession(async (session) => {
      session.startTransaction();
      await coll('atomic_a').insertOne({ _id: 1, v: 'a' }, { session });
      await coll('atomic_b').insertOne({ _id: 1, v: 'b' }, { session });
      await coll('atomic_a').updateOne({ _id: 1 }, { $set: { touched: true } }, { session });
      // Outside the transaction nothing is visible yet.
      expect(await coll('atomic_a').countDocuments()).toBe(0);
      expect(await coll('atomic_b').countDocuments()).toBe(0);
      await session.commitTransaction();
    });
    expect(await coll('atomic_a').findOne({ _id: 1 })).toEqual({ _id: 1, v: 'a', touched: true });
    expect(await coll('atomic_b').findOne({ _id: 1 })).toEqual({ _id: 1, v: 'b' });
  });

  it('a transaction reads its own uncommitted writes', async () => {
    await withSession(async (session) => {
      session.startTransaction();
      await coll('own_writes').insertOne({ _id: 1, n: 1 }, { session });
      await coll('own_writes').updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session });
      expect(await coll('own_writes').findOne({ _id: 1 }, { session })).toEqual({ _id: 1, n: 2 });
      expect(await coll('own_writes').countDocuments({}, { session })).toBe(1);
      await session.abortTransaction();
    });
    expect(await coll('own_writes').countDocuments()).toBe(0);
  });

  it('an abort leaves nothing behind', async () => {
    await coll('aborted').insertOne({ _id: 'kept', n: 1 });
    await withSession(async (session) => {
      session.startTransaction();
      await coll('aborted').insertOne({ _id: 'new' }, { session });
      await coll('aborted').updateOne({ _id: 'kept' }, { $inc: { n: 10 } }, { session });
      await coll('aborted').deleteOne({ _id: 'kept' }, { session });
      await session.abortTransaction();
    });
    expect(await coll('aborted').find().toArray()).toEqual([{ _id: 'kept', n: 1 }]);
  });

  it('a duplicate key inside a transaction aborts it; nothing is committed', async () => {
    await coll('aborted').insertOne({ _id: 'dup' });
    await withSession(async (session) => {
      session.startTransaction();
      await coll('aborted').insertOne({ _id: 'before-dup' }, { session });
      const error = await serverError(coll('aborted').insertOne({ _id: 'dup' }, { session }));
      expect(error.code).toBe(11000);
      await session.abortTransaction();
    });
    expect(await coll('aborted').countDocuments({ _id: 'before-dup' })).toBe(0);
  });

  it('committing an empty transaction succeeds', async () => {
    await withSession(async (session) => {
      session.startTransaction();
      await expect(session.commitTransaction()).resolves.toBeUndefined();
    });
  });
});

describe('isolation', () => {
  it('a transaction reads from its snapshot, not later commits', async () => {
    await coll('snapshot').insertMany([
      { _id: 1, v: 'old' },
      { _id: 2, v: 'old' },
    ]);
    await withSession(async (session) => {
      session.startTransaction({ readConcern: { level: 'snapshot' } });
      expect((await coll('snapshot').findOne({ _id: 1 }, { session }))?.v).toBe('old');
      await coll('snapshot').updateOne({ _id: 2 }, { $set: { v: 'new' } });
      await coll('snapshot').insertOne({ _id: 3, v: 'new' });
      expect((await coll('snapshot').findOne({ _id: 2 }, { session }))?.v).toBe('old');
      expect(await coll('snapshot').countDocuments({}, { session })).toBe(2);
      await session.commitTransaction();
    });
    expect((await coll('snapshot').findOne({ _id: 2 }))?.v).toBe('new');
  });

  it('two transactions writing one document: the second gets WriteConflict (112)', async () => {
    await coll('conflict').insertOne({ _id: 1, n: 0 });
    const first = conformance.client.startSession();
    const second = conformance.client.startSession();
    try {
      first.startTransaction();
      second.startTransaction();
      await coll('conflict').updateOne({ _id: 1 }, { $inc: { n: 1 } }, { session: first });
      const error = await serverError(
        coll('conflict').updateOne({ _id: 1 }, { $inc: { n: 100 } }, { session: second }),
      );
      expect(error.code).toBe(112);
      expect(error.codeName).toBe('WriteConflict');
      expect(error.hasErrorLabel('TransientTransactionError')).toBe(true);

      // The server aborted the losing transaction: using it again is NoSuchTransaction (251).
      const after = await serverError(coll('conflict').findOne({ _id: 1 }, { session: second }));
      expect(after.code).toBe(251);
      expect(after.codeName).toBe('NoSuchTransaction');
      await second.abortTransaction();

      await first.commitTransaction();
    } finally {
      await first.endSession();
      await second.endSession();
    }
    expect((await coll('conflict').findOne({ _id: 1 }))?.n).toBe(1);
  });

  it('a transaction that wrote after a concurrent commit to the same document conflicts', async () => {
    await coll('conflict').insertOne({ _id: 2, n: 0 });
    await withSession(async (session) => {
      session.startTransaction({ readConcern: { level: 'snapshot' } });
      await coll('conflict').findOne({ _id: 2 }, { session });
      await coll('conflict').updateOne({ _id: 2 }, { $inc: { n: 5 } });
      const error = await serverError(
        coll('conflict').updateOne({ _id: 2 }, { $inc: { n: 1 } }, { session }),
      );
      expect(error.code).toBe(112);
      expect(error.hasErrorLabel('TransientTransactionError')).toBe(true);
      await session.abortTransaction();
    });
    expect((await coll('conflict').findOne({ _id: 2 }))?.n).toBe(5);
  });

  it('withTransaction retries the callback after a transient conflict', async () => {
    await coll('retry').insertOne({ _id: 'counter', n: 0 });
    let attempts = 0;
    await withSession(async (session) => {
      await session.withTransaction(async () => {
        attempts += 1;
        await coll('retry').findOne({ _id: 'counter' }, { session });
        if (attempts === 1) {
          // Another transaction takes the document first, so this attempt must conflict.
          await withSession(async (other) => {
            other.startTransaction();
            await coll('retry').updateOne(
              { _id: 'counter' },
              { $inc: { n: 10 } },
              { session: other },
            );
            try {
              await coll('retry').updateOne({ _id: 'counter' }, { $inc: { n: 1 } }, { session });
            } finally {
              await other.commitTransaction();
            }
          });
          return;
        }
        await coll('retry').updateOne({ _id: 'counter' }, { $inc: { n: 1 } }, { session });
      });
    });
    expect(attempts).toBe(2);
    expect((await coll('retry').findOne({ _id: 'counter' }))?.n).toBe(11);
  });
});

describe('sessions', () => {
  it('a causally consistent session reads its own writes and tracks operationTime', async () => {
    await withSession(async (session) => {
      await coll('causal').insertOne({ _id: 1 }, { session });
      expect(session.operationTime).toBeDefined();
      expect(await coll('causal').findOne({ _id: 1 }, { session })).toEqual({ _id: 1 });
    });
  });

  it('endSessions and killSessions answer ok', async () => {
    const admin = conformance.client.db('admin');
    const ended = conformance.client.startSession();
    const killed = conformance.client.startSession();
    try {
      await coll('sessions').insertOne({ a: 1 }, { session: ended });
      await coll('sessions').insertOne({ a: 2 }, { session: killed });
      expect(ended.id).toBeDefined();
      expect((await admin.command({ endSessions: [ended.id] })).ok).toBe(1);
      // Only this test's session: an empty list would kill every session on a shared server.
      expect((await admin.command({ killSessions: [killed.id] })).ok).toBe(1);
    } finally {
      await ended.endSession();
      await killed.endSession();
    }
  });
});

describe('retryable writes', () => {
  // The driver pools server sessions, so a session from the shared client may carry a lsid
  // whose txnNumber already moved past the small numbers below (MongoDB then answers
  // TransactionTooOld). A client of their own, whose sessions stay open until the end,
  // gives every test a lsid that was never used.
  let ownClient: MongoClient;
  const openSessions: ClientSession[] = [];

  beforeAll(async () => {
    ownClient = new MongoClient(inject('mongoUri'));
    await ownClient.connect();
  });

  afterAll(async () => {
    for (const session of openSessions) await session.endSession();
    await ownClient.close();
  });

  function freshSession(): ClientSession {
    const session = ownClient.startSession();
    openSessions.push(session);
    return session;
  }

  function ownDb() {
    return ownClient.db(conformance.name);
  }

  it('a retried insert with the same lsid and txnNumber is applied once', async () => {
    {
      const session = freshSession();
      const command = {
        insert: 'retryable',
        documents: [{ _id: 'once' }],
        txnNumber: Long.fromNumber(7),
      };
      const first = await ownDb().command(command, { session });
      const retried = await ownDb().command(command, { session });
      expect(first.n).toBe(1);
      // The retry reports the original outcome instead of a duplicate key error.
      expect(retried.n).toBe(1);
      expect(retried.writeErrors).toBeUndefined();
    }
    expect(await coll('retryable').countDocuments({ _id: 'once' })).toBe(1);
  });

  it('a retried $inc with the same lsid and txnNumber increments once', async () => {
    await coll('retryable').insertOne({ _id: 'counter', n: 0 });
    {
      const session = freshSession();
      const command = {
        update: 'retryable',
        updates: [{ q: { _id: 'counter' }, u: { $inc: { n: 1 } } }],
        txnNumber: Long.fromNumber(3),
      };
      const first = await ownDb().command(command, { session });
      const retried = await ownDb().command(command, { session });
      expect(first.nModified).toBe(1);
      expect(retried.nModified).toBe(1);
    }
    expect((await coll('retryable').findOne({ _id: 'counter' }))?.n).toBe(1);
  });

  it('a new txnNumber on the same session applies again', async () => {
    await coll('retryable').insertOne({ _id: 'twice', n: 0 });
    {
      const session = freshSession();
      for (const txnNumber of [1, 2]) {
        await ownDb().command(
          {
            update: 'retryable',
            updates: [{ q: { _id: 'twice' }, u: { $inc: { n: 1 } } }],
            txnNumber: Long.fromNumber(txnNumber),
          },
          { session },
        );
      }
    }
    expect((await coll('retryable').findOne({ _id: 'twice' }))?.n).toBe(2);
  });

  it('a txnNumber older than the latest one of the session is refused (TransactionTooOld)', async () => {
    const session = freshSession();
    const update = (txnNumber: number) =>
      ownDb().command(
        {
          update: 'retryable',
          updates: [{ q: { _id: 'old' }, u: { $set: { v: txnNumber } }, upsert: true }],
          txnNumber: Long.fromNumber(txnNumber),
        },
        { session },
      );
    await update(5);
    const error = await serverError(update(4));
    expect(error.code).toBe(225);
    expect((await coll('retryable').findOne({ _id: 'old' }))?.v).toBe(5);
  });

  it('commitTransaction for a transaction that never started is NoSuchTransaction', async () => {
    const session = freshSession();
    const error = await serverError(
      ownClient
        .db('admin')
        .command(
          { commitTransaction: 1, txnNumber: Long.fromNumber(1), autocommit: false },
          { session },
        ),
    );
    expect(error.code).toBe(251);
  });

  it('the driver retries writes by default (retryWrites) and they succeed normally', async () => {
    const result = await coll('retryable').insertOne({ _id: 'driver' });
    expect(result.acknowledged).toBe(true);
    const error = await serverError(coll('retryable').insertOne({ _id: 'driver' }));
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error.code).toBe(11000);
  });
});
