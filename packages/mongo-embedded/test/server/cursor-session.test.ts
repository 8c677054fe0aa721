/**
 * getMore checked a cursor's session only when BOTH the cursor and the getMore carried an lsid,
 * and never checked the transaction a cursor was opened in (found by a review). MongoDB refuses
 * a getMore
 *   - without an lsid on a cursor created in a session (50737),
 *   - in a session on a cursor created outside any session (50736),
 *   - outside the transaction the cursor was created in (50740: "created in transaction ...,
 *     without a txnNumber").
 * Any connection that learns a cursor id can drain another session's cursor, including one
 * holding a transaction's uncommitted snapshot, after that transaction aborted.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- raw command replies are untyped BSON documents */
import { type Binary, Long, UUID } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startServerWithClient } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;
let raw: RawClient;
const DB = 'cursor_session';
beforeAll(async () => {
  ctx = await startServerWithClient();
  await ctx.client
    .db(DB)
    .collection<{ _id: number }>('c')
    .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  raw = await RawClient.connect(ctx.server.port);
});
afterAll(async () => {
  raw.close();
  await ctx.close();
});

const newLsid = () => ({ id: new UUID() as Binary });

describe('getMore and the session/transaction of its cursor', () => {
  it('refuses a getMore without lsid on a cursor created in a session (50737)', async () => {
    const lsid = newLsid();
    const opened = await raw.command({ find: 'c', batchSize: 1, lsid, $db: DB });
    expect(opened.ok).toBe(1);
    const more = await raw.command({ getMore: opened.cursor.id, collection: 'c', $db: DB });
    expect(more).toMatchObject({ ok: 0, code: 50737 });
  });

  it('refuses a getMore in a session on a cursor created without one (50736)', async () => {
    const opened = await raw.command({ find: 'c', batchSize: 1, $db: DB });
    expect(opened.ok).toBe(1);
    const more = await raw.command({
      getMore: opened.cursor.id,
      collection: 'c',
      lsid: newLsid(),
      $db: DB,
    });
    expect(more).toMatchObject({ ok: 0, code: 50736 });
  });

  it('refuses a getMore outside the transaction that created the cursor (50740)', async () => {
    const lsid = newLsid();
    const inTxn = { lsid, txnNumber: Long.fromNumber(1), autocommit: false };
    await raw.command({
      insert: 'c',
      documents: [{ _id: 'uncommitted' }],
      ...inTxn,
      startTransaction: true,
      $db: DB,
    });
    const opened = await raw.command({ find: 'c', batchSize: 1, ...inTxn, $db: DB });
    expect(opened.ok).toBe(1);
    expect((await raw.command({ abortTransaction: 1, ...inTxn, $db: 'admin' })).ok).toBe(1);
    const more = await raw.command({ getMore: opened.cursor.id, collection: 'c', lsid, $db: DB });
    // Before the fix: ok 1, and the batch still held the aborted transaction's document.
    expect(more).toMatchObject({ ok: 0, code: 50740 });
  });
  it('refuses a getMore from another session (50738) or another transaction (50741)', async () => {
    const lsid = newLsid();
    const opened = await raw.command({ find: 'c', batchSize: 1, lsid, $db: DB });
    const other = await raw.command({
      getMore: opened.cursor.id,
      collection: 'c',
      lsid: newLsid(),
      $db: DB,
    });
    expect(other).toMatchObject({ ok: 0, code: 50738 });
    // Refused calls leave the cursor usable by its own session.
    const own = await raw.command({ getMore: opened.cursor.id, collection: 'c', lsid, $db: DB });
    expect(own).toMatchObject({ ok: 1, cursor: { nextBatch: [{ _id: 2 }, { _id: 3 }] } });

    const txnLsid = newLsid();
    const txn = (n: number) => ({
      lsid: txnLsid,
      txnNumber: Long.fromNumber(n),
      autocommit: false,
    });
    const inTxn = await raw.command({
      find: 'c',
      batchSize: 1,
      ...txn(1),
      startTransaction: true,
      $db: DB,
    });
    expect(inTxn.ok).toBe(1);
    await raw.command({ commitTransaction: 1, ...txn(1), $db: 'admin' });
    await raw.command({ find: 'c', limit: 1, ...txn(2), startTransaction: true, $db: DB });
    const later = await raw.command({
      getMore: inTxn.cursor.id,
      collection: 'c',
      ...txn(2),
      $db: DB,
    });
    expect(later).toMatchObject({ ok: 0, code: 50741 });
    await raw.command({ abortTransaction: 1, ...txn(2), $db: 'admin' });
  });
});
