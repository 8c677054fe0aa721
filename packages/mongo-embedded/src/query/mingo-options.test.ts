import { Long, ObjectId } from 'bson';
import { Query } from 'mingo/query';
import { describe, expect, it } from 'vitest';
import { filterQuery, mingoOptions } from './mingo-options.js';

const full = (filter: Record<string, unknown>) => new Query(filter, mingoOptions());

const DOCS: Record<string, unknown>[] = [
  { _id: 1, a: 5, b: 7, s: 'Invoice-7', tags: ['x', 'y'], items: [{ q: 2 }, { q: 9 }] },
  { _id: 2, a: Long.fromNumber(9), b: 3, s: 'draft', tags: [], items: [] },
  { _id: 3, a: null, s: 'INV-1', id: new ObjectId('64b000000000000000000001') },
  { _id: 4, b: 1, items: [{ q: 1 }] },
];

/** Filters without aggregation expressions: query operators only. */
const QUERY_ONLY: Record<string, unknown>[] = [
  { a: { $gt: 4 } },
  { a: { $in: [null, 5] } },
  { a: { $exists: false } },
  { a: { $type: 'long' } },
  { a: { $not: { $gt: 6 } } },
  { $or: [{ b: { $lt: 2 } }, { s: { $regex: '^inv', $options: 'i' } }] },
  { $nor: [{ a: 5 }, { b: 3 }] },
  { $and: [{ b: { $gte: 1 } }, { b: { $lte: 3 } }] },
  { tags: { $all: ['x'] } },
  { tags: { $size: 0 } },
  { items: { $elemMatch: { q: { $gt: 5 } } } },
  { 'items.q': { $mod: [3, 0] } },
  { id: new ObjectId('64b000000000000000000001') },
];

/** Filters that evaluate aggregation expressions, at the top and nested in logical operators. */
const WITH_EXPRESSIONS: Record<string, unknown>[] = [
  { $expr: { $gt: ['$b', '$a'] } },
  { $or: [{ s: 'draft' }, { $expr: { $eq: [{ $size: { $ifNull: ['$tags', []] } }, 2] } }] },
  { $and: [{ b: { $exists: true } }, { $nor: [{ $expr: { $lt: ['$b', 2] } }] }] },
  // A field named like a BSON value's tag does not stop the walk.
  { _bsontype: { $exists: false }, $or: [{ $expr: { $gt: ['$b', '$a'] } }] },
];

const ids = (query: Query) => DOCS.filter((doc) => query.test(doc)).map((doc) => doc._id);

describe('filterQuery', () => {
  it('answers every query operator as a Query with every operator does', () => {
    for (const filter of QUERY_ONLY) {
      expect(ids(filterQuery(filter)), JSON.stringify(filter)).toEqual(ids(full(filter)));
    }
  });

  it('evaluates $expr wherever it sits in the filter', () => {
    expect(ids(filterQuery(WITH_EXPRESSIONS[0]!))).toEqual([1]);
    expect(ids(filterQuery(WITH_EXPRESSIONS[1]!))).toEqual([1, 2]);
    expect(ids(filterQuery(WITH_EXPRESSIONS[2]!))).toEqual([1, 2]);
    for (const filter of WITH_EXPRESSIONS) {
      expect(ids(filterQuery(filter))).toEqual(ids(full(filter)));
    }
  });

  it('refuses $where and unknown operators as the full context does', () => {
    for (const filter of [{ $where: 'this.a > 1' }, { a: { $bogus: 1 } }, { $bogus: [] }]) {
      const expected = (() => {
        try {
          full(filter);
          return 'no error';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(expected).not.toBe('no error');
      expect(() => filterQuery(filter)).toThrow(expected);
    }
  });

  it('takes the full context for a filter too deep to walk, without overflowing', () => {
    let deep: Record<string, unknown> = { a: 5 };
    for (let i = 0; i < 300; i++) deep = { $and: [deep] };
    expect(ids(filterQuery(deep))).toEqual([1]);
  });
});
