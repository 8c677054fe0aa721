import { testDatabaseName } from '@invoice/vitest-config/database-name';
import {
  Binary,
  BSON,
  Decimal128,
  Double,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  MongoNetworkError,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Document,
} from 'mongodb';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createDb } from './create-db.js';
import { aggregateAll, aggregateFirstBatch, findAll } from './decode-once.js';

/** Every BSON type the app stores, and the awkward ones around them. */
function sample(i: number): Document {
  return {
    _id: new ObjectId(),
    n: i,
    group: i % 3,
    int32: new Int32(i),
    double: new Double(i + 0.5),
    safeLong: Long.fromNumber(2 ** 40 + i),
    bigLong: Long.fromString('9007199254740993'),
    decimal: Decimal128.fromString('1234.5600'),
    date: new Date(Date.UTC(2026, 0, 1 + (i % 28))),
    timestamp: new Timestamp({ t: 1_700_000_000, i }),
    binary: new Binary(Buffer.from([0, 1, 2, i % 256])),
    uuid: new Binary(Buffer.alloc(16, 7), Binary.SUBTYPE_UUID),
    regex: /^inv-\d+$/i,
    text: `Zoë's café ☕ 𝄞 #${i}`,
    empty: '',
    nil: null,
    flag: i % 2 === 0,
    nested: { a: [1, 'two', { three: 3 }], deep: { deeper: { deepest: [[], {}] } } },
    lines: [
      { description: 'Consulting', quantity: 3, unitPrice: 12_500 },
      { description: 'Travel', quantity: 1, unitPrice: 4_000 },
    ],
    ['__proto__']: { polluted: true },
  };
}

describe('findAll and aggregateAll (one decode per document)', () => {
  const handle = createDb({
    uri: inject('mongoUri'),
    dbName: testDatabaseName('decode-once'),
    monitorCommands: true,
  });
  const collection = handle.db.collection('samples');
  const replies: CommandSucceededEvent[] = [];
  handle.client.on('commandSucceeded', (event) => replies.push(event));

  beforeAll(async () => {
    // 250 documents: more than a first batch (101), so getMore batches are decoded too.
    const docs = Array.from({ length: 250 }, (_, i) => sample(i));
    // insertMany with a `__proto__` key needs the key serialized as a field.
    await collection.insertMany(docs);
  });
  afterAll(async () => {
    await handle.db.dropDatabase();
    await handle.close();
  });

  /** Equal values, and byte-identical once encoded again (types, key order, `__proto__`). */
  function expectSame(actual: Document[], expected: Document[]): void {
    expect(actual).toEqual(expected);
    expect(actual.map((doc) => BSON.serialize(doc))).toEqual(
      expected.map((doc) => BSON.serialize(doc)),
    );
  }

  it('returns what find().sort().limit().toArray() returns, across getMore batches', async () => {
    const expected = await collection.find({}).sort({ n: -1 }).limit(240).toArray();
    const actual = await findAll(collection, {}, { sort: { n: -1 }, limit: 240 });
    expect(actual).toHaveLength(240);
    expectSame(actual, expected);
    expect(Object.getPrototypeOf(actual[0])).toBe(Object.prototype);
    expect(Object.keys(actual[0] as Document)).toContain('__proto__');
  });

  it('returns what find().toArray() returns without sort or limit, and nothing for no match', async () => {
    expectSame(
      await findAll(collection, { group: 1 }),
      await collection.find({ group: 1 }).toArray(),
    );
    expect(await findAll(collection, { group: 99 })).toEqual([]);
  });

  it('returns what aggregate().toArray() returns, with $lookup and $group', async () => {
    const pipeline = [
      { $match: { group: 2 } },
      { $sort: { n: 1 } },
      { $lookup: { from: 'samples', pipeline: [{ $match: { n: 0 } }], as: 'first' } },
    ];
    expectSame(
      await aggregateAll(collection, pipeline),
      await collection.aggregate(pipeline).toArray(),
    );
    const grouped = [{ $group: { _id: '$group', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }];
    expectSame(
      await aggregateAll(collection, grouped),
      await collection.aggregate(grouped).toArray(),
    );
  });

  it('leaves the batch as bytes in the monitored reply (what it exists for)', async () => {
    replies.length = 0;
    await findAll(collection, { group: 0 }, { limit: 5 });
    const find = replies.find((event) => event.commandName === 'find');
    const batch = (find?.reply as { cursor?: { firstBatch?: unknown[] } }).cursor?.firstBatch;
    expect(batch).toHaveLength(5);
    expect(batch?.every((doc) => doc instanceof Uint8Array)).toBe(true);
  });

  it('passes server errors through unchanged', async () => {
    await expect(findAll(collection, { n: { $bogus: 1 } })).rejects.toThrow(/\$bogus/);
    await expect(aggregateAll(collection, [{ $nope: {} }])).rejects.toThrow(/\$nope/);
  });
});

/**
 * A TCP relay to one MongoDB server that, when armed, cuts the connection that sends the next
 * `aggregate` command before the server sees it: the network error a primary's crash or a
 * dropped connection gives the driver.
 */
async function cuttingRelay(host: string, port: number) {
  const sockets = new Set<Socket>();
  let armed = false;
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes('aggregate')) {
        armed = false;
        close();
        return;
      }
      upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    cutNextAggregate: () => (armed = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `uri` with its hosts replaced by one address, connecting to that server alone. */
function directUri(uri: string, address: string, params: string): string {
  const match = /^mongodb:\/\/([^@/]*@)?[^/?]*(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (match === null) throw new Error(`not a mongodb:// URI: ${uri}`);
  const query = new URLSearchParams(match[3]?.slice(1) ?? '');
  query.delete('replicaSet');
  query.set('directConnection', 'true');
  for (const [key, value] of new URLSearchParams(params)) query.set(key, value);
  return `mongodb://${match[1] ?? ''}${address}${match[2] ?? '/'}?${query.toString()}`;
}

describe('aggregateFirstBatch (the aggregate command, one batch)', () => {
  const handle = createDb({
    uri: inject('mongoUri'),
    dbName: testDatabaseName('first-batch'),
    monitorCommands: true,
  });
  const collection = handle.db.collection('samples');
  const started: CommandStartedEvent[] = [];
  const replies: CommandSucceededEvent[] = [];
  handle.client.on('commandStarted', (event) => started.push(event));
  handle.client.on('commandSucceeded', (event) => replies.push(event));
  const lookup = [
    { $match: { group: 2 } },
    { $sort: { n: 1 } },
    { $limit: 40 },
    { $lookup: { from: 'samples', pipeline: [{ $match: { n: 0 } }, { $limit: 1 }], as: 'first' } },
  ];

  beforeAll(async () => {
    await collection.insertMany(Array.from({ length: 250 }, (_, i) => sample(i)));
  });
  afterAll(async () => {
    await handle.db.dropDatabase();
    await handle.close();
  });

  it('returns what aggregate().toArray() returns, byte for byte, and nothing for no match', async () => {
    const expected = await collection.aggregate(lookup).toArray();
    const actual = await aggregateFirstBatch(collection, lookup);
    expect(actual).toHaveLength(40);
    expect(actual).toEqual(expected);
    expect(actual.map((doc) => BSON.serialize(doc))).toEqual(
      expected.map((doc) => BSON.serialize(doc)),
    );
    expect(Object.keys(actual[0] as Document)).toContain('__proto__');
    expect(await aggregateFirstBatch(collection, [{ $match: { group: 99 } }])).toEqual([]);
  });

  it('sends one aggregate command and leaves the batch as bytes in the monitored reply', async () => {
    started.length = 0;
    replies.length = 0;
    await aggregateFirstBatch(collection, [{ $match: { group: 0 } }, { $limit: 5 }]);
    expect(started.map((event) => event.commandName)).toEqual(['aggregate']);
    expect(started[0]?.command).toMatchObject({ aggregate: 'samples', cursor: {} });
    // The client's own read concern, if its URI sets one (none in the embedded default).
    expect(started[0]?.command.readConcern).toEqual(
      collection.readConcern?.level === undefined
        ? undefined
        : { level: collection.readConcern.level },
    );
    const batch = (replies[0]?.reply as { cursor?: { firstBatch?: unknown[] } }).cursor?.firstBatch;
    expect(batch).toHaveLength(5);
    expect(batch?.every((doc) => doc instanceof Uint8Array)).toBe(true);
  });

  it("sends the collection's read concern, as the driver's aggregate does", async () => {
    const majority = handle.db.collection('samples', { readConcern: { level: 'majority' } });
    started.length = 0;
    expect(await aggregateFirstBatch(majority, [{ $match: { n: 3 } }])).toHaveLength(1);
    expect(started[0]?.command.readConcern).toEqual({ level: 'majority' });
  });

  it('refuses a result longer than one batch and closes its cursor', async () => {
    started.length = 0;
    await expect(aggregateFirstBatch(collection, [{ $sort: { n: 1 } }])).rejects.toThrow(
      /did not fit in one batch/,
    );
    const kill = started.find((event) => event.commandName === 'killCursors');
    const ids = kill?.command.cursors as unknown[] | undefined;
    expect(ids).toHaveLength(1);
    // An int64, as MongoDB's killCursors requires (the decoded reply gave a number).
    expect(ids?.[0]).toBeInstanceOf(Long);
    await expect(
      handle.db.command({ getMore: ids?.[0], collection: 'samples' }),
    ).rejects.toMatchObject({ codeName: 'CursorNotFound' });
  });

  it('passes a server error through unchanged, sent once', async () => {
    started.length = 0;
    await expect(aggregateFirstBatch(collection, [{ $nope: {} }])).rejects.toThrow(/\$nope/);
    expect(started.filter((event) => event.commandName === 'aggregate')).toHaveLength(1);
  });

  // The relay reads the commands' bytes: a plain connection to one server, as the embedded
  // server and a local replica set give; not a TLS, compressed or SRV URI.
  const relayable =
    /^mongodb:\/\//.test(inject('mongoUri')) &&
    !/[?&](tls|ssl|compressors)=/i.test(inject('mongoUri'));
  describe.runIf(relayable)('a connection cut before the server reads the aggregate', () => {
    let relay: Awaited<ReturnType<typeof cuttingRelay>>;
    let primary: string;
    beforeAll(async () => {
      const hello = await handle.db.admin().command({ hello: 1 });
      primary = String(hello.primary ?? hello.me ?? '');
      const [host, port] = [
        primary.slice(0, primary.lastIndexOf(':')),
        primary.slice(primary.lastIndexOf(':') + 1),
      ];
      relay = await cuttingRelay(host.replace(/^\[|\]$/g, ''), Number(port));
    });
    afterAll(() => relay.close());

    async function throughRelay(params: string) {
      const relayed = createDb({
        uri: directUri(inject('mongoUri'), `127.0.0.1:${relay.port}`, params),
        dbName: handle.db.databaseName,
        monitorCommands: true,
      });
      const aggregates: string[] = [];
      relayed.client.on(
        'commandStarted',
        (e) => e.commandName === 'aggregate' && aggregates.push('started'),
      );
      relayed.client.on(
        'commandFailed',
        (e) => e.commandName === 'aggregate' && aggregates.push('failed'),
      );
      try {
        await relayed.db.command({ ping: 1 });
      } catch (error) {
        await relayed.close();
        throw error;
      }
      return { relayed, aggregates };
    }

    it('is sent once more (Retryable Reads) and answers', async () => {
      const { relayed, aggregates } = await throughRelay('');
      try {
        relay.cutNextAggregate();
        const found = await aggregateFirstBatch(relayed.db.collection('samples'), [
          { $match: { n: 7 } },
        ]);
        expect(found.map((doc: Document) => doc.n as unknown)).toEqual([7]);
        expect(aggregates).toEqual(['started', 'failed', 'started']);
      } finally {
        await relayed.close();
      }
    });

    it('fails with the network error when the client does not retry reads', async () => {
      const { relayed, aggregates } = await throughRelay('retryReads=false');
      try {
        relay.cutNextAggregate();
        await expect(
          aggregateFirstBatch(relayed.db.collection('samples'), [{ $match: { n: 7 } }]),
        ).rejects.toBeInstanceOf(MongoNetworkError);
        expect(aggregates).toEqual(['started', 'failed']);
      } finally {
        await relayed.close();
      }
    });
  });
});
