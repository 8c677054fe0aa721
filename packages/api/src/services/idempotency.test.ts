import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/harness.js';
import { isIdempotencyKeyRecorded, runIdempotent } from './idempotency.js';

describe('runIdempotent', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('idempotency-service');
  });
  afterAll(() => h.close());

  // Regression: expiresAt was computed from the request clock, so with a simulated clock in the
  // past the TTL monitor (real time) deleted keys at once and retries ran the mutation again.
  it('keeps keys 24 h from the real time even when the request clock is in the past', async () => {
    const scope = new ObjectId().toHexString();
    let runs = 0;
    const run = () =>
      runIdempotent({
        db: h.db,
        scope,
        procedure: 'test.mutation',
        key: 'k-1',
        input: { a: 1, idempotencyKey: 'k-1' },
        now: new Date('2020-01-01T00:00:00Z'),
        work: () => Promise.resolve({ run: ++runs }),
      });
    expect(await run()).toEqual({ run: 1 });
    const stored = await h.db.collections.idempotencyKeys.findOne({ scope });
    expect(stored!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    expect(await run()).toEqual({ run: 1 });
    expect(runs).toBe(1);
  });

  it('reports a key recorded after a successful run, not after a failed one, per scope, procedure and key', async () => {
    const scope = new ObjectId().toHexString();
    const key = { scope, procedure: 'test.recorded', key: 'k-r' };
    const recorded = (k: typeof key) => isIdempotencyKeyRecorded({ db: h.db, ...k });
    const base = { db: h.db, ...key, input: { a: 1 }, now: new Date() };
    await expect(
      runIdempotent({ ...base, work: () => Promise.reject(new Error('failed run')) }),
    ).rejects.toThrow('failed run');
    expect(await recorded(key)).toBe(false);
    await runIdempotent({ ...base, work: () => Promise.resolve('done') });
    expect(await recorded(key)).toBe(true);
    expect(await recorded({ ...key, key: 'k-other' })).toBe(false);
    expect(await recorded({ ...key, procedure: 'test.other' })).toBe(false);
    expect(await recorded({ ...key, scope: new ObjectId().toHexString() })).toBe(false);
  });

  it('fingerprints inputs regardless of key order and refuses a changed input', async () => {
    const scope = new ObjectId().toHexString();
    const base = {
      db: h.db,
      scope,
      procedure: 'test.order',
      key: 'k-2',
      now: new Date(),
      work: () => Promise.resolve('done'),
    };
    expect(await runIdempotent({ ...base, input: { a: 1, b: { c: 2, d: 3 } } })).toBe('done');
    expect(await runIdempotent({ ...base, input: { b: { d: 3, c: 2 }, a: 1 } })).toBe('done');
    await expect(
      runIdempotent({ ...base, input: { a: 2, b: { c: 2, d: 3 } } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('a run that fails on what a concurrent run with its key committed answers that run', async () => {
    const scope = new ObjectId().toHexString();
    const base = { db: h.db, scope, procedure: 'test.race', key: 'k-3', input: { a: 3 } };
    let firstCommitted!: () => void;
    const committed = new Promise<void>((resolve) => (firstCommitted = resolve));
    let started!: () => void;
    const snapshotTaken = new Promise<void>((resolve) => (started = resolve));
    // The late run found no key before its transaction and reads in it (its snapshot predates
    // the first run's commit), then meets the first run's effects (say, a draft already issued:
    // read again after that commit) and fails on them.
    const late = runIdempotent({
      ...base,
      now: new Date(),
      work: async (session) => {
        await h.db.collections.idempotencyKeys.findOne({ scope }, { session });
        started();
        await committed;
        throw new Error('the draft is no longer a draft');
      },
    });
    await snapshotTaken;
    const first = await runIdempotent({ ...base, now: new Date(), work: async () => 'first' });
    firstCommitted();
    expect(first).toBe('first');
    await expect(late).resolves.toBe('first');
    expect(await h.db.collections.idempotencyKeys.countDocuments({ scope })).toBe(1);
  });

  it('a failed run with no key recorded fails with its own error and records nothing', async () => {
    const scope = new ObjectId().toHexString();
    const run = runIdempotent({
      db: h.db,
      scope,
      procedure: 'test.fail',
      key: 'k-4',
      input: { a: 4 },
      now: new Date(),
      work: () => Promise.reject(new Error('refused by the domain')),
    });
    await expect(run).rejects.toThrow('refused by the domain');
    expect(await h.db.collections.idempotencyKeys.countDocuments({ scope })).toBe(0);
  });
});
