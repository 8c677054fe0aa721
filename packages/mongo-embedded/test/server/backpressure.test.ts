/**
 * A connection's requests were read and answered with no regard to socket backpressure
 * (onData queued every framed message, write() ignored the return value of socket.write; found
 * by a review). A client that pipelines cheap requests with large replies and never reads
 * makes the server buffer every reply in memory, without bound. MongoDB handles one request per
 * connection at a time and blocks on the send, so at most about one reply (plus the kernel's
 * socket buffers) is ever held for a client that stops reading.
 */
import net from 'node:net';
import { serialize } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerWithClient } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;
beforeAll(async () => {
  ctx = await startServerWithClient();
});
afterAll(async () => {
  await ctx.close();
});

function opMsg(command: object, requestId: number): Buffer {
  const body = Buffer.from(serialize(command));
  const out = Buffer.alloc(21 + body.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(2013, 12);
  body.copy(out, 21);
  return out;
}

async function bytesOut(): Promise<number> {
  const status = await ctx.client.db('admin').command({ serverStatus: 1 });
  return Number((status.network as { bytesOut: number }).bytesOut);
}

describe('a client that stops reading', () => {
  it('does not make the server buffer an unbounded amount of replies', async () => {
    const coll = ctx.client.db('backpressure').collection('big');
    await coll.insertOne({ _id: 1 as never, blob: 'x'.repeat(1024 * 1024) });

    const socket = net.connect(ctx.server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause(); // never read a reply
    socket.on('error', () => undefined);
    const before = await bytesOut();
    const requests = 200; // ~200 MB of replies for ~15 KB of requests
    for (let i = 0; i < requests; i++) {
      socket.write(opMsg({ find: 'big', filter: {}, $db: 'backpressure' }, i + 1));
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const queued = (await bytesOut()) - before;
    socket.destroy();
    // Kernel buffers on loopback hold a few MB; anything near 200 MB is unbounded buffering.
    expect(queued).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);
});
