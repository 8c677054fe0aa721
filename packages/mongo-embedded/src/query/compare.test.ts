import {
  Binary,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareForSort,
  compareStrings,
  compareValues,
  makeSortComparator,
  valuesEqual,
} from './compare.js';

describe('compareValues', () => {
  it('orders type brackets as MongoDB does', () => {
    const ordered: unknown[] = [
      new MinKey(),
      null,
      Number.NaN,
      -5,
      'a',
      { a: 1 },
      [1],
      new Binary(new Uint8Array([1])),
      new ObjectId('000000000000000000000000'),
      false,
      true,
      new Date(0),
      new Timestamp({ t: 1, i: 1 }),
      /a/,
      new MaxKey(),
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compareValues(ordered[i], ordered[j])), `${i} vs ${j}`).toBe(
          Math.sign(i - j),
        );
      }
    }
  });

  it('treats null, undefined and missing alike', () => {
    expect(compareValues(null, undefined)).toBe(0);
  });

  it('compares numbers by value across int, long, double and Decimal128', () => {
    expect(valuesEqual(1, Long.fromNumber(1))).toBe(true);
    expect(valuesEqual(new Int32(1), new Double(1.0))).toBe(true);
    expect(valuesEqual(Decimal128.fromString('1.0'), 1)).toBe(true);
    expect(compareValues(Decimal128.fromString('2.5'), 2)).toBeGreaterThan(0);
    expect(compareValues(Long.fromString('9007199254740993'), 9007199254740992)).toBeGreaterThan(0);
    expect(
      compareValues(Long.fromString('9007199254740993'), Long.fromString('9007199254740994')),
    ).toBeLessThan(0);
    expect(compareValues(Number.NaN, Number.NEGATIVE_INFINITY)).toBeLessThan(0);
    expect(compareValues(Number.NaN, Number.NaN)).toBe(0);
    expect(compareValues(0, -0)).toBe(0);
  });

  it('uses code-point (UTF-8 byte) order for strings', () => {
    // U+FF5E sorts below U+1F600 in UTF-8 though its UTF-16 code unit is higher.
    expect(compareStrings('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1f600}').toBe(false);
    expect(compareStrings('B', 'a')).toBeLessThan(0);
    expect(compareStrings('ab', 'abc')).toBeLessThan(0);
  });

  it('compares objects by field type, name, then value and arrays element-wise', () => {
    expect(compareValues({ a: 1 }, { a: 2 })).toBeLessThan(0);
    expect(compareValues({ a: 1 }, { b: 0 })).toBeLessThan(0);
    expect(compareValues({ a: 'x' }, { a: 1 })).toBeGreaterThan(0);
    expect(compareValues({ a: 1 }, { a: 1, b: 1 })).toBeLessThan(0);
    expect(compareValues([1, 2], [1, 3])).toBeLessThan(0);
    expect(compareValues([1], [1, 0])).toBeLessThan(0);
    expect(compareValues(new BSONRegExp('a', 'i'), /a/)).toBeGreaterThan(0);
  });

  const anyValue = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.date({ noInvalidDate: true }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => Long.fromBigInt(b)),
      fc.uint8Array({ maxLength: 4 }).map((b) => new Binary(b)),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3 }),
    ),
  })).value;

  it('is a total order (antisymmetric and transitive)', () => {
    fc.assert(
      fc.property(anyValue, anyValue, anyValue, (a, b, c) => {
        expect(Math.sign(compareValues(a, b)) + Math.sign(compareValues(b, a))).toBe(0);
        expect(compareValues(a, a)).toBe(0);
        if (compareValues(a, b) <= 0 && compareValues(b, c) <= 0) {
          expect(compareValues(a, c)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('orders ObjectIds by their bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        (x, y) => {
          const hx = Buffer.from(x).toString('hex');
          const hy = Buffer.from(y).toString('hex');
          const expected = hx < hy ? -1 : hx > hy ? 1 : 0;
          expect(Math.sign(compareValues(new ObjectId(x), new ObjectId(hy)))).toBe(expected);
        },
      ),
    );
  });

  it('sorts numbers of mixed types like plain numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 20 }), (ns) => {
        const wrapped = ns.map((n, i) =>
          i % 3 === 0 ? Long.fromNumber(n) : i % 3 === 1 ? new Double(n) : n,
        );
        const sorted = [...wrapped].sort(compareValues).map(Number);
        expect(sorted).toEqual([...ns].sort((x, y) => x - y));
      }),
    );
  });
});

describe('sort', () => {
  it('uses the smallest array element ascending and the largest descending', () => {
    const docs = [{ _id: 1, a: [1, 9] }, { _id: 2, a: 5 }, { _id: 3, a: [] }, { _id: 4 }];
    const asc = [...docs].sort(makeSortComparator({ a: 1 })).map((d) => d._id);
    expect(asc).toEqual([3, 4, 1, 2]);
    const desc = [...docs].sort(makeSortComparator({ a: -1 })).map((d) => d._id);
    expect(desc).toEqual([1, 2, 4, 3]);
  });

  it('follows dotted paths into arrays of documents', () => {
    const docs = [
      { _id: 1, l: [{ p: 3 }, { p: 1 }] },
      { _id: 2, l: [{ p: 2 }] },
    ];
    expect([...docs].sort(makeSortComparator({ 'l.p': 1 })).map((d) => d._id)).toEqual([1, 2]);
    expect([...docs].sort(makeSortComparator({ 'l.p': -1 })).map((d) => d._id)).toEqual([1, 2]);
    expect([...docs].sort(makeSortComparator({ 'l.0.p': 1 })).map((d) => d._id)).toEqual([2, 1]);
  });

  it('compares single values in the given direction', () => {
    expect(compareForSort(1, 2, 1)).toBeLessThan(0);
    expect(compareForSort(1, 2, -1)).toBeGreaterThan(0);
  });
});
