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

  it('evaluates $elemMatch on scalar and document elements', () => {
    const doc = { _id: 1, a: 1, tags: ['x', 'y', 'z'], items: [{ q: 1 }, { q: 5 }, { q: 7 }] };
    expect(projectDocuments([doc], { tags: { $elemMatch: { $gt: 'x' } } }, {})).toEqual([
      { _id: 1, tags: ['y'] },
    ]);
    expect(projectDocuments([doc], { a: 1, items: { $elemMatch: { q: { $gt: 4 } } } }, {})).toEqual(
      [{ _id: 1, a: 1, items: [{ q: 5 }] }],
    );
    expect(projectDocuments([doc], { a: 0, tags: { $elemMatch: { $eq: 'nope' } } }, {})).toEqual([
      { _id: 1, items: doc.items },
    ]);
  });
});
