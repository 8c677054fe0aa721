import { describe, expect, it } from 'vitest';
import { projectDocuments } from './projection.js';

describe('projectDocuments', () => {
  it('keeps the source field order with _id first', () => {
    const [doc] = projectDocuments([{ _id: 1, a: 1, b: 2, c: 3 }], { c: 1, a: 1 }, {});
    expect(Object.keys(doc!)).toEqual(['_id', 'a', 'c']);
  });

  it('supports exclusion, _id suppression and the positional projection', () => {
    expect(projectDocuments([{ _id: 1, a: 1, b: 2 }], { b: 0 }, {})).toEqual([{ _id: 1, a: 1 }]);
    expect(projectDocuments([{ _id: 1, a: 1 }], { _id: 0, a: 1 }, {})).toEqual([{ a: 1 }]);
    expect(
      projectDocuments([{ _id: 1, xs: [1, 5, 9] }], { 'xs.$': 1 }, { xs: { $gt: 4 } }),
    ).toEqual([{ _id: 1, xs: [5] }]);
  });
});
