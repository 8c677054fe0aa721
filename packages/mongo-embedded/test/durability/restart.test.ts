/**
 * A clean shutdown (SIGTERM) checkpoints: the restarted server has the documents, the
 * catalog (options, indexes, uuid) and nothing left to replay; the lock is released.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedProcess, type EmbeddedProcess } from './embedded-process.js';

describe('restart after a clean shutdown', () => {
  let server: EmbeddedProcess | undefined;
  let dbPath: string | undefined;
  afterEach(async () => {
    await server?.kill9();
    if (dbPath) await rm(dbPath, { recursive: true, force: true });
  });

  it('keeps documents and catalog through a checkpoint, with an empty journal', async () => {
    dbPath = await mkdtemp(join(tmpdir(), 'restart-'));
    server = await startEmbeddedProcess(dbPath);
    let client = await MongoClient.connect(server.uri);
    const validator = { $jsonSchema: { bsonType: 'object', required: ['n'] } };
    await client.db('shop').createCollection('orders', { validator });
    const orders = client.db('shop').collection<{ _id: number; n: number; tag?: string }>('orders');
    await orders.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, n: i * 2 })));
    await orders.createIndex({ n: 1 }, { unique: true, name: 'n_unique' });
    await orders.updateOne({ _id: 7 }, { $set: { tag: 'seven' } });
    await orders.deleteOne({ _id: 8 });
    await client.db('shop').collection('scratch').insertOne({ x: 1 });
    await client.db('shop').collection('scratch').rename('kept');
    const [before] = await client.db('shop').listCollections({ name: 'orders' }).toArray();
    await client.close();
    expect(await server.terminate()).toBe(0);

    const files = await readdir(dbPath);
    expect(files).toContain('checkpoint.ckpt');
    expect(files).not.toContain('mongod.lock');
    const segments = await readdir(join(dbPath, 'journal'));
    expect(segments).toHaveLength(1);
    expect((await stat(join(dbPath, 'journal', segments[0] ?? ''))).size).toBe(0);

    server = await startEmbeddedProcess(dbPath);
    client = await MongoClient.connect(server.uri);
    try {
      const again = client
        .db('shop')
        .collection<{ _id: number; n: number; tag?: string }>('orders');
      expect(await again.countDocuments()).toBe(299);
      expect(await again.findOne({ _id: 7 })).toEqual({ _id: 7, n: 14, tag: 'seven' });
      expect(await again.findOne({ _id: 8 })).toBeNull();
      const indexes = await again.listIndexes().toArray();
      expect(indexes.find((i: { name?: unknown }) => i.name === 'n_unique')).toMatchObject({
        key: { n: 1 },
        unique: true,
      });
      const [after] = await client.db('shop').listCollections({ name: 'orders' }).toArray();
      expect(after).toEqual(before); // options (validator) and info.uuid unchanged
      const names = (await client.db('shop').listCollections().toArray()).map((c) => c.name);
      expect(names.sort()).toEqual(['kept', 'orders']);
      await expect(again.insertOne({ _id: 1000, n: 0 })).rejects.toMatchObject({ code: 11000 });
    } finally {
      await client.close();
    }
  }, 60_000);
});
