/**
 * MongoDB limits a namespace (`<db>.<collection>`) to 255 bytes and refuses longer ones with
 * InvalidNamespace (73). The embedded server once checked the database name's length only, so a
 * client could create collections with names of any length (up to the 48 MB message limit),
 * which then lived in the catalog, every checkpoint and every journal record naming them.
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

describe('namespace length', () => {
  it('refuses a namespace longer than 255 bytes (InvalidNamespace 73)', async () => {
    const db = ctx.client.db('namespace_length');
    const name = 'c'.repeat(300);
    await expect(db.collection(name).insertOne({ a: 1 })).rejects.toMatchObject({ code: 73 });
    await expect(db.createCollection('d'.repeat(10_000))).rejects.toMatchObject({ code: 73 });
    const names = (await db.listCollections().toArray()).map((c) => c.name);
    expect(names.filter((n) => n.length > 255)).toEqual([]);
  });
});
