import { Long, ObjectId, type Document } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agingPipeline } from '../../test/report-fixtures.js';
import { compileFastProject } from './fast-project.js';
import { runStages } from './pipeline.js';
import { stageOutcome as run } from './stage-outcome.js';

// Mostly values the fast path decides (so it runs), sometimes values it hands to mingo.
const value = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.oneof(
      fc.constantFrom('2026-01-15', '2025-12-01', '2025-10-20', '', 'EUR', 'b', 'B'),
      fc.integer({ min: -2, max: 2 }),
      fc.constantFrom(0.5, -0, Number.NaN),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant(Long.fromNumber(2)),
      fc.constant(new Date(0)),
      fc.constant([1, '2026-01-15']),
      fc.constant({ x: 1 }),
    ),
  },
);

const docArb = fc.record(
  {
    _id: fc.oneof(fc.integer(), fc.constant(new ObjectId('0123456789abcdef01234567'))),
    a: value,
    b: value,
    c: value,
  },
  { requiredKeys: [] },
);

const ref = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom('$a', '$b', '$c', '$missing') },
  { weight: 1, arbitrary: fc.constantFrom('$a.x', '$$ROOT', '$toString') },
);
const literal = fc.constantFrom<unknown>('2026-01-01', 'x', '', 0, 1, 0.5, true, false, null);
const leaf = fc.oneof(
  { weight: 30, arbitrary: ref },
  { weight: 20, arbitrary: literal },
  { weight: 1, arbitrary: fc.constant({ $toUpper: '$a' }) },
);
const expression: fc.Arbitrary<unknown> = fc.letrec<{ expr: unknown }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('expr'), tie('expr')).map((args) => ({ $ifNull: args })),
    fc.tuple(tie('expr'), tie('expr')).map((args) => ({ $eq: args })),
    fc
      .tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), tie('expr'), tie('expr'))
      .map(([op, x, y]) => ({ [op]: [x, y] })),
    fc
      .tuple(
        fc.array(fc.tuple(tie('expr'), tie('expr')), { minLength: 1, maxLength: 3 }),
        tie('expr'),
      )
      .map(([branches, otherwise]) => ({
        $switch: { branches: branches.map(([c, t]) => ({ case: c, then: t })), default: otherwise },
      })),
  ),
})).expr;

// Mostly specs the fast path compiles, sometimes ones it leaves to mingo.
const projectArb = fc
  .tuple(
    fc.dictionary(
      fc.constantFrom('a', 'b', 'c', 'bucket', 'Z'),
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<unknown>(1, true) },
        { weight: 4, arbitrary: expression.filter((e) => e !== null && typeof e === 'object') },
      ),
      { minKeys: 1, maxKeys: 3 },
    ),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant({}) },
      { weight: 3, arbitrary: fc.constantFrom<Document>({ _id: 0 }, { _id: false }, { _id: 1 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Document>({ 0: 1 }, { 'x.y': 1 }, { a: 'lit' }, { c: 0 }),
      },
    ),
  )
  .map(([spec, extra]) => ({ $project: { ...spec, ...extra } }));

describe('fast $project', () => {
  it('answers what mingo answers, key order and errors included', () => {
    fc.assert(
      fc.property(
        fc.array(docArb, { maxLength: 6 }),
        projectArb,
        fc.constantFrom<Document[]>(
          [],
          [{ $group: { _id: '$bucket', n: { $sum: '$a' } } }],
          [{ $group: { _id: { b: '$bucket', c: '$c' }, n: { $sum: 1 } } }, { $sort: { n: 1 } }],
          [{ $project: { bucket: 1 } }],
        ),
        (docs, project, after) => {
          const stages = [project, ...after];
          expect(run(docs, stages, true)).toStrictEqual(run(docs, stages, false));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('runs the aging projection natively, fields in mingo order', () => {
    const project = compileFastProject(agingPipeline(new ObjectId(), '2026-01-15')[1]?.$project);
    expect(project).toBeDefined();
    const out = project?.([
      { _id: 1, currency: 'EUR', amountDue: 5, dueDate: '2026-01-01', lines: [] },
      { _id: 2, currency: 'USD', amountDue: 7, dueDate: null },
      { _id: 3, amountDue: 1, dueDate: '2025-01-01' },
    ]);
    expect(out).toEqual([
      { amountDue: 5, bucket: 'days1to30', currency: 'EUR', _id: 1 },
      { amountDue: 7, bucket: 'current', currency: 'USD', _id: 2 },
      { amountDue: 1, bucket: 'days90plus', _id: 3 },
    ]);
    expect(Object.keys(out?.[0] ?? {})).toEqual(['amountDue', 'bucket', 'currency', '_id']);
    // A value outside the fast path hands the stage back to mingo.
    expect(project?.([{ _id: 1, dueDate: new Date(0) }])).toBeUndefined();
  });

  it('takes the empty string as true and 0, null and missing as false in $switch, as mingo', () => {
    const stages = [
      { $project: { r: { $switch: { branches: [{ case: '$a', then: 'yes' }], default: 'no' } } } },
    ];
    const docs = [
      { _id: 1, a: '' },
      { _id: 2, a: 0 },
      { _id: 3, a: null },
      { _id: 4 },
      { _id: 5, a: 'x' },
    ];
    expect(compileFastProject(stages[0]!.$project)?.(docs)).toBeDefined();
    expect(run(docs, stages, true)).toStrictEqual(run(docs, stages, false));
    expect(runStages(docs, stages, () => [], undefined).map((d) => d.r as unknown)).toEqual([
      'yes',
      'no',
      'no',
      'no',
      'yes',
    ]);
  });

  it('leaves expressions too deep to compile to mingo, which answers as before', () => {
    let expr: unknown = '$a';
    for (let i = 0; i < 100_000; i++) expr = { $ifNull: [expr, null] };
    const stages = [{ $project: { x: expr } }];
    const fast = run([{ a: 1 }], stages, true);
    expect(fast).toStrictEqual(run([{ a: 1 }], stages, false));
    expect('error' in fast).toBe(true);
  });

  it('leaves other shapes to mingo', () => {
    for (const spec of [
      {},
      { _id: 0 },
      { a: 0 },
      { 'a.b': 1 },
      { a: 'literal' },
      { a: { b: 1 } },
      { a: { $toUpper: '$b' } },
      { a: { $eq: ['$b.c', 1] } },
      { a: { $eq: ['$$ROOT', 1] } },
      { a: { $switch: { branches: [{ case: true, then: 1 }] } } },
      { a: { $ifNull: ['$b'] } },
      { 1: 1 },
      { constructor: 1 },
      'not a spec',
    ]) {
      expect(compileFastProject(spec)).toBeUndefined();
    }
  });
});
