import { ObjectId } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestDb } from '../test/database.js';
import { nextSequence } from './sequences.js';
import { withTransaction } from './transaction.js';

describe('nextSequence in transactions', () => {
  const handle = openTestDb('sequences');
  afterAll(() => handle.drop());

  it('counts 1, 2, 3 per org and series', async () => {
    const org = new ObjectId();
    const take = (series: string) =>
      withTransaction(handle.client, (session) =>
        nextSequence(handle.collections, org, series, { session }),
      );
    expect([
      await take('invoice'),
      await take('invoice'),
      await take('credit_note'),
      await take('invoice'),
    ]).toEqual([1, 2, 1, 3]);
  });

  it('gives the number back when the transaction aborts', async () => {
    const org = new ObjectId();
    await withTransaction(handle.client, (session) =>
      nextSequence(handle.collections, org, 'invoice', { session }),
    );
    await expect(
      withTransaction(handle.client, async (session) => {
        await nextSequence(handle.collections, org, 'invoice', { session });
        throw new Error('issue failed after taking a number');
      }),
    ).rejects.toThrow('issue failed');
    const next = await withTransaction(handle.client, (session) =>
      nextSequence(handle.collections, org, 'invoice', { session }),
    );
    expect(next).toBe(2);
  });

  it('hands out 1..N exactly once under concurrency', async () => {
    const org = new ObjectId();
    const n = 40;
    const numbers = await Promise.all(
      Array.from({ length: n }, () =>
        withTransaction(handle.client, (session) =>
          nextSequence(handle.collections, org, 'invoice', { session }),
        ),
      ),
    );
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});
