/**
 * An exhaust (exhaustAllowed) awaitable hello whose topologyVersion names another
 * processId (a stale one, e.g. from before a restart, or any hostile client) is answered at
 * once, as MongoDB does, but MongoDB then awaits maxAwaitTimeMS before each following reply of
 * the stream (the next round uses the topologyVersion of the previous reply). The embedded
 * server once re-ran the same stale command forever without leaving the microtask queue: the
 * whole process stopped serving every other client and buffered replies without bound.
 *
 * The server runs as a child process so that a hang fails this test instead of freezing it.
 */
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Long, ObjectId, serialize } from 'bson';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedProcess, type EmbeddedProcess } from '../durability/embedded-process.js';
import { RawClient } from './harness.js';

function opMsg(command: object, flags: number, requestId: number): Buffer {
  const body = Buffer.from(serialize(command));
  const out = Buffer.alloc(21 + body.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(0, 8);
  out.writeInt32LE(2013, 12);
  out.writeUInt32LE(flags >>> 0, 16);
  out[20] = 0;
  body.copy(out, 21);
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms),
    ),
  ]);
}

describe('exhaust hello with a stale topologyVersion', () => {
  let server: EmbeddedProcess | undefined;
  let dbPath: string | undefined;
  afterEach(async () => {
    await server?.kill9();
    if (dbPath) await rm(dbPath, { recursive: true, force: true });
  });

  it('paces the stream by maxAwaitTimeMS and keeps serving other clients', async () => {
    dbPath = await mkdtemp(join(tmpdir(), 'review-exhaust-'));
    server = await startEmbeddedProcess(dbPath);
    const port = Number(new URL(server.uri).port);

    // The streaming client: counts reply bytes without buffering them.
    const stream = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => stream.once('connect', () => resolve()));
    let replies = 0;
    let pending = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        pending = pending.subarray(pending.readInt32LE(0));
        replies++;
      }
    });
    stream.on('error', () => undefined);
    const staleTopology = { processId: new ObjectId(), counter: Long.ZERO };
    stream.write(
      opMsg(
        { hello: 1, topologyVersion: staleTopology, maxAwaitTimeMS: 1000, $db: 'admin' },
        1 << 16, // exhaustAllowed
        1,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Another client must still be served.
    const other = await withTimeout(RawClient.connect(port), 3000, 'connect');
    try {
      const reply = await withTimeout(other.command({ ping: 1, $db: 'admin' }), 3000, 'ping');
      expect(reply.ok).toBe(1);
    } finally {
      other.close();
      stream.destroy();
    }
    // First reply at once, then one per maxAwaitTimeMS (1.5 s + the ping: a handful at most).
    expect(replies).toBeGreaterThanOrEqual(1);
    expect(replies).toBeLessThan(10);
  }, 30_000);
});
