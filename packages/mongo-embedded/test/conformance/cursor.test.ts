import { Long, type ClientSession, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cursorIdOf, serverError, useConformanceDb } from './conformance-db.js';

// Behaviour from https://www.mongodb.com/docs/manual/reference/command/find/, /getMore/ and
// /killCursors/. A cursor belongs to the session that created it, so the raw commands below share
// one explicit session (MongoDB refuses a getMore from another session).
const conformance = useConformanceDb('cursor');
let session: ClientSession;

beforeAll(async () => {
  session = conformance.client.startSession();
  await conformance
    .coll('items')
    .insertMany(Array.from({ length: 25 }, (_, index) => ({ _id: index, even: index % 2 === 0 })));
});

afterAll(async () => {
  await session.endSession();
});

function run(command: Document): Promise<Document> {
  return conformance.db.command(command, { session });
}

describe('find, getMore and killCursors', () => {
  it('the first batch holds batchSize documents and a live cursor id', async () => {
    const reply = await run({ find: 'items', sort: { _id: 1 }, batchSize: 5 });
    const cursor = reply.cursor as Document;
    expect(cursor.ns).toBe(`${conformance.name}.items`);
    expect((cursor.firstBatch as Document[]).map((doc) => doc._id as unknown)).toEqual([
      0, 1, 2, 3, 4,
    ]);
    expect(cursorIdOf(cursor.id).isZero()).toBe(false);
    await run({ killCursors: 'items', cursors: [cursorIdOf(cursor.id)] });
  });

  it('getMore continues where the batch ended and the last batch returns id 0', async () => {
    const first = (await run({ find: 'items', sort: { _id: 1 }, batchSize: 10 }))
      .cursor as Document;
    const id = cursorIdOf(first.id);
    const second = (await run({ getMore: id, collection: 'items', batchSize: 10 }))
      .cursor as Document;
    expect((second.nextBatch as Document[]).map((doc) => doc._id as unknown)).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
    expect(cursorIdOf(second.id).equals(id)).toBe(true);
    const third = (await run({ getMore: id, collection: 'items', batchSize: 10 }))
      .cursor as Document;
    expect((third.nextBatch as Document[]).map((doc) => doc._id as unknown)).toEqual([
      20, 21, 22, 23, 24,
    ]);
    expect(cursorIdOf(third.id).isZero()).toBe(true);
  });

  it('an exhausted cursor is gone: getMore answers CursorNotFound', async () => {
    const first = (await run({ find: 'items', filter: { _id: { $lt: 3 } }, batchSize: 2 }))
      .cursor as Document;
    const id = cursorIdOf(first.id);
    const last = (await run({ getMore: id, collection: 'items' })).cursor as Document;
    expect((last.nextBatch as Document[]).length).toBe(1);
    expect(cursorIdOf(last.id).isZero()).toBe(true);
    const error = await serverError(run({ getMore: id, collection: 'items' }));
    expect(error.code).toBe(43);
    expect(error.codeName).toBe('CursorNotFound');
  });

  it('killCursors reports killed and unknown ids, and the cursor is gone afterwards', async () => {
    const first = (await run({ find: 'items', batchSize: 3 })).cursor as Document;
    const id = cursorIdOf(first.id);
    const unknown = Long.fromString('123456789');
    const killed = await run({ killCursors: 'items', cursors: [id, unknown] });
    const ids = (field: string) =>
      (killed[field] as unknown[]).map((v) => cursorIdOf(v).toString());
    expect(ids('cursorsKilled')).toEqual([id.toString()]);
    expect(ids('cursorsNotFound')).toEqual([unknown.toString()]);
    expect(ids('cursorsAlive')).toEqual([]);
    const error = await serverError(run({ getMore: id, collection: 'items' }));
    expect(error.code).toBe(43);
  });

  it('a getMore naming another collection is refused (Unauthorized)', async () => {
    const first = (await run({ find: 'items', batchSize: 2 })).cursor as Document;
    const id = cursorIdOf(first.id);
    const error = await serverError(run({ getMore: id, collection: 'other_items' }));
    expect(error.code).toBe(13);
    await run({ killCursors: 'items', cursors: [id] });
  });

  it('negative skip or limit fails with 51024', async () => {
    const skip = await serverError(run({ find: 'items', skip: -1 }));
    expect(skip.code).toBe(51024);
    const limit = await serverError(run({ find: 'items', limit: -1 }));
    expect(limit.code).toBe(51024);
  });

  it('singleBatch closes the cursor after the first batch', async () => {
    const cursor = (await run({ find: 'items', batchSize: 4, singleBatch: true }))
      .cursor as Document;
    expect((cursor.firstBatch as Document[]).length).toBe(4);
    expect(cursorIdOf(cursor.id).isZero()).toBe(true);
  });

  it('limit caps the total across batches and closes the cursor', async () => {
    const first = (await run({ find: 'items', sort: { _id: 1 }, limit: 7, batchSize: 5 }))
      .cursor as Document;
    expect((first.firstBatch as Document[]).length).toBe(5);
    const rest = (await run({ getMore: cursorIdOf(first.id), collection: 'items', batchSize: 5 }))
      .cursor as Document;
    expect((rest.nextBatch as Document[]).map((doc) => doc._id as unknown)).toEqual([5, 6]);
    expect(cursorIdOf(rest.id).isZero()).toBe(true);
  });

  it('batchSize 0 returns an empty first batch and an open cursor', async () => {
    const first = (await run({ find: 'items', batchSize: 0 })).cursor as Document;
    expect(first.firstBatch).toEqual([]);
    const id = cursorIdOf(first.id);
    expect(id.isZero()).toBe(false);
    const rest = (await run({ getMore: id, collection: 'items' })).cursor as Document;
    expect((rest.nextBatch as Document[]).length).toBe(25);
  });

  it('an empty result gives an immediately closed cursor', async () => {
    const cursor = (await run({ find: 'items', filter: { _id: { $gt: 100 } } })).cursor as Document;
    expect(cursor.firstBatch).toEqual([]);
    expect(cursorIdOf(cursor.id).isZero()).toBe(true);
  });
});

describe('driver cursors', () => {
  it('a small batchSize still yields every document through getMore', async () => {
    const docs = await conformance
      .coll('items')
      .find({ even: true }, { batchSize: 2 })
      .sort({ _id: -1 })
      .toArray();
    expect(docs.map((doc) => doc._id as unknown)).toEqual([
      24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0,
    ]);
  });

  it('iterating with next() buffers batchSize documents at a time', async () => {
    const cursor = conformance.coll('items').find({}, { batchSize: 6 }).sort({ _id: 1 });
    const first = await cursor.next();
    expect(first?._id).toBe(0);
    expect(cursor.bufferedCount()).toBe(5);
    expect(cursor.id?.isZero()).toBe(false);
    await cursor.close();
    // The driver sends killCursors for a live server cursor it closes early.
    expect(cursor.killed).toBe(true);
  });

  it('aggregate cursors batch the same way', async () => {
    const reply = await run({
      aggregate: 'items',
      pipeline: [{ $match: { even: false } }, { $sort: { _id: 1 } }],
      cursor: { batchSize: 3 },
    });
    const cursor = reply.cursor as Document;
    expect((cursor.firstBatch as Document[]).map((doc) => doc._id as unknown)).toEqual([1, 3, 5]);
    const rest = (
      await run({ getMore: cursorIdOf(cursor.id), collection: 'items', batchSize: 100 })
    ).cursor as Document;
    expect((rest.nextBatch as Document[]).length).toBe(9);
    expect(cursorIdOf(rest.id).isZero()).toBe(true);
  });

  it('limit with a batchSize smaller than the limit still returns the limit', async () => {
    const docs = await conformance.coll('items').find({}, { batchSize: 3, limit: 8 }).toArray();
    expect(docs).toHaveLength(8);
  });
});
