/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment -- raw command replies are untyped BSON documents */
import { serialize, deserialize } from 'bson';
import { MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startServerWithClient } from './harness.js';

let ctx: Awaited<ReturnType<typeof startServerWithClient>>;

beforeAll(async () => {
  ctx = await startServerWithClient();
});
afterAll(async () => {
  await ctx.close();
});

describe('handshake', () => {
  it('presents a single-node replica set with a writable primary', async () => {
    const hello = await ctx.client.db('admin').command({ hello: 1 });
    expect(hello).toMatchObject({
      isWritablePrimary: true,
      setName: 'rs0',
      secondary: false,
      logicalSessionTimeoutMinutes: 30,
      maxWireVersion: 21,
      minWireVersion: 0,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      ok: 1,
    });
    expect(hello.hosts).toEqual([`127.0.0.1:${ctx.server.port}`]);
    expect(hello.primary).toBe(`127.0.0.1:${ctx.server.port}`);
    expect(hello.topologyVersion.processId).toBeDefined();
    expect(hello.$clusterTime.clusterTime).toBeDefined();
    expect(hello.operationTime).toBeDefined();
    const legacy = await ctx.client.db('admin').command({ isMaster: 1 });
    expect(legacy.ismaster).toBe(true);
  });

  it('lets the driver discover a replica set with sessions support', async () => {
    await ctx.client.db('admin').command({ ping: 1 });
    const topology = (
      ctx.client as unknown as { topology: { description: { type: string; setName: string } } }
    ).topology.description;
    expect(topology.type).toBe('ReplicaSetWithPrimary');
    expect(topology.setName).toBe('rs0');
  });

  it('answers the admin commands drivers and tools use', async () => {
    const admin = ctx.client.db('admin');
    const build = await admin.command({ buildInfo: 1 });
    expect(build.version).toMatch(/^7\.0\./);
    expect(build.versionArray.slice(0, 2)).toEqual([7, 0]);
    expect((await admin.command({ hostInfo: 1 })).system.numCores).toBeGreaterThan(0);
    const parameter = await admin.command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(parameter.featureCompatibilityVersion).toEqual({ version: '7.0' });
    expect((await admin.command({ getCmdLineOpts: 1 })).parsed.net.port).toBe(ctx.server.port);
    expect((await admin.command({ whatsmyuri: 1 })).you).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await admin.command({ connectionStatus: 1 })).authInfo.authenticatedUsers).toEqual([]);
    const status = await admin.command({ serverStatus: 1 });
    expect(status.connections.current).toBeGreaterThan(0);
    expect(status.opcounters.command).toBeGreaterThan(0);
    expect(status.mem.resident).toBeGreaterThan(0);
    expect(typeof status.uptime).toBe('number');
    expect(status.network.numRequests).toBeGreaterThan(0);
    expect(status.network.bytesIn).toBeGreaterThan(0);
    const commands = await admin.command({ listCommands: 1 });
    expect(Object.keys(commands.commands as object)).toEqual(
      expect.arrayContaining(['find', 'insert', 'hello']),
    );
  });

  it('answers an unknown command with CommandNotFound (59)', async () => {
    const error = await ctx.client
      .db('test')
      .command({ frobnicate: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({
      code: 59,
      codeName: 'CommandNotFound',
      message: "no such command: 'frobnicate'",
    });
  });

  it('accepts the legacy OP_QUERY handshake and replies with OP_REPLY', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    try {
      const query = Buffer.from(
        serialize({ isMaster: 1, client: { application: { name: 'legacy' } } }),
      );
      const ns = Buffer.from('admin.$cmd\0');
      const length = 16 + 4 + ns.length + 8 + query.length;
      const message = Buffer.alloc(length);
      message.writeInt32LE(length, 0);
      message.writeInt32LE(99, 4);
      message.writeInt32LE(2004, 12);
      ns.copy(message, 20);
      message.writeInt32LE(-1, 20 + ns.length + 4);
      query.copy(message, 20 + ns.length + 8);
      raw.send(message);
      const reply = await new Promise<Buffer>((resolve) => {
        let data = Buffer.alloc(0);
        raw.socket.on('data', (chunk: Buffer) => {
          data = Buffer.concat([data, chunk]);
          if (data.length >= 4 && data.length >= data.readInt32LE(0)) resolve(data);
        });
      });
      expect(reply.readInt32LE(8)).toBe(99); // responseTo
      expect(reply.readInt32LE(12)).toBe(1); // OP_REPLY
      expect(reply.readInt32LE(32)).toBe(1); // numberReturned
      const doc = deserialize(reply.subarray(36));
      expect(doc).toMatchObject({ ismaster: true, setName: 'rs0', ok: 1 });
    } finally {
      raw.close();
    }
  });

  it('waits out an awaitable hello whose topologyVersion is current, without blocking others', async () => {
    const raw = await RawClient.connect(ctx.server.port);
    try {
      const first = await raw.command({ hello: 1, $db: 'admin' });
      const pending = raw.command({
        hello: 1,
        $db: 'admin',
        topologyVersion: first.topologyVersion,
        maxAwaitTimeMS: 200,
      });
      // Other connections are served meanwhile.
      expect((await ctx.client.db('admin').command({ ping: 1 })).ok).toBe(1);
      const second = await pending;
      expect(second.isWritablePrimary).toBe(true);
    } finally {
      raw.close();
    }
  });
});
