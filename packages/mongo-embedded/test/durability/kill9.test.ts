/**
 * Acceptance: acknowledged writes survive `kill -9`, and a transaction is never half applied.
 * The server runs as a child process on a data dir; the test streams acknowledged inserts
 * and multi-document transactions through the official driver, SIGKILLs the server while
 * they are in flight, restarts it on the same dbPath and checks every acknowledgement.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedProcess, type EmbeddedProcess } from './embedded-process.js';

const INSERT_WORKERS = 8;
const TXN_WORKERS = 3;

interface Acked {
  inserts: Set<string>;
  txns: Set<string>;
}

const clientOptions = { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 };

async function insertWorker(client: MongoClient, w: number, acked: Acked, stop: () => boolean) {
  const coll = client
    .db('crash')
    .collection<{ _id: string; w: number; n: number; pad: string }>('events');
  for (let n = 0; !stop(); n++) {
    const _id = `w${w}-${n}`;
    await coll.insertOne({ _id, w, n, pad: 'x'.repeat(200) });
    acked.inserts.add(_id); // only after the server acknowledged it
  }
}

/** Each transaction writes two collections and a shared counter; all or nothing. */
async function txnWorker(client: MongoClient, w: number, acked: Acked, stop: () => boolean) {
  const db = client.db('crash');
  for (let n = 0; !stop(); n++) {
    const id = `t${w}-${n}`;
    const session = client.startSession();
    try {
      session.startTransaction();
      await db.collection<{ _id: string }>('txnA').insertOne({ _id: id }, { session });
      await db.collection<{ _id: string }>('txnB').insertOne({ _id: id }, { session });
      await db
        .collection<{ _id: string; count: number }>('ledger')
        .updateOne({ _id: `worker${w}` }, { $inc: { count: 1 } }, { session, upsert: true });
      await session.commitTransaction();
      acked.txns.add(id);
    } catch (error) {
      await session.abortTransaction().catch(() => undefined);
      throw error;
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }
}

describe('kill -9 durability', () => {
  let server: EmbeddedProcess | undefined;
  let dbPath: string | undefined;
  afterEach(async () => {
    await server?.kill9();
    if (dbPath) await rm(dbPath, { recursive: true, force: true });
  });

  it('keeps every acknowledged insert and commit, and no partial transaction', async () => {
    dbPath = await mkdtemp(join(tmpdir(), 'kill9-'));
    const acked: Acked = { inserts: new Set(), txns: new Set() };

    for (let round = 0; round < 2; round++) {
      server = await startEmbeddedProcess(dbPath);
      const client = await MongoClient.connect(server.uri, clientOptions);
      let stopped = false;
      const stop = (): boolean => stopped;
      const workers = [
        ...Array.from({ length: INSERT_WORKERS }, (_, w) =>
          insertWorker(client, round * 100 + w, acked, stop),
        ),
        ...Array.from({ length: TXN_WORKERS }, (_, w) =>
          txnWorker(client, round * 100 + w, acked, stop),
        ),
      ].map((p) => p.catch((error: unknown) => error));

      // Let writes stream, then kill while they are still in flight.
      const target = { inserts: acked.inserts.size + 400, txns: acked.txns.size + 40 };
      while (acked.inserts.size < target.inserts || acked.txns.size < target.txns) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await server.kill9();
      stopped = true;
      const outcomes = await Promise.all(workers);
      // Workers end cut off by the kill (a connection error; or cleanly, if one saw `stopped`
      // between two writes), never by a logic error such as a duplicate key.
      for (const outcome of outcomes) {
        if (outcome === undefined) continue;
        const text = outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : 'non-error';
        expect(text).toMatch(/Mongo|connect|closed|ECONNRE|socket|Server selection/i);
        expect(text).not.toMatch(/duplicate key|E11000/);
      }
      await client.close(true);
    }

    server = await startEmbeddedProcess(dbPath);
    const client = await MongoClient.connect(server.uri, clientOptions);
    try {
      const db = client.db('crash');
      const events = new Set(
        (
          await db
            .collection<{ _id: string }>('events')
            .find({}, { projection: { _id: 1 } })
            .toArray()
        ).map((d) => d._id),
      );
      const missingInserts = [...acked.inserts].filter((id) => !events.has(id));
      expect(missingInserts, server.log()).toEqual([]);

      const a = (await db.collection<{ _id: string }>('txnA').find().toArray()).map((d) => d._id);
      const b = (await db.collection<{ _id: string }>('txnB').find().toArray()).map((d) => d._id);
      expect(new Set(a)).toEqual(new Set(b)); // no transaction half applied
      expect([...acked.txns].filter((id) => !a.includes(id))).toEqual([]);
      const ledger = await db.collection<{ _id: string; count: number }>('ledger').find().toArray();
      const counted = ledger.reduce((sum, d) => sum + d.count, 0);
      expect(counted).toBe(a.length); // the counter moved exactly with the committed inserts
      expect(acked.inserts.size).toBeGreaterThanOrEqual(800);
      expect(acked.txns.size).toBeGreaterThanOrEqual(80);
    } finally {
      await client.close();
    }
  }, 180_000);
});
