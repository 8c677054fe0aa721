import { deserialize, type Long, ObjectId, type Document } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorManager } from '../cursors/cursor-manager.js';
import { ClusterClock } from '../sessions/cluster-clock.js';
import { SessionManager } from '../sessions/session-manager.js';
import { createStorageEngine, type Engine } from '../storage/index.js';
import { encodeOpMsg, parseOpMsg } from '../wire/op-msg.js';
import { RawDocument, repliesRaw } from '../wire/raw-document.js';
import { aggregate } from './aggregate.js';
import type { CommandContext, ServerContext } from './context.js';
import { find, getMore } from './find.js';
import { silentLogger } from './logger.js';

// Which replies carry stored documents as their bytes (wire/raw-document.ts). Over the wire
// the two paths send the same bytes, so this is checked on the command handlers' replies.
let engine: Engine;
let ctx: CommandContext;

beforeAll(async () => {
  engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  const cursors = new CursorManager();
  const server: ServerContext = {
    storage: engine,
    cursors,
    sessions: new SessionManager(engine, (keys) => cursors.killForSessions(keys)),
    clock: new ClusterClock(),
    log: silentLogger,
    startedAt: Date.now(),
    processId: new ObjectId(),
    electionId: new ObjectId(),
    setName: 'rs0',
    port: () => 0,
    bindHost: '127.0.0.1',
    advertisedHost: undefined,
    dbPath: undefined,
    argv: [],
    connections: { current: 0, totalCreated: 0 },
    opcounters: { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 },
    network: { bytesIn: 0, bytesOut: 0, numRequests: 0 },
    stopping: new Promise(() => undefined),
  };
  const connection = {
    id: 1,
    remoteAddress: '127.0.0.1',
    localAddress: '127.0.0.1',
    localPort: 0,
    closing: new AbortController().signal,
    clientMetadata: undefined,
  };
  ctx = { server, connection, db: 'app', session: undefined, txn: undefined };
  await engine.write((unit) => {
    for (let n = 0; n < 6; n++) {
      unit.insert(
        { db: 'app', coll: 'items' },
        { _id: n, rank: 6 - n, tag: n % 2 ? 'odd' : 'even' },
      );
    }
    unit.insert({ db: 'app', coll: 'orgs' }, { _id: 'o1', name: 'Acme' });
  });
});

afterAll(async () => {
  await engine.close();
});

/** The reply as the client receives it (encoded and parsed back). */
function onTheWire(reply: Document): Document {
  return parseOpMsg(encodeOpMsg(reply, 1, 1), 1).command;
}

function batchOf(reply: Document): unknown[] {
  const cursor = reply.cursor as Document;
  return (cursor.firstBatch ?? cursor.nextBatch) as unknown[];
}

describe('find', () => {
  it('without a projection sends RawDocuments, sorted in memory, skipped and limited', () => {
    const reply = find(ctx, {
      find: 'items',
      filter: { tag: 'even' },
      sort: { rank: 1 },
      skip: 1,
      $db: 'app',
    });
    expect(repliesRaw(reply)).toBe(true);
    const batch = batchOf(reply);
    expect(batch.every((doc) => doc instanceof RawDocument)).toBe(true);
    expect(batch.map((doc) => deserialize((doc as RawDocument).bytes))).toEqual([
      { _id: 2, rank: 4, tag: 'even' },
      { _id: 0, rank: 6, tag: 'even' },
    ]);
    expect(batchOf(onTheWire(reply))).toEqual([
      { _id: 2, rank: 4, tag: 'even' },
      { _id: 0, rank: 6, tag: 'even' },
    ]);
  });

  it('with a projection sends decoded, projected documents in an unmarked batch', () => {
    const reply = find(ctx, {
      find: 'items',
      filter: { _id: 1 },
      projection: { tag: 1 },
      $db: 'app',
    });
    expect(repliesRaw(reply)).toBe(false);
    expect(batchOf(reply)).toEqual([{ _id: 1, tag: 'odd' }]);
  });

  it('getMore batches of a raw cursor are raw too, and an empty first batch is marked', () => {
    const first = find(ctx, { find: 'items', batchSize: 0, $db: 'app' });
    expect(repliesRaw(first)).toBe(true);
    expect(batchOf(onTheWire(first))).toEqual([]);
    const id = (first.cursor as Document).id as Long;
    const more = getMore(ctx, { getMore: id, collection: 'items', batchSize: 4, $db: 'app' });
    expect(repliesRaw(more)).toBe(true);
    expect(batchOf(more).every((doc) => doc instanceof RawDocument)).toBe(true);
    expect(batchOf(onTheWire(more)).map((doc) => (doc as Document)._id as unknown)).toEqual([
      0, 1, 2, 3,
    ]);
  });

  it('a missing collection answers an empty raw batch', () => {
    const reply = find(ctx, { find: 'nothing', $db: 'app' });
    expect(batchOf(onTheWire(reply))).toEqual([]);
  });
});

describe('aggregate', () => {
  it('joins a trailing $lookup as RawDocuments into decoded documents', async () => {
    const reply = await aggregate(ctx, {
      aggregate: 'items',
      pipeline: [
        { $match: { _id: 3 } },
        {
          $lookup: {
            from: 'orgs',
            pipeline: [{ $match: { _id: 'o1' } }, { $limit: 1 }],
            as: 'org',
          },
        },
      ],
      cursor: {},
      $db: 'app',
    });
    expect(repliesRaw(reply)).toBe(true);
    const [row] = batchOf(reply) as Document[];
    expect((row!.org as unknown[])[0]).toBeInstanceOf(RawDocument);
    expect(batchOf(onTheWire(reply))).toEqual([
      { _id: 3, rank: 3, tag: 'odd', org: [{ _id: 'o1', name: 'Acme' }] },
    ]);
  });

  it('decodes everything when a stage reads the joined documents, or writes the results', async () => {
    const read = await aggregate(ctx, {
      aggregate: 'items',
      pipeline: [
        { $match: { _id: 3 } },
        { $lookup: { from: 'orgs', pipeline: [], as: 'org' } },
        { $project: { name: { $first: '$org.name' } } },
      ],
      cursor: {},
      $db: 'app',
    });
    expect(repliesRaw(read)).toBe(false);
    expect(batchOf(read)).toEqual([{ _id: 3, name: 'Acme' }]);
    await aggregate(ctx, {
      aggregate: 'items',
      pipeline: [
        { $match: { _id: 3 } },
        { $lookup: { from: 'orgs', pipeline: [], as: 'org' } },
        { $out: 'copies' },
      ],
      cursor: {},
      $db: 'app',
    });
    const copies = engine.scan({ db: 'app', coll: 'copies' }, { filter: {} }).docs;
    expect(copies).toEqual([{ _id: 3, rank: 3, tag: 'odd', org: [{ _id: 'o1', name: 'Acme' }] }]);
  });
});
