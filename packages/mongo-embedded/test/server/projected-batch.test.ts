/**
 * Cursor batches were cut at ~16 MB using the sizes of the documents BEFORE the find projection
 * ("a projection only shrinks documents"; found by a review).
 * Since MongoDB 4.4 a find projection may hold aggregation expressions, which can grow a
 * document. Seven 2 MB documents projected to 8 MB each go out as one 56 MB reply, above both
 * the 16 MB batch limit and maxMessageSizeBytes (48 MB): the driver drops the connection and the
 * query fails. MongoDB sizes batches by the documents it actually returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerWithClient } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;
beforeAll(async () => {
  ctx = await startServerWithClient();
});
afterAll(async () => {
  await ctx.close();
});

describe('find with a projection that grows documents', () => {
  it('returns every document in batches that fit the wire limits', async () => {
    const coll = ctx.client.db('projected_batch').collection<{ _id: number; s: string }>('big');
    const s = 'x'.repeat(2 * 1024 * 1024);
    await coll.insertMany(Array.from({ length: 7 }, (_, i) => ({ _id: i, s })));
    const docs = await coll
      .find({}, { projection: { _id: 1, x: { $concat: ['$s', '$s', '$s', '$s'] } } })
      .toArray();
    expect(docs).toHaveLength(7);
    expect(docs.every((doc) => (doc as { x?: string }).x?.length === 8 * 1024 * 1024)).toBe(true);
  }, 60_000);
});
