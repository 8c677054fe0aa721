import { Long } from 'bson';
import { MongoServerError, type Collection, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerWithClient } from './harness.js';

// Regression: createIndexes validated specs twice, and the command-level copy refused key
// directions MongoDB accepts ({ a: -2 }), silently dropped a Long expireAfterSeconds and
// ignored a non-simple collation. Now the storage's normalizeIndexSpec is the only check.
async function indexNamed(coll: Collection, name: string): Promise<Document | undefined> {
  const indexes = (await coll.listIndexes().toArray()) as unknown as Document[];
  return indexes.find((index) => index.name === name);
}

describe('createIndexes specs', () => {
  let ctx: Awaited<ReturnType<typeof startServerWithClient>>;
  beforeAll(async () => {
    ctx = await startServerWithClient();
  });
  afterAll(() => ctx.close());

  it('accepts any non-zero numeric direction and names the index after it', async () => {
    const coll = ctx.client.db('specs').collection('directions');
    expect(await coll.createIndex({ a: -2 })).toBe('a_-2');
    expect((await indexNamed(coll, 'a_-2'))?.key).toEqual({ a: -2 });
  });

  it('keeps a TTL given as a Long', async () => {
    const db = ctx.client.db('specs');
    await db.command({
      createIndexes: 'ttl',
      indexes: [{ key: { at: 1 }, name: 'at_ttl', expireAfterSeconds: Long.fromNumber(3600) }],
    });
    expect((await indexNamed(db.collection('ttl'), 'at_ttl'))?.expireAfterSeconds).toBe(3600);
  });

  it('refuses a collation it cannot honour instead of ignoring it', async () => {
    const error = await ctx.client
      .db('specs')
      .collection('collated')
      .createIndex({ name: 1 }, { collation: { locale: 'fr' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(67);
  });
});
