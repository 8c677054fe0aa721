/**
 * The field pushdown (decoding only the fields a pipeline reads) never changes an answer:
 * for random documents and random pipelines, scanning with the dependency analysis' fields
 * and running the rest gives what scanning whole documents gives, error messages included.
 */
import { Long, serialize, type Document } from 'bson';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorageEngine, type Engine } from '../storage/index.js';
import { scanFields } from './dependencies.js';
import { planPipeline, runStages } from './pipeline.js';

const FIELDS = ['a', 'b', 'c', 'd', 'arr'] as const;

const scalar = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('x', 'y', 'z', ''),
  fc.constant(null),
  fc.constant(2.5),
  fc.constant(Long.fromNumber(3)),
);

const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ x: scalar, y: scalar }, { requiredKeys: [] }) },
);

const documentArb = fc.record(
  {
    a: value,
    b: value,
    c: fc.record({ x: scalar, y: value }, { requiredKeys: [] }),
    d: value,
    arr: fc.array(value, { maxLength: 3 }),
    // A field no pipeline names: the pushdown must not need it.
    big: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);

const field = fc.constantFrom(...FIELDS);
const path = fc.oneof(field, fc.constantFrom('c.x', 'c.y', 'arr.x'));
const ref = path.map((p) => `$${p}`);

const expression: fc.Arbitrary<unknown> = fc.oneof(
  ref,
  scalar,
  fc.tuple(ref, ref).map(([x, y]) => ({ $ifNull: [x, y] })),
  fc.tuple(ref, scalar).map(([x, y]) => ({ $cond: [{ $gt: [x, y] }, x, y] })),
  fc.tuple(ref).map(([x]) => ({ $type: x })),
  fc.constant({ $size: { $ifNull: ['$arr', []] } }),
  fc.constant({ $map: { input: { $ifNull: ['$arr', []] }, as: 'v', in: { $type: '$$v' } } }),
  fc.constant({ $let: { vars: { v: '$a' }, in: { $ifNull: ['$$v', '$b'] } } }),
  fc.constant({ $switch: { branches: [{ case: { $eq: ['$a', 1] }, then: '$b' }], default: '$d' } }),
  fc.constant({ $mergeObjects: [{ k: 1 }, '$$ROOT'] }),
);

const filter: fc.Arbitrary<Document> = fc.oneof(
  fc.tuple(path, scalar).map(([p, v]) => ({ [p]: v })),
  fc.tuple(path, scalar).map(([p, v]) => ({ [p]: { $gt: v } })),
  fc.tuple(path, fc.array(scalar, { maxLength: 3 })).map(([p, v]) => ({ [p]: { $in: v } })),
  fc.tuple(path).map(([p]) => ({ [p]: { $exists: true } })),
  fc.tuple(path, scalar, path, scalar).map(([p, v, q, w]) => ({ $or: [{ [p]: v }, { [q]: w }] })),
  fc.tuple(ref, ref).map(([x, y]) => ({ $expr: { $lt: [x, y] } })),
  fc.constant({ $expr: { $eq: [{ $type: '$$ROOT' }, 'object'] } }),
);

const accumulator = fc.oneof(
  ref.map((r) => ({ $sum: r })),
  ref.map((r) => ({ $first: r })),
  ref.map((r) => ({ $push: r })),
  ref.map((r) => ({ $max: r })),
  fc.constant({ $count: {} }),
  fc.constant({ $push: '$$ROOT' }),
  fc.tuple(ref, field).map(([r, f]) => ({ $top: { sortBy: { [f]: 1 }, output: r } })),
);

const stage: fc.Arbitrary<Document> = fc.oneof(
  filter.map((f) => ({ $match: f })),
  filter.map((f) => ({ $match: f })),
  filter.map((f) => ({ $match: f })),
  fc.tuple(path, fc.constantFrom(1, -1)).map(([p, dir]) => ({ $sort: { [p]: dir, _id: 1 } })),
  fc.integer({ min: 1, max: 5 }).map((n) => ({ $limit: n })),
  fc.integer({ min: 1, max: 3 }).map((n) => ({ $skip: n })),
  fc.tuple(field, expression).map(([f, e]) => ({ $addFields: { [`${f}2`]: e } })),
  fc.tuple(field, expression).map(([f, e]) => ({ $set: { [f]: e } })),
  fc
    .tuple(fc.subarray([...FIELDS], { minLength: 1 }), expression, fc.boolean())
    .map(([fields, e, noId]) => ({
      $project: {
        ...(noId ? { _id: 0 } : {}),
        ...Object.fromEntries(fields.map((f) => [f, 1])),
        computed: e,
      },
    })),
  field.map((f) => ({ $project: { [f]: 0 } })),
  fc.constant({ $unwind: '$arr' }),
  fc.constant({
    $unwind: { path: '$arr', preserveNullAndEmptyArrays: true, includeArrayIndex: 'i' },
  }),
  fc.tuple(expression, accumulator, accumulator).map(([id, x, y]) => ({
    $group: { _id: id, x, y },
  })),
  fc.tuple(expression, accumulator).map(([id, x]) => ({ $group: { _id: id, x } })),
  fc.tuple(field, accumulator).map(([f, x]) => ({ $group: { _id: `$${f}`, x } })),
  fc.constant({ $count: 'n' }),
  ref.map((r) => ({ $sortByCount: r })),
  fc.constant({
    $bucket: {
      groupBy: '$a',
      boundaries: [-5, 0, 6],
      default: 'other',
      output: { n: { $sum: 1 } },
    },
  }),
  fc.constant({ $replaceRoot: { newRoot: { $ifNull: ['$c', {}] } } }),
  fc.constant({ $unset: 'b' }),
  fc.constant({ $facet: { all: [{ $match: {} }] } }),
);

const pipelineArb = fc.array(stage, { maxLength: 5 });

type Outcome = { ok: Document[] } | { error: string };

let engine: Engine;
const ns = { db: 'pushdown', coll: 'docs' };

function run(pipeline: Document[], pushdown: boolean): Outcome {
  try {
    const planned = planPipeline(pipeline);
    const fields = pushdown ? scanFields(planned.stages) : undefined;
    const scanned = engine.scan(ns, {
      filter: planned.filter,
      ...(planned.sort ? { sort: planned.sort } : {}),
      ...(fields !== undefined ? { fields } : {}),
    });
    let stages = planned.stages;
    if (planned.sort && scanned.plan.sortCovered) stages = stages.slice(1);
    const docs = runStages(scanned.docs, stages, () => [], undefined);
    // Compare encoded: field order and exact BSON types count.
    return { ok: docs.map((d) => serialize(d, { ignoreUndefined: false }) as unknown as Document) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

describe('field pushdown', () => {
  beforeAll(async () => {
    engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
    await engine.createIndexes(ns, [{ name: 'a_1', key: { a: 1 } }]);
  });

  afterAll(async () => {
    await engine.close();
  });

  it('gives the same results (or the same error) as whole-document scans', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(documentArb, { maxLength: 12 }),
        fc.array(pipelineArb, { minLength: 1, maxLength: 5 }),
        async (docs, pipelines) => {
          await engine.write((unit) => {
            for (const old of engine.scan(ns, { filter: {} }).docs) unit.remove(ns, old._id);
            docs.forEach((doc, i) => unit.insert(ns, { _id: i, ...doc }));
          });
          for (const pipeline of pipelines) {
            expect(run(pipeline, true)).toStrictEqual(run(pipeline, false));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('does decode fewer fields when the pipeline allows it', async () => {
    await engine.write((unit) => {
      for (const old of engine.scan(ns, { filter: {} }).docs) unit.remove(ns, old._id);
      unit.insert(ns, { _id: 1, a: 1, b: 2, big: 'x' });
    });
    const scanned = engine.scan(ns, { filter: { b: 2 }, fields: ['a'] });
    expect(scanned.docs).toStrictEqual([{ a: 1, b: 2 }]);
    // `_id` only when asked for.
    expect(engine.scan(ns, { filter: { b: 2 }, fields: ['_id', 'a'] }).docs).toStrictEqual([
      { _id: 1, a: 1, b: 2 },
    ]);
    const off = await createStorageEngine({ ttlMonitorIntervalMs: 0, fieldPushdown: false });
    try {
      await off.write((unit) => unit.insert(ns, { _id: 1, a: 1, b: 2, big: 'x' }));
      expect(off.scan(ns, { filter: { b: 2 }, fields: ['a'] }).docs).toStrictEqual([
        { _id: 1, a: 1, b: 2, big: 'x' },
      ]);
    } finally {
      await off.close();
    }
  });

  it('re-checks (and decodes) only what the index bounds leave of the filter', async () => {
    const compound = { db: 'pushdown', coll: 'residual' };
    await engine.createIndexes(compound, [{ name: 'a_b', key: { a: 1, b: 1 } }]);
    await engine.write((unit) => {
      unit.insert(compound, { _id: 1, a: 'k', b: 1, c: 5, big: 'x' });
      unit.insert(compound, { _id: 2, a: 'k', b: 2, c: -5, big: 'x' });
      unit.insert(compound, { _id: 3, a: 'other', b: 1, c: 5, big: 'x' });
    });
    // a and b are answered exactly by the bounds; only c is re-checked, so only c is decoded.
    const scanned = engine.scan(compound, {
      filter: { a: 'k', b: { $in: [1, 2] }, c: { $gt: 0 } },
      fields: ['big'],
    });
    expect(scanned.plan.stage).toBe('IXSCAN');
    expect(scanned.docs).toStrictEqual([{ c: 5, big: 'x' }]);
    // A range on a pinned field is not an exact bound: it stays in the residual.
    expect(
      engine.scan(compound, { filter: { a: 'k', b: { $gte: 2 } }, fields: ['c'] }).docs,
    ).toStrictEqual([{ b: 2, c: -5 }]);
  });

  it('decodes whole documents when the filter may read any field', async () => {
    await engine.write((unit) => {
      for (const old of engine.scan(ns, { filter: {} }).docs) unit.remove(ns, old._id);
      unit.insert(ns, { _id: 1, a: 1, big: 'x' });
    });
    const scanned = engine.scan(ns, {
      filter: { $expr: { $eq: [{ $type: '$$ROOT' }, 'object'] } },
      fields: ['a'],
    });
    expect(scanned.docs).toStrictEqual([{ _id: 1, a: 1, big: 'x' }]);
  });
});
