/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- raw command replies are untyped BSON documents */
import type { Collection } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerWithClient } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;
let coll: Collection<{ _id: number }>;

beforeAll(async () => {
  ctx = await startServerWithClient();
  coll = ctx.client.db('cursors').collection<{ _id: number }>('docs');
  await coll.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i })));
});
afterAll(async () => {
  await ctx.close();
});

describe('cursors', () => {
  it('returns 101 documents in the first batch by default', async () => {
    const db = ctx.client.db('cursors');
    const reply = await db.command({ find: 'docs', filter: {} });
    expect(reply.cursor.firstBatch).toHaveLength(101);
    expect(reply.cursor.id.toString()).not.toBe('0');
    const more = await db.command({ getMore: reply.cursor.id, collection: 'docs' });
    expect(more.cursor.nextBatch).toHaveLength(149);
    expect(more.cursor.id.toString()).toBe('0');
  });

  it('returns natural order reversed for { $natural: -1 }', async () => {
    const last = await coll.find({}).sort({ $natural: -1 }).limit(2).toArray();
    expect(last).toEqual([{ _id: 249 }, { _id: 248 }]);
  });

  it('iterates everything through getMore with a batchSize', async () => {
    const all = await coll.find({}, { batchSize: 7 }).sort({ _id: 1 }).toArray();
    expect(all).toHaveLength(250);
    expect(all[249]).toEqual({ _id: 249 });
  });

  it('closes a cursor with killCursors; getMore then fails with CursorNotFound', async () => {
    const db = ctx.client.db('cursors');
    const reply = await db.command({ find: 'docs', filter: {}, batchSize: 2 });
    const id = reply.cursor.id;
    const killed = await db.command({ killCursors: 'docs', cursors: [id] });
    expect(killed.cursorsKilled.map(String)).toEqual([String(id)]);
    const error = await db.command({ getMore: id, collection: 'docs' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 43, codeName: 'CursorNotFound' });
  });

  it('returns a single batch for singleBatch and a negative limit', async () => {
    const db = ctx.client.db('cursors');
    const single = await db.command({ find: 'docs', filter: {}, batchSize: 5, singleBatch: true });
    expect(single.cursor.firstBatch).toHaveLength(5);
    expect(single.cursor.id.toString()).toBe('0');
    const limited = await coll.find({}).limit(-3).toArray();
    expect(limited).toHaveLength(3);
  });

  it('opens aggregation and listCollections cursors', async () => {
    const db = ctx.client.db('cursors');
    const reply = await db.command({
      aggregate: 'docs',
      pipeline: [{ $match: { _id: { $lt: 10 } } }],
      cursor: { batchSize: 4 },
    });
    expect(reply.cursor.firstBatch).toHaveLength(4);
    const rest = await db.command({ getMore: reply.cursor.id, collection: 'docs', batchSize: 100 });
    expect(rest.cursor.nextBatch).toHaveLength(6);
    const collections = await db.listCollections().toArray();
    expect(collections.map((c) => c.name)).toEqual(['docs']);
  });
});
