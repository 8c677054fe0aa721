import { Decimal128, Long, ObjectId } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFastGroup } from './fast-group.js';
import { runStages } from './pipeline.js';
import { stageOutcome as run } from './stage-outcome.js';

// Mostly values the fast path decides (so it runs), sometimes values it must hand to mingo.
const value = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.oneof(
      fc.constantFrom('EUR', 'USD', '2025-01-31', '2025-02', '', 'ünï', '€uro', 'true', '1', 'n'),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(0.1, 0.2, 1e308, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant(-0),
      fc.constant(Long.fromNumber(2)),
      fc.constant(Decimal128.fromString('1.5')),
      fc.constant(new Date(0)),
      fc.constant(new ObjectId('0123456789abcdef01234567')),
      fc.constant([1, 2]),
      fc.constant({ x: 1 }),
    ),
  },
);

const docArb = fc.record({ a: value, b: value, c: value }, { requiredKeys: [] });
const field = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('$a', '$b', '$c', '$missing') },
  { weight: 1, arbitrary: fc.constantFrom('$a.x', '$$ROOT', '$constructor') },
);
const substr = fc
  .tuple(field, fc.integer({ min: -1, max: 8 }), fc.integer({ min: -1, max: 8 }))
  .map(([f, i, n]) => ({ $substrBytes: [f, i, n] }));
const idPart = fc.oneof(field, substr, fc.constantFrom('lit', 5, null, true));
const id = fc.oneof(
  idPart,
  fc.dictionary(fc.constantFrom('k', 'm', 'z', '$bad'), idPart, { minKeys: 1, maxKeys: 3 }),
  fc.constant({}),
);
const accumulator = fc.oneof(
  field.map((f) => ({ $sum: f })),
  fc.constantFrom(
    { $sum: 1 },
    { $sum: 2.5 },
    { $sum: -1 },
    { $count: {} },
    { $sum: '$a', $max: 1 },
  ),
  field.map((f) => ({ $max: f })),
  fc.constant({ $sum: { $add: ['$a', 1] } }),
);
const groupArb = fc
  .tuple(id, fc.dictionary(fc.constantFrom('s', 't', 'u'), accumulator, { maxKeys: 3 }))
  .map(([_id, accs]) => ({ $group: { _id, ...accs } }));

describe('fast $group', () => {
  it('answers what mingo answers, errors included', () => {
    fc.assert(
      fc.property(
        fc.array(docArb, { maxLength: 8 }),
        groupArb,
        fc.constantFrom([], [{ $sort: { _id: 1 } }], [{ $count: 'n' }]),
        (docs, group, after) => {
          const stages = [group, ...after];
          expect(run(docs, stages, true)).toStrictEqual(run(docs, stages, false));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('runs report-shaped groups natively', () => {
    const group = compileFastGroup({
      _id: { currency: '$currency', month: { $substrBytes: ['$issueDate', 0, 7] } },
      invoiced: { $sum: '$total' },
      n: { $sum: 1 },
      c: { $count: {} },
    });
    expect(group).toBeDefined();
    const docs = [
      { currency: 'EUR', issueDate: '2025-01-05', total: 10 },
      { currency: 'USD', issueDate: '2025-01-09', total: 'x' },
      { currency: 'EUR', issueDate: '2025-01-31', total: 5.5 },
      { currency: 'EUR', issueDate: null, total: 1 },
    ];
    expect(group?.(docs)).toEqual([
      { _id: { currency: 'EUR', month: '2025-01' }, invoiced: 15.5, n: 2, c: 2 },
      { _id: { currency: 'USD', month: '2025-01' }, invoiced: 0, n: 1, c: 1 },
      { _id: { currency: 'EUR', month: '' }, invoiced: 1, n: 1, c: 1 },
    ]);
    // A value outside the fast path hands the stage back to mingo.
    expect(group?.([{ currency: new Date(0), issueDate: '2025-01-05', total: 1 }])).toBeUndefined();
  });

  it('leaves other shapes to mingo', () => {
    for (const spec of [
      { _id: '$a.b' },
      { _id: '$$ROOT' },
      { _id: { $toUpper: '$a' } },
      { _id: { k: { nested: '$a' } } },
      { _id: null, x: { $avg: '$a' } },
      { _id: null, x: { $sum: '$a.b' } },
      { _id: null, 'x.y': { $sum: 1 } },
      { n: { $sum: 1 } },
      'not a spec',
    ]) {
      expect(compileFastGroup(spec)).toBeUndefined();
    }
  });

  it('keeps one $$NOW for the whole pipeline (no cut around the group)', () => {
    const [row] = runStages(
      [{ a: 1 }],
      [
        { $addFields: { t1: '$$NOW' } },
        { $group: { _id: '$a', n: { $sum: 1 } } },
        { $addFields: { t2: '$$NOW' } },
      ],
      () => [],
      undefined,
    );
    expect(row).toMatchObject({ _id: 1, n: 1 });
    expect(row?.t2).toBeInstanceOf(Date);
  });
});
