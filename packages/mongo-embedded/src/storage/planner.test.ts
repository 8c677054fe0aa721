import { ObjectId, type Document } from 'bson';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSortComparator } from '../query/compare.js';
import { createStorageEngine, type Engine } from './index.js';

const ns = { db: 'app', coll: 'c' };
let engine: Engine | undefined;

afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

async function seeded(
  docs: Document[],
  specs: Parameters<Engine['createIndexes']>[1],
): Promise<Engine> {
  engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  await engine.createCollection(ns);
  if (specs.length > 0) await engine.createIndexes(ns, specs);
  await engine.write((u) => {
    for (const d of docs) u.insert(ns, d);
  });
  return engine;
}

function ids(docs: Document[]): unknown[] {
  return docs.map((d) => d._id as unknown);
}

const base = [
  { _id: 1, a: 3, b: 'x', c: 10 },
  { _id: 2, a: 1, b: 'y', c: 20 },
  { _id: 3, a: 2, b: 'x', c: 30 },
  { _id: 4, a: 1, b: 'x', c: 40 },
  { _id: 5, b: 'z' },
  { _id: 6, a: 'str', b: 'y' },
];

describe('plan selection', () => {
  it('uses IDHACK for _id equality and an _id IXSCAN otherwise', async () => {
    const e = await seeded(base, []);
    expect(e.scan(ns, { filter: { _id: 3 } }).plan).toEqual({
      stage: 'IDHACK',
      indexName: '_id_',
      keysExamined: 1,
      docsExamined: 1,
      sortCovered: false,
    });
    const both = e.scan(ns, { filter: { _id: 3, a: 9 } });
    expect(both.plan.stage).toBe('IXSCAN');
    expect(both.docs).toEqual([]);
    const many = e.scan(ns, { filter: { _id: { $in: [4, 1, 99] } } });
    expect(ids(many.docs)).toEqual([1, 4]);
    expect(many.plan.keysExamined).toBe(3);
  });

  it('uses an index for equality, $in and ranges, examining only matching keys', async () => {
    const e = await seeded(base, [{ name: 'a_1', key: { a: 1 } }]);
    const eq = e.scan(ns, { filter: { a: 1 } });
    expect(eq.plan).toMatchObject({
      stage: 'IXSCAN',
      indexName: 'a_1',
      keysExamined: 2,
      docsExamined: 2,
    });
    expect(ids(eq.docs)).toEqual([2, 4]);
    const range = e.scan(ns, { filter: { a: { $gt: 1, $lte: 3 } } });
    expect(ids(range.docs)).toEqual([1, 3]);
    expect(range.plan.keysExamined).toBe(2);
    // Ranges are type-bracketed: numbers only.
    expect(ids(e.scan(ns, { filter: { a: { $gte: 0 } } }).docs)).toEqual([1, 2, 3, 4]);
    expect(ids(e.scan(ns, { filter: { a: { $in: [3, 'str'] } } }).docs)).toEqual([1, 6]);
    expect(ids(e.scan(ns, { filter: { a: null } }).docs)).toEqual([5]);
  });

  it('falls back to COLLSCAN when no index prefix is constrained', async () => {
    const e = await seeded(base, [{ name: 'a_1_b_1', key: { a: 1, b: 1 } }]);
    const r = e.scan(ns, { filter: { b: 'x' } });
    expect(r.plan.stage).toBe('COLLSCAN');
    expect(ids(r.docs)).toEqual([1, 3, 4]);
    expect(e.scan(ns, { filter: { a: 1, b: 'x' } }).plan).toMatchObject({
      stage: 'IXSCAN',
      keysExamined: 1,
    });
  });

  it('covers a sort with a matching index, forward or fully reversed', async () => {
    const e = await seeded(base, [{ name: 'b_1_c_-1', key: { b: 1, c: -1 } }]);
    const fwd = e.scan(ns, { filter: {}, sort: { b: 1, c: -1 } });
    expect(fwd.plan).toMatchObject({ stage: 'IXSCAN', sortCovered: true });
    expect(ids(fwd.docs)).toEqual([4, 3, 1, 2, 6, 5]);
    const rev = e.scan(ns, { filter: {}, sort: { b: -1, c: 1 } });
    expect(rev.plan.sortCovered).toBe(true);
    expect(ids(rev.docs)).toEqual([5, 6, 2, 1, 3, 4]);
    const eqThenSort = e.scan(ns, { filter: { b: 'x' }, sort: { c: -1 } });
    expect(eqThenSort.plan).toMatchObject({ sortCovered: true, keysExamined: 3 });
    expect(ids(eqThenSort.docs)).toEqual([4, 3, 1]);
    const mixed = e.scan(ns, { filter: {}, sort: { b: 1, c: 1 } });
    expect(mixed.plan).toMatchObject({ stage: 'COLLSCAN', sortCovered: false });
  });

  it('stops after `limit` matches when results come out in the requested order', async () => {
    const e = await seeded(base, [{ name: 'c_1', key: { c: 1 } }]);
    const covered = e.scan(ns, { filter: {}, sort: { c: -1 }, limit: 2 });
    expect(ids(covered.docs)).toEqual([4, 3]);
    expect(covered.plan.docsExamined).toBe(2);
    const natural = e.scan(ns, { filter: { b: 'x' }, limit: 2 });
    expect(ids(natural.docs)).toEqual([1, 3]);
    expect(natural.plan.docsExamined).toBe(3);
    // An uncovered sort needs every match.
    expect(e.scan(ns, { filter: {}, sort: { b: 1 }, limit: 1 }).docs).toHaveLength(6);
  });

  it('bounds an $or whose branches all bound one field (a keyset cursor starts at its key)', async () => {
    const docs = Array.from({ length: 200 }, (_, i) => ({ _id: i, org: 1, at: 1000 - i }));
    const e = await seeded(docs, [{ name: 'org_at_id', key: { org: 1, at: -1, _id: -1 } }]);
    const filter = {
      $and: [{ org: 1 }, { $or: [{ at: { $lt: 850 } }, { at: 850, _id: { $lt: 150 } }] }],
    };
    const page = e.scan(ns, { filter, sort: { at: -1, _id: -1 }, limit: 10 });
    expect(ids(page.docs).slice(0, 10)).toEqual([151, 152, 153, 154, 155, 156, 157, 158, 159, 160]);
    expect(page.plan.keysExamined).toBeLessThan(20);
    // A branch that does not bound the field (here: null) leaves the scan unbounded, still right.
    const withNull = { $and: [{ org: 1 }, { $or: [{ at: { $lt: 850 } }, { at: null }] }] };
    const all = e.scan(ns, { filter: withNull, sort: { at: -1, _id: -1 } });
    expect(all.docs).toHaveLength(49);
    expect(all.plan.keysExamined).toBe(200);
  });

  it('honours hints and refuses unknown ones with BadValue', async () => {
    const e = await seeded(base, [{ name: 'a_1', key: { a: 1 } }]);
    expect(e.scan(ns, { filter: { b: 'x' }, hint: 'a_1' }).plan).toMatchObject({
      stage: 'IXSCAN',
      indexName: 'a_1',
    });
    expect(e.scan(ns, { filter: { b: 'x' }, hint: { a: 1 } }).docs).toHaveLength(3);
    expect(e.scan(ns, { filter: { a: 1 }, hint: { $natural: 1 } }).plan.stage).toBe('COLLSCAN');
    expect(() => e.scan(ns, { filter: {}, hint: 'nope' })).toThrow(
      /hint provided does not correspond/,
    );
  });

  it('never uses a sparse index where it would miss null/missing documents', async () => {
    const e = await seeded(base, [{ name: 'a_s', key: { a: 1 }, sparse: true }]);
    expect(e.scan(ns, { filter: { a: null } }).plan.stage).toBe('COLLSCAN');
    expect(e.scan(ns, { filter: { a: 1 } }).plan.stage).toBe('IXSCAN');
    expect(e.scan(ns, { filter: {}, sort: { a: 1 } }).plan.stage).toBe('COLLSCAN');
  });

  it('counts through the planner', async () => {
    const e = await seeded(base, [{ name: 'b_1', key: { b: 1 } }]);
    expect(e.count(ns, { filter: { b: 'x' } })).toBe(3);
    expect(e.count(ns, { filter: {} })).toBe(6);
  });
});

// ----- property: any plan returns exactly what a full scan + filter returns -----

const scalar = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  // No NaN: mingo (the oracle) matches NaN with $gte/$lte, MongoDB and our index don't.
  fc.constantFrom(0.5, -0.5),
  fc.constantFrom('a', 'b', 'c', ''),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(new Date(0), new Date(1000)),
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ x: scalar }) },
);
const docArb = fc.record({ a: value, b: value, c: scalar }, { requiredKeys: [] });

const predicate = fc.oneof(
  scalar,
  scalar.map((v) => ({ $eq: v })),
  fc.array(scalar, { minLength: 1, maxLength: 3 }).map((vs) => ({ $in: vs })),
  fc
    .tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), fc.integer({ min: -3, max: 3 }))
    .map(([op, v]) => ({ [op]: v })),
  fc
    .tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }))
    .map(([lo, hi]) => ({ $gte: lo, $lt: hi })),
  fc.constantFrom('a', 'b').map((v) => ({ $gt: v })),
);
const conjunctionArb = fc.record(
  { a: predicate, b: predicate, c: predicate },
  { requiredKeys: [] },
);
// An optional `$or` exercises the branch-hull bounds (every branch must bound a field).
const filterArb = fc.record(
  {
    a: predicate,
    b: predicate,
    c: predicate,
    $or: fc.array(conjunctionArb, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const sortArb = fc.option(
  fc.record({ a: fc.constantFrom(1, -1), b: fc.constantFrom(1, -1) }, { requiredKeys: [] }),
  { nil: undefined },
);
const indexSets: Parameters<Engine['createIndexes']>[1][] = [
  [{ name: 'a', key: { a: 1 } }],
  [{ name: 'a_d', key: { a: -1 } }],
  [{ name: 'ab', key: { a: 1, b: -1 } }],
  [
    { name: 'ba', key: { b: 1, a: 1 } },
    { name: 'c', key: { c: 1 } },
  ],
  [
    { name: 'a_s', key: { a: 1 }, sparse: true },
    { name: 'bc', key: { b: -1, c: 1 } },
  ],
];

describe('planner property', () => {
  it('index plans return the same documents as a collection scan', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(docArb, { maxLength: 25 }),
        fc.constantFrom(...indexSets),
        filterArb,
        sortArb,
        async (raw, specs, filter, sort) => {
          const docs = raw.map((d, i) => ({ _id: new ObjectId(), ...d, i }));
          let e: Engine;
          try {
            e = await seeded(docs, specs);
          } catch {
            return; // parallel arrays in a compound key: nothing to compare
          }
          try {
            const oracle = e.scan(ns, { filter, hint: { $natural: 1 } }).docs;
            const planned = e.scan(ns, sort ? { filter, sort } : { filter });
            const expectIds = oracle.map((d) => d.i as number);
            if (planned.plan.sortCovered && sort) {
              const cmp = makeSortComparator(sort);
              const sorted = [...oracle].sort(cmp);
              // Ties may come in any order; compare the sort keys, then the sets.
              const got = planned.docs;
              expect(got.map((d) => d.i as number).sort()).toEqual(expectIds.sort());
              for (let k = 1; k < got.length; k++) {
                expect(cmp(got[k - 1] as Document, got[k] as Document)).toBeLessThanOrEqual(0);
              }
              expect(sorted).toHaveLength(got.length);
            } else {
              expect(planned.docs.map((d) => d.i as number)).toEqual(expectIds);
            }
          } finally {
            await e.close();
            engine = undefined;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
