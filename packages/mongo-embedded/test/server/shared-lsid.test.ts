/**
 * Two connections using the same lsid (found by a review). MongoDB checks a session out for the
 * duration of each command, so commands on one session never interleave. The embedded server had no such
 * lock: while connection A's commitTransaction awaits the journal fsync, connection B starts the
 * next transaction on the session; A's commit then finishes by writing
 * `txnState = 'committed'; txn = undefined` over B's live transaction. B's commitTransaction is
 * then answered ok (a "retry" of a committed transaction) although B's insert was never
 * committed, and B's storage transaction is never aborted (it keeps its document locked).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Binary, Long, UUID } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../src/server.js';
import { RawClient } from './harness.js';

let server: EmbeddedMongo;
let dbPath: string;
beforeAll(async () => {
  dbPath = await mkdtemp(join(tmpdir(), 'shared-lsid-'));
  server = await startEmbeddedMongo({ dbPath });
});
afterAll(async () => {
  await server.stop();
  await rm(dbPath, { recursive: true, force: true });
});

describe('one lsid on two connections', () => {
  it('never acknowledges a commit whose writes are not committed', async () => {
    const a = await RawClient.connect(server.port);
    const b = await RawClient.connect(server.port);
    const client = await MongoClient.connect(server.uri);
    const coll = client.db('shared_lsid').collection<{ _id: string }>('t');
    const violations: string[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const lsid = { id: new UUID() as Binary };
        const txn = (n: number) => ({ lsid, txnNumber: Long.fromNumber(n), autocommit: false });
        const first = await a.command({
          insert: 't',
          documents: [{ _id: `a${round}` }],
          ...txn(1),
          startTransaction: true,
          $db: 'shared_lsid',
        });
        expect(first.ok).toBe(1);
        // A commits transaction 1 while B starts transaction 2 on the same session.
        const commitA = a.command({ commitTransaction: 1, ...txn(1), $db: 'admin' });
        const startB = b.command({
          insert: 't',
          documents: [{ _id: `b${round}` }],
          ...txn(2),
          startTransaction: true,
          $db: 'shared_lsid',
        });
        const [committedA, startedB] = await Promise.all([commitA, startB]);
        if (committedA.ok !== 1 || startedB.ok !== 1 || startedB.writeErrors) continue;
        const committedB = await b.command({ commitTransaction: 1, ...txn(2), $db: 'admin' });
        if (committedB.ok === 1 && (await coll.findOne({ _id: `b${round}` })) === null) {
          violations.push(
            `round ${round}: commit of transaction 2 acknowledged, b${round} missing`,
          );
        }
      }
    } finally {
      a.close();
      b.close();
      await client.close();
    }
    expect(violations).toEqual([]);
  }, 60_000);
});
