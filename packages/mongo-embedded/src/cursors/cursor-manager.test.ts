import { describe, expect, it } from 'vitest';
import { MongoCommandError } from '../errors.js';
import { CursorManager } from './cursor-manager.js';

const NO_SESSION = { lsid: undefined, txnId: undefined };
const docs = Array.from({ length: 10 }, (_, i) => ({ _id: i }));

describe('CursorManager', () => {
  it('returns everything at once when it fits the first batch', () => {
    const cursors = new CursorManager();
    const { batch, id } = cursors.open('d.c', docs, undefined);
    expect(batch).toHaveLength(10);
    expect(id.isZero()).toBe(true);
    expect(cursors.size).toBe(0);
    cursors.close();
  });

  it('pages with getMore and closes itself when drained', () => {
    const cursors = new CursorManager();
    const first = cursors.open('d.c', docs, 4);
    expect(first.batch).toHaveLength(4);
    const second = cursors.getMore(first.id.toBigInt(), 'd.c', 4, NO_SESSION);
    expect(second.batch.map((d) => d._id as number)).toEqual([4, 5, 6, 7]);
    const last = cursors.getMore(first.id.toBigInt(), 'd.c', 4, NO_SESSION);
    expect(last.batch).toHaveLength(2);
    expect(last.id.isZero()).toBe(true);
    expect(() => cursors.getMore(first.id.toBigInt(), 'd.c', 4, NO_SESSION)).toThrow(
      MongoCommandError,
    );
    cursors.close();
  });

  it('opens without a first batch for batchSize 0 and applies the transform lazily', () => {
    const cursors = new CursorManager();
    const seen: number[] = [];
    const { batch, id } = cursors.open('d.c', docs, 0, {
      transform: (d) => (seen.push(d._id as number), { x: d._id as number }),
    });
    expect(batch).toEqual([]);
    const next = cursors.getMore(id.toBigInt(), 'd.c', 2, NO_SESSION);
    expect(next.batch).toEqual([{ x: 0 }, { x: 1 }]);
    expect(seen).toEqual([0, 1]);
    cursors.close();
  });

  it('refuses getMore from another namespace or session', () => {
    const cursors = new CursorManager();
    const { id } = cursors.open('d.c', docs, 1, { lsid: 'aa' });
    expect(() =>
      cursors.getMore(id.toBigInt(), 'd.other', 1, { lsid: 'aa', txnId: undefined }),
    ).toThrow(/different namespace/);
    expect(() =>
      cursors.getMore(id.toBigInt(), 'd.c', 1, { lsid: 'bb', txnId: undefined }),
    ).toThrow(/session/);
    expect(
      cursors.getMore(id.toBigInt(), 'd.c', 1, { lsid: 'aa', txnId: undefined }).batch,
    ).toEqual([{ _id: 1 }]);
    cursors.close();
  });

  it('reaps idle cursors and those of ended sessions', () => {
    const cursors = new CursorManager(1000);
    const idle = cursors.open('d.c', docs, 1);
    const owned = cursors.open('d.c', docs, 1, { lsid: 'ended' });
    expect(cursors.size).toBe(2);
    cursors.killForSessions(new Set(['ended']));
    expect(cursors.size).toBe(1);
    expect(cursors.reap(Date.now() + 500)).toBe(0);
    expect(cursors.reap(Date.now() + 5000)).toBe(1);
    expect(() => cursors.getMore(idle.id.toBigInt(), 'd.c', 1, NO_SESSION)).toThrow(/not found/);
    expect(owned.id.isZero()).toBe(false);
    cursors.close();
  });
});
