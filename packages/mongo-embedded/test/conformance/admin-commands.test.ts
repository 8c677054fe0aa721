import { type Long, type Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/command/ (hello, isMaster, ping,
// buildInfo, hostInfo, getParameter, getCmdLineOpts, whatsmyuri, connectionStatus, serverStatus,
// dbStats, collStats, listDatabases) and the error code list in /reference/error-codes/.
const conformance = useConformanceDb('admin');

function admin(command: Document): Promise<Document> {
  return conformance.client.db('admin').command(command);
}

describe('handshake', () => {
  it('hello presents a writable primary of a replica set', async () => {
    const reply = await admin({ hello: 1 });
    expect(reply.ok).toBe(1);
    expect(reply.isWritablePrimary).toBe(true);
    expect(typeof reply.setName).toBe('string');
    expect(Array.isArray(reply.hosts)).toBe(true);
    expect(typeof reply.primary).toBe('string');
    expect(reply.maxWireVersion).toBeGreaterThanOrEqual(21);
    expect(reply.minWireVersion).toBe(0);
    expect(reply.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(reply.maxMessageSizeBytes).toBe(48_000_000);
    expect(reply.maxWriteBatchSize).toBe(100_000);
    expect(reply.logicalSessionTimeoutMinutes).toBeGreaterThan(0);
    expect(reply.localTime).toBeInstanceOf(Date);
    expect(typeof reply.connectionId).toBe('number');
  });

  it('isMaster answers with the legacy ismaster field', async () => {
    const reply = await admin({ isMaster: 1 });
    expect(reply.ismaster).toBe(true);
    expect(reply.secondary).toBe(false);
    expect(typeof reply.setName).toBe('string');
  });

  it('ping answers ok on any database', async () => {
    expect((await admin({ ping: 1 })).ok).toBe(1);
    expect((await conformance.db.command({ ping: 1 })).ok).toBe(1);
  });

  it('hello names this member among the set hosts', async () => {
    const hello = await admin({ hello: 1 });
    expect(typeof hello.me).toBe('string');
    expect(hello.hosts).toContain(hello.me);
    expect(hello.primary).toBe(hello.me);
  });
});

describe('server information', () => {
  it('buildInfo reports a 7.x-or-later version', async () => {
    const reply = await admin({ buildInfo: 1 });
    expect(reply.version).toMatch(/^\d+\.\d+\.\d+/);
    const versionArray = reply.versionArray as number[];
    expect(versionArray).toHaveLength(4);
    expect(versionArray[0]).toBeGreaterThanOrEqual(7);
    expect(reply.bits).toBe(64);
    expect(reply.maxBsonObjectSize).toBe(16 * 1024 * 1024);
  });

  it('hostInfo describes the system and the OS', async () => {
    const reply = await admin({ hostInfo: 1 });
    const system = reply.system as Document;
    expect(typeof system.hostname).toBe('string');
    expect(system.numCores).toBeGreaterThan(0);
    expect(typeof (reply.os as Document).type).toBe('string');
  });

  it('getParameter returns the featureCompatibilityVersion', async () => {
    const reply = await admin({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect((reply.featureCompatibilityVersion as Document).version).toMatch(/^\d+\.\d+$/);
  });

  it('getCmdLineOpts returns argv and parsed options', async () => {
    const reply = await admin({ getCmdLineOpts: 1 });
    expect(Array.isArray(reply.argv)).toBe(true);
    expect(typeof reply.parsed).toBe('object');
  });

  it('whatsmyuri returns the client address', async () => {
    const reply = await admin({ whatsmyuri: 1 });
    expect(reply.you).toMatch(/:\d+$/);
  });

  it('connectionStatus lists the (empty, without auth) authenticated users', async () => {
    const reply = await admin({ connectionStatus: 1 });
    const authInfo = reply.authInfo as Document;
    expect(Array.isArray(authInfo.authenticatedUsers)).toBe(true);
    expect(Array.isArray(authInfo.authenticatedUserRoles)).toBe(true);
  });

  it('serverStatus reports uptime, connections, opcounters and memory', async () => {
    const before = await admin({ serverStatus: 1 });
    await conformance.coll('status').insertOne({ a: 1 });
    await conformance.coll('status').findOne({ a: 1 });
    const after = await admin({ serverStatus: 1 });
    expect(typeof after.host).toBe('string');
    expect(after.version).toMatch(/^\d+\.\d+/);
    expect(after.uptime).toBeGreaterThanOrEqual(0);
    expect(after.localTime).toBeInstanceOf(Date);
    const connections = after.connections as Document;
    expect(connections.current).toBeGreaterThanOrEqual(1);
    expect(typeof connections.available).toBe('number');
    const counters = (status: Document) => status.opcounters as Record<string, number | Long>;
    const count = (value: number | Long | undefined) => Number(value ?? -1);
    expect(count(counters(after).insert)).toBeGreaterThan(count(counters(before).insert));
    expect(count(counters(after).query)).toBeGreaterThan(count(counters(before).query));
    expect(count(counters(after).command)).toBeGreaterThan(count(counters(before).command));
    for (const name of ['update', 'delete', 'getmore']) {
      expect(count(counters(after)[name])).toBeGreaterThanOrEqual(0);
    }
    const mem = after.mem as Document;
    expect(mem.resident).toBeGreaterThan(0);
    expect(mem.virtual).toBeGreaterThan(0);
  });
});

describe('database and collection statistics', () => {
  it('dbStats counts collections, objects and indexes', async () => {
    await conformance.coll('stats_a').insertMany([{ a: 1 }, { a: 2 }]);
    await conformance.coll('stats_a').createIndex({ a: 1 });
    const reply = await conformance.db.command({ dbStats: 1 });
    expect(reply.db).toBe(conformance.name);
    expect(reply.collections).toBeGreaterThanOrEqual(1);
    expect(reply.objects).toBeGreaterThanOrEqual(2);
    expect(reply.indexes).toBeGreaterThanOrEqual(2);
    expect(reply.dataSize).toBeGreaterThan(0);
    expect(typeof reply.storageSize).toBe('number');
  });

  it('collStats reports count, size and indexes of one collection', async () => {
    await conformance.coll('stats_b').insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    await conformance.coll('stats_b').createIndex({ a: 1 });
    const reply = await conformance.db.command({ collStats: 'stats_b' });
    expect(reply.ns).toBe(`${conformance.name}.stats_b`);
    expect(reply.count).toBe(3);
    expect(reply.size).toBeGreaterThan(0);
    expect(reply.nindexes).toBe(2);
    expect(Object.keys(reply.indexSizes as Document).sort()).toEqual(['_id_', 'a_1']);
  });

  it('listDatabases includes this database with its size', async () => {
    await conformance.coll('listed').insertOne({ a: 1 });
    const reply = await admin({ listDatabases: 1 });
    const databases = reply.databases as Document[];
    const mine = databases.find((database) => database.name === conformance.name);
    expect(mine).toBeDefined();
    expect(typeof mine?.sizeOnDisk).toBe('number');
    expect(mine?.empty).toBe(false);
    expect(typeof reply.totalSize).toBe('number');
  });

  it('listDatabases supports nameOnly and filter', async () => {
    const reply = await admin({
      listDatabases: 1,
      nameOnly: true,
      filter: { name: conformance.name },
    });
    expect(reply.databases).toEqual([{ name: conformance.name }]);
  });

  it('the driver admin helper lists databases too', async () => {
    const { databases } = await conformance.client.db().admin().listDatabases();
    expect(databases.map((database) => database.name)).toContain(conformance.name);
  });
});

describe('unknown commands', () => {
  it('answer CommandNotFound (59) instead of hanging', async () => {
    const error = await serverError(conformance.db.command({ definitelyNotACommand: 1 }));
    expect(error.code).toBe(59);
    expect(error.codeName).toBe('CommandNotFound');
    expect(error.message).toContain('no such command');
  });

  it('the connection keeps working after an unknown command', async () => {
    await serverError(admin({ anotherBogusCommand: 1 }));
    expect((await admin({ ping: 1 })).ok).toBe(1);
  });
});
