import { Decimal128, Long, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { MongoCommandError } from '../errors.js';
import { applyUpdate, buildUpsertDocument, parseUpdateSpec, upsertSeed } from './update.js';

const noFilter = { filter: {}, inserting: false };

describe('parseUpdateSpec', () => {
  it('classifies replacement, operator and pipeline updates', () => {
    expect(parseUpdateSpec({ a: 1 }).kind).toBe('replacement');
    expect(parseUpdateSpec({ $set: { a: 1 } }).kind).toBe('operators');
    expect(parseUpdateSpec([{ $set: { a: 1 } }]).kind).toBe('pipeline');
  });

  it('refuses unknown operators, mixed documents and conflicting paths', () => {
    expect(() => parseUpdateSpec({ $foo: { a: 1 } })).toThrow(/Unknown modifier: \$foo/);
    expect(() => parseUpdateSpec({ $set: { a: 1 }, b: 2 })).toThrow(MongoCommandError);
    const conflict = (() => {
      try {
        parseUpdateSpec({ $set: { 'a.b': 1 }, $inc: { a: 1 } });
      } catch (error) {
        return error as MongoCommandError;
      }
      return undefined;
    })();
    expect(conflict?.code).toBe(40);
    expect(() => parseUpdateSpec([{ $match: {} }])).toThrow(/not allowed/);
  });
});

describe('applyUpdate', () => {
  it('reports unchanged documents as not modified', () => {
    const doc = { _id: 1, a: 1 };
    expect(applyUpdate(doc, parseUpdateSpec({ $set: { a: 1 } }), noFilter).modified).toBe(false);
    const changed = applyUpdate(doc, parseUpdateSpec({ $set: { a: 2 } }), noFilter);
    expect(changed).toEqual({ doc: { _id: 1, a: 2 }, modified: true });
    expect(doc.a).toBe(1);
  });

  it('applies the positional $ with the statement filter and $[id] with arrayFilters', () => {
    const doc = { _id: 1, a: [1, 2, 3], b: [{ x: 1 }, { x: 5 }] };
    const positional = applyUpdate(doc, parseUpdateSpec({ $set: { 'a.$': 9 } }), {
      filter: { a: 2 },
      inserting: false,
    });
    expect(positional.doc.a).toEqual([1, 9, 3]);
    const filtered = applyUpdate(doc, parseUpdateSpec({ $inc: { 'b.$[e].x': 1 } }), {
      filter: {},
      arrayFilters: [{ 'e.x': { $gt: 2 } }],
      inserting: false,
    });
    expect(filtered.doc.b).toEqual([{ x: 1 }, { x: 6 }]);
    const all = applyUpdate(doc, parseUpdateSpec({ $mul: { 'a.$[]': 2 } }), noFilter);
    expect(all.doc.a).toEqual([2, 4, 6]);
  });

  it('refuses to change _id', () => {
    expect(() => applyUpdate({ _id: 1 }, parseUpdateSpec({ $set: { _id: 2 } }), noFilter)).toThrow(
      /immutable field '_id'/,
    );
    expect(() => applyUpdate({ _id: 1 }, parseUpdateSpec({ _id: 2, a: 1 }), noFilter)).toThrow(
      /immutable/,
    );
  });

  it('keeps _id first for replacements and pipeline updates', () => {
    const replaced = applyUpdate({ _id: 1, a: 1 }, parseUpdateSpec({ b: 2 }), noFilter);
    expect(Object.keys(replaced.doc)).toEqual(['_id', 'b']);
    const piped = applyUpdate(
      { _id: 1, a: 2 },
      parseUpdateSpec([{ $set: { c: { $add: ['$a', 1] } } }]),
      noFilter,
    );
    expect(piped.doc).toEqual({ _id: 1, a: 2, c: 3 });
  });

  it('ignores $setOnInsert unless inserting', () => {
    const spec = parseUpdateSpec({ $set: { a: 1 }, $setOnInsert: { created: true } });
    expect(applyUpdate({ _id: 1 }, spec, noFilter).doc).toEqual({ _id: 1, a: 1 });
  });
});

describe('upserts', () => {
  it('seeds the new document with the equality fields of the filter', () => {
    expect(upsertSeed({ a: 1, 'b.c': 2, d: { $gt: 3 }, e: { $eq: 4 }, $and: [{ f: 5 }] })).toEqual({
      a: 1,
      b: { c: 2 },
      e: 4,
      f: 5,
    });
  });

  it('applies operators and $setOnInsert on top of the seed, with a generated _id first', () => {
    const doc = buildUpsertDocument(
      { sku: 'x' },
      parseUpdateSpec({ $inc: { qty: 2 }, $setOnInsert: { created: true } }),
      { filter: { sku: 'x' } },
    );
    expect(Object.keys(doc)).toEqual(['_id', 'sku', 'qty', 'created']);
    expect(doc._id).toBeInstanceOf(ObjectId);
    expect(doc).toMatchObject({ sku: 'x', qty: 2, created: true });
  });

  it('uses only the _id of the filter for a replacement upsert', () => {
    const doc = buildUpsertDocument({ _id: 7, a: 1 }, parseUpdateSpec({ b: 2 }), { filter: {} });
    expect(doc).toEqual({ _id: 7, b: 2 });
  });
});

describe('arithmetic on BSON number wrappers', () => {
  it('increments and multiplies Long values exactly', () => {
    const big = Long.fromString('9007199254740993');
    const inc = applyUpdate({ _id: 1, n: big }, parseUpdateSpec({ $inc: { n: 1 } }), noFilter);
    expect(String(inc.doc.n)).toBe('9007199254740994');
    expect(inc.doc.n).toBeInstanceOf(Long);
    const mul = applyUpdate(
      { _id: 1, n: 3 },
      parseUpdateSpec({ $mul: { n: Long.fromNumber(4) } }),
      noFilter,
    );
    expect(String(mul.doc.n)).toBe('12');
  });

  it('refuses Decimal128 arithmetic instead of doing it wrong', () => {
    expect(() =>
      applyUpdate(
        { _id: 1, d: Decimal128.fromString('1.5') },
        parseUpdateSpec({ $inc: { d: 1 } }),
        noFilter,
      ),
    ).toThrow(/Decimal128/);
  });
});
