import { Decimal128, Long, ObjectId, type Document } from 'bson';
import { describe, expect, it } from 'vitest';
import {
  ALL,
  expressionDependencies,
  filterDependencies,
  pipelineDependencies,
  scanFields,
  type Dependencies,
} from './dependencies.js';

function sorted(deps: Dependencies): string[] | typeof ALL {
  return deps === ALL ? ALL : [...deps].sort();
}

const group = { $group: { _id: null, n: { $sum: 1 } } };

describe('filterDependencies', () => {
  it('names the top-level field of every path, whatever the operators under it', () => {
    expect(
      sorted(
        filterDependencies({
          a: 1,
          'b.c.d': { $gt: 2 },
          'e.0': { $elemMatch: { x: 1, $or: [{ y: 2 }] } },
          f: { $not: { $regex: '^x' } },
        }),
      ),
    ).toEqual(['a', 'b', 'e', 'f']);
  });

  it('walks $and, $or and $nor, and ignores $comment', () => {
    expect(
      sorted(
        filterDependencies({
          $and: [{ a: 1 }, { $or: [{ b: 1 }, { $nor: [{ 'c.x': 1 }] }] }],
          $comment: 'why',
        }),
      ),
    ).toEqual(['a', 'b', 'c']);
  });

  it('reads $expr field paths but not variables', () => {
    expect(
      sorted(
        filterDependencies({
          $expr: { $and: [{ $gt: ['$a.b', '$$limit'] }, { $eq: ['$c', '$$NOW'] }] },
        }),
      ),
    ).toEqual(['a', 'c']);
  });

  it('is everything for $where, $jsonSchema, $text, unknown operators and $$ROOT', () => {
    for (const filter of [
      { $where: 'this.a' },
      { $jsonSchema: { required: ['a'] } },
      { $text: { $search: 'x' } },
      { $alwaysTrue: 1 },
      { $expr: { $eq: ['$$ROOT', {}] } },
      { $expr: { $eq: ['$$CURRENT.a', 1] } },
      { $and: { a: 1 } },
      { $or: [5] },
    ]) {
      expect(filterDependencies(filter as Document)).toBe(ALL);
    }
  });

  it('is empty for the empty filter', () => {
    expect(sorted(filterDependencies({}))).toEqual([]);
  });
});

describe('expressionDependencies', () => {
  it('treats $-strings as field paths and $$-strings as variables', () => {
    expect(
      sorted(expressionDependencies({ $add: ['$a', '$b.c', '$$x', '$$this.y', 'lit'] })),
    ).toEqual(['a', 'b']);
  });

  it('does not mistake $let, $map, $filter and $reduce variables for fields', () => {
    const expr = {
      $let: {
        vars: { total: { $sum: '$lines.amount' } },
        in: {
          $map: {
            input: { $filter: { input: '$items', as: 'item', cond: { $gt: ['$$item.qty', 0] } } },
            as: 'it',
            in: {
              $reduce: {
                input: '$$it.parts',
                initialValue: '$$total',
                in: { $add: ['$$value', '$$this', '$bonus'] },
              },
            },
          },
        },
      },
    };
    expect(sorted(expressionDependencies(expr))).toEqual(['bonus', 'items', 'lines']);
  });

  it('is everything for $$ROOT, $$CURRENT, $getField and script operators', () => {
    for (const expr of [
      '$$ROOT',
      '$$CURRENT',
      '$$ROOT.a',
      { $mergeObjects: ['$$ROOT', { x: 1 }] },
      { $getField: 'a.b' },
      { $setField: { field: 'a', input: '$x', value: 1 } },
      { $function: { body: 'return 1', args: [], lang: 'js' } },
    ]) {
      expect(expressionDependencies(expr)).toBe(ALL);
    }
  });

  it('reads nothing from $literal and from BSON values', () => {
    expect(
      sorted(
        expressionDependencies([
          { $literal: '$a' },
          new ObjectId(),
          new Date(),
          Long.fromNumber(1),
          Decimal128.fromString('1'),
          /x/,
          null,
          5,
        ]),
      ),
    ).toEqual([]);
  });

  it('walks a document with a non-string "_bsontype" field (a plain field, not a BSON value)', () => {
    // Another driver can send such a key; decoded, it is an ordinary field of a plain object.
    expect(sorted(expressionDependencies({ _bsontype: 1, y: '$secret' }))).toEqual(['secret']);
  });
});

describe('pipelineDependencies', () => {
  it('stops at $group: later stages read its output, not the source', () => {
    const deps = pipelineDependencies([
      { $match: { orgId: 1, status: { $in: ['open'] } } },
      {
        $group: {
          _id: { currency: '$currency', month: { $substrBytes: ['$issueDate', 0, 7] } },
          invoiced: { $sum: '$total' },
          paid: { $sum: '$amountPaid' },
        },
      },
      { $sort: { '_id.currency': 1 } },
      { $project: { whole: '$$ROOT' } },
    ]);
    expect(sorted(deps)).toEqual([
      'amountPaid',
      'currency',
      'issueDate',
      'orgId',
      'status',
      'total',
    ]);
  });

  it('reads the fields an inclusion $project includes and computes from, then stops', () => {
    expect(
      sorted(
        pipelineDependencies([
          {
            $project: {
              _id: 0,
              currency: 1,
              'nested.inner': true,
              sub: { keep: 1 },
              bucket: { $switch: { branches: [{ case: '$x', then: 'a' }], default: '$y' } },
            },
          },
          { $addFields: { later: '$$ROOT' } },
        ]),
      ),
    ).toEqual(['bucket', 'currency', 'nested', 'sub', 'x', 'y']);
  });

  it('is everything for exclusion projections, _id: 0 alone included', () => {
    expect(pipelineDependencies([{ $project: { a: 0 } }, group])).toBe(ALL);
    expect(pipelineDependencies([{ $project: { _id: 0 } }, group])).toBe(ALL);
    expect(pipelineDependencies([{ $project: { a: { b: 0 } } }, group])).toBe(ALL);
    expect(pipelineDependencies([{ $project: { a: { b: 1 }, c: false } }, group])).toBe(ALL);
  });

  it('adds what $match, $sort, $unwind, $addFields and $set read before the document is replaced', () => {
    const deps = pipelineDependencies([
      { $match: { a: 1 } },
      { $sort: { 'b.c': -1 } },
      { $skip: 1 },
      { $limit: 10 },
      { $unwind: '$d.e' },
      { $unwind: { path: '$f', includeArrayIndex: 'i', preserveNullAndEmptyArrays: true } },
      { $addFields: { g: '$h' } },
      { $set: { 'k.l': { $concat: ['$m', '-'] } } },
      { $count: 'n' },
    ]);
    expect(sorted(deps)).toEqual(['a', 'b', 'd', 'f', 'g', 'h', 'k', 'm']);
  });

  it('reads $group accumulators, including $top/$bottom sortBy fields', () => {
    const deps = pipelineDependencies([
      {
        $group: {
          _id: '$k',
          first: { $first: '$a' },
          top: { $top: { sortBy: { 'b.x': 1 }, output: ['$c'] } },
          bottom: { $bottomN: { n: 2, sortBy: { d: -1 }, output: '$e' } },
          count: { $count: {} },
        },
      },
    ]);
    expect(sorted(deps)).toEqual(['a', 'b', 'c', 'd', 'e', 'k']);
  });

  it('reads $sortByCount, $bucket and $bucketAuto groupBy and outputs', () => {
    expect(sorted(pipelineDependencies([{ $sortByCount: '$tag' }]))).toEqual(['tag']);
    expect(
      sorted(
        pipelineDependencies([
          {
            $bucket: {
              groupBy: '$price',
              boundaries: [0, 100],
              default: 'other',
              output: { total: { $sum: '$qty' } },
            },
          },
        ]),
      ),
    ).toEqual(['price', 'qty']);
    expect(sorted(pipelineDependencies([{ $bucketAuto: { groupBy: '$p', buckets: 3 } }]))).toEqual([
      'p',
    ]);
  });

  it('is everything when documents reach the end whole', () => {
    expect(pipelineDependencies([])).toBe(ALL);
    expect(pipelineDependencies([{ $match: { a: 1 } }, { $limit: 5 }])).toBe(ALL);
    expect(pipelineDependencies([{ $addFields: { b: '$a' } }])).toBe(ALL);
  });

  it('is everything for stages it does not analyse', () => {
    for (const stage of [
      { $lookup: { from: 'x', localField: 'a', foreignField: 'b', as: 'c' } },
      { $facet: { a: [group] } },
      { $replaceRoot: { newRoot: '$a' } },
      { $replaceWith: '$a' },
      { $unset: 'a' },
      { $out: 'x' },
      { $merge: 'x' },
      { $graphLookup: {} },
      { $unknownStage: {} },
      { $match: { $where: 'true' } },
      { $group: { _id: '$$ROOT' } },
      { $group: { _id: null, all: { $push: '$$ROOT' } } },
      { $group: { _id: null, acc: { $accumulator: {} } } },
      { $group: { n: { $sum: 1 } } },
      { $unwind: 5 },
      { $sort: 1 },
      { $project: {} },
      { a: 1, b: 2 },
    ]) {
      expect(pipelineDependencies([stage as Document, group])).toBe(ALL);
    }
  });
});

describe('hostile pipelines', () => {
  it('answers everything, without throwing, for expressions too deep to walk', () => {
    let expr: unknown = '$a';
    for (let i = 0; i < 100_000; i++) expr = { $ifNull: [expr, null] };
    expect(pipelineDependencies([{ $group: { _id: expr } }])).toBe(ALL);
    expect(filterDependencies({ $expr: expr as Document })).toBe(ALL);
    expect(scanFields([{ $project: { x: expr } }, group])).toBeUndefined();
  });

  it('handles thousands of stages and fields', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({ $match: { [`f${i}`]: i } }));
    const deps = pipelineDependencies([...many, { $group: { _id: '$last' } }]);
    expect(deps === ALL ? 0 : deps.size).toBe(5_001);
  });
});

describe('scanFields', () => {
  it('leaves _id out when no stage reads it and a $group-like stage replaces the documents', () => {
    expect(scanFields([group])).toEqual([]);
    expect(scanFields([{ $group: { _id: '$a', n: { $sum: '$b' } } }])?.sort()).toEqual(['a', 'b']);
    expect(scanFields([{ $match: { a: 1 } }, { $count: 'n' }])).toEqual(['a']);
    expect(scanFields([{ $sortByCount: '$a' }])).toEqual(['a']);
  });

  it('includes _id when a stage reads it', () => {
    expect(scanFields([{ $group: { _id: '$_id', n: { $sum: 1 } } }])).toEqual(['_id']);
    expect(scanFields([{ $match: { _id: { $gt: 1 } } }, group])).toEqual(['_id']);
    expect(scanFields([{ $sort: { '_id.x': 1 } }, group])).toEqual(['_id']);
  });

  it('includes _id when an inclusion $project passes it on, not when it excludes it', () => {
    expect(scanFields([{ $project: { a: 1 } }])?.sort()).toEqual(['_id', 'a']);
    expect(scanFields([{ $project: { b: '$a' } }])?.sort()).toEqual(['_id', 'a', 'b']);
    expect(scanFields([{ $project: { _id: 0, a: 1 } }])).toEqual(['a']);
    expect(scanFields([{ $project: { _id: false, a: 1 } }, group])).toEqual(['a']);
    expect(scanFields([{ $project: { _id: 1, a: 1 } }])?.sort()).toEqual(['_id', 'a']);
  });

  it('is undefined when every field may matter', () => {
    expect(scanFields([{ $match: { a: 1 } }])).toBeUndefined();
  });
});
