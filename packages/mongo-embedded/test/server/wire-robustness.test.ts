/* eslint-disable @typescript-eslint/no-unsafe-member-access -- raw command replies are untyped BSON documents */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from '../../src/wire/crc32c.js';
import { RawClient, startServerWithClient } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;

beforeAll(async () => {
  ctx = await startServerWithClient();
});
afterAll(async () => {
  await ctx.close();
});

async function serverStillServes(): Promise<void> {
  expect((await ctx.client.db('admin').command({ ping: 1 })).ok).toBe(1);
  const raw = await RawClient.connect(ctx.server.port);
  try {
    expect((await raw.command({ ping: 1, $db: 'admin' })).ok).toBe(1);
  } finally {
    raw.close();
  }
}

describe('malformed wire input', () => {
  it('closes a connection that sends garbage, and only that one', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    raw.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await raw.waitClosed();
    await serverStillServes();
  });

  it('closes on a length shorter than the header or above maxMessageSizeBytes', async () => {
    for (const length of [3, 60_000_000, -5]) {
      const raw = await RawClient.connect(ctx.server.port);
      const header = Buffer.alloc(16);
      header.writeInt32LE(length, 0);
      header.writeInt32LE(2013, 12);
      raw.send(header);
      await raw.waitClosed();
    }
    await serverStillServes();
  });

  it('closes on a body whose BSON length lies', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    const message = raw.opMsg({ ping: 1, $db: 'admin' });
    message.writeInt32LE(4096, 21);
    raw.send(message);
    await raw.waitClosed();
    await serverStillServes();
  });

  it('closes on a bad checksum, an unknown opcode and OP_COMPRESSED', async () => {
    const bad = await RawClient.connect(ctx.server.port);
    const withChecksum = bad.opMsg({ ping: 1, $db: 'admin' }, 1);
    const extended = Buffer.alloc(withChecksum.length + 4);
    withChecksum.copy(extended);
    extended.writeInt32LE(extended.length, 0);
    extended.writeUInt32LE(
      (crc32c(extended, 0, extended.length - 4) ^ 1) >>> 0,
      extended.length - 4,
    );
    bad.send(extended);
    await bad.waitClosed();

    for (const opCode of [2012, 2002, 9999]) {
      const raw = await RawClient.connect(ctx.server.port);
      const message = raw.opMsg({ ping: 1, $db: 'admin' });
      message.writeInt32LE(opCode, 12);
      raw.send(message);
      await raw.waitClosed();
    }
    await serverStillServes();
  });

  it('accepts a message with a valid checksum', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    try {
      const plain = raw.opMsg({ ping: 1, $db: 'admin' }, 1);
      const message = Buffer.alloc(plain.length + 4);
      plain.copy(message);
      message.writeInt32LE(message.length, 0);
      message.writeUInt32LE(crc32c(message, 0, message.length - 4), message.length - 4);
      raw.send(message);
      expect((await raw.readReply()).ok).toBe(1);
    } finally {
      raw.close();
    }
  });

  it('handles a message split across many writes', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    try {
      const message = raw.opMsg({ ping: 1, $db: 'admin' });
      for (const byte of message) raw.send(Buffer.from([byte]));
      expect((await raw.readReply()).ok).toBe(1);
    } finally {
      raw.close();
    }
  });

  it('sends no reply for moreToCome writes and applies them in order', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    try {
      const coll = 'unacknowledged';
      raw.send(
        raw.opMsg(
          { insert: coll, documents: [{ _id: 1 }], $db: 'wire', writeConcern: { w: 0 } },
          2,
        ),
      );
      raw.send(
        raw.opMsg(
          { insert: coll, documents: [{ _id: 2 }], $db: 'wire', writeConcern: { w: 0 } },
          2,
        ),
      );
      const reply = await raw.command({ find: coll, filter: {}, $db: 'wire' });
      expect(reply.cursor.firstBatch).toEqual([{ _id: 1 }, { _id: 2 }]);
    } finally {
      raw.close();
    }
  });

  it('answers a command without $db with an error instead of closing', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    try {
      const reply = await raw.command({ ping: 1 });
      expect(reply).toMatchObject({ ok: 0, code: 40571 });
      expect((await raw.command({ ping: 1, $db: 'admin' })).ok).toBe(1);
    } finally {
      raw.close();
    }
  });
});
