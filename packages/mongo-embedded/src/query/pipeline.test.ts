import { describe, expect, it } from 'vitest';
import { adaptStages, planPipeline, runStages } from './pipeline.js';

describe('planPipeline', () => {
  it('pushes leading $match stages and the following $sort to the storage', () => {
    const planned = planPipeline([
      { $match: { a: 1 } },
      { $match: { b: 2 } },
      { $sort: { c: 1 } },
      { $limit: 5 },
      { $out: 'target' },
    ]);
    expect(planned.filter).toEqual({ $and: [{ a: 1 }, { b: 2 }] });
    expect(planned.sort).toEqual({ c: 1 });
    expect(planned.stages).toEqual([{ $sort: { c: 1 } }, { $limit: 5 }]);
    expect(planned.output).toEqual({ kind: '$out', spec: 'target' });
    expect(planned.limit).toBe(5);
    expect(planPipeline([{ $skip: 2 }, { $limit: 3 }]).limit).toBe(5);
    expect(
      planPipeline([{ $match: {} }, { $group: { _id: null } }, { $limit: 1 }]).limit,
    ).toBeUndefined();
  });

  it('refuses $out or $merge anywhere but last', () => {
    expect(() => planPipeline([{ $out: 'x' }, { $match: {} }])).toThrow(/final stage/);
  });
});

describe('runStages', () => {
  it('rewrites $count (also inside $facet) so empty input yields no document', () => {
    expect(adaptStages([{ $count: 'n' }])).toEqual([
      { $group: { _id: null, n: { $sum: 1 } } },
      { $project: { _id: 0 } },
    ]);
    expect(runStages([], [{ $count: 'n' }], () => [], undefined)).toEqual([]);
    expect(
      runStages([{ a: 1 }], [{ $facet: { c: [{ $count: 'n' }] } }], () => [], undefined),
    ).toEqual([{ c: [{ n: 1 }] }]);
  });

  it('puts _id first and resolves $lookup collections', () => {
    const out = runStages(
      [{ _id: 1, ref: 'x' }],
      [
        { $lookup: { from: 'other', localField: 'ref', foreignField: 'k', as: 'j' } },
        { $project: { n: { $size: '$j' } } },
      ],
      (name) => (name === 'other' ? [{ k: 'x' }, { k: 'x' }, { k: 'y' }] : []),
      undefined,
    );
    expect(out).toEqual([{ _id: 1, n: 2 }]);
    expect(Object.keys(out[0]!)).toEqual(['_id', 'n']);
  });
});
