/**
 * Journal replay keys documents by `_id` (src/durability/id-key.ts). It once turned a Decimal128
 * into a JavaScript double while the storage engine (src/storage/key-string.ts) keeps integral
 * Decimal128 values exact: two documents whose _ids differ beyond 2^53 were stored and
 * acknowledged, and replay after a crash folded them into one (a delete of one deleted both).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal128, MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedProcess, type EmbeddedProcess } from './embedded-process.js';

describe('journal replay keeps every acknowledged document', () => {
  let server: EmbeddedProcess | undefined;
  let dbPath: string | undefined;
  afterEach(async () => {
    await server?.kill9();
    if (dbPath) await rm(dbPath, { recursive: true, force: true });
  });

  it('two Decimal128 _ids that differ only beyond double precision both survive kill -9', async () => {
    dbPath = await mkdtemp(join(tmpdir(), 'review-idkeys-'));
    server = await startEmbeddedProcess(dbPath);
    let client = await MongoClient.connect(server.uri);
    const a = Decimal128.fromString('9007199254740993');
    const b = Decimal128.fromString('9007199254740992');
    const c = Decimal128.fromString('100000000000000000001');
    const d = Decimal128.fromString('100000000000000000000');
    const coll = client.db('review').collection<{ _id: Decimal128; v: string }>('ids');
    await coll.insertOne({ _id: a, v: 'a' });
    await coll.insertOne({ _id: b, v: 'b' });
    await coll.insertOne({ _id: c, v: 'c' });
    await coll.insertOne({ _id: d, v: 'd' });
    await coll.deleteOne({ _id: d });
    // The live server agrees these are distinct documents.
    expect((await coll.find().toArray()).map((doc) => doc.v).sort()).toEqual(['a', 'b', 'c']);
    await client.close();
    await server.kill9();

    server = await startEmbeddedProcess(dbPath);
    client = await MongoClient.connect(server.uri);
    try {
      const again = client.db('review').collection<{ _id: Decimal128; v: string }>('ids');
      expect((await again.find().toArray()).map((doc) => doc.v).sort()).toEqual(['a', 'b', 'c']);
    } finally {
      await client.close();
    }
  }, 60_000);
});
