import { Double, Int32, Long } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyString } from './key-string.js';

function nested(depth: number): unknown {
  let value: unknown = { leaf: 'x' };
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { n: value } : [value];
  return value;
}

describe('keyString', () => {
  it('grows linearly with nesting (MongoDB allows 100 levels)', () => {
    // Nesting JSON.stringify per level once doubled the key per level: 134 M characters at 24.
    const at50 = keyString(nested(50)).length;
    const at100 = keyString(nested(100)).length;
    expect(at100).toBeLessThan(2.5 * at50);
    expect(at100).toBeLessThan(2_000);
  });

  it('keys numbers equal across types, at any depth', () => {
    const shapes = (n: unknown) => ({ a: [n, { b: n }] });
    const keys = [1, new Int32(1), new Double(1), Long.fromNumber(1)].map((n) =>
      keyString(shapes(n)),
    );
    expect(new Set(keys).size).toBe(1);
  });

  it('tells apart values whose parts would run together', () => {
    const distinct = [
      ['1:a'],
      ['1', 'a'],
      ['1:', 'a'],
      [['a'], 'b'],
      [['a', 'b']],
      { a: ['b'] },
      { a: 'b' },
      { 'a1:': 'b' },
      [],
      {},
      [[]],
      [{}],
    ];
    const keys = distinct.map((v) => keyString(v));
    expect(new Set(keys).size).toBe(distinct.length);
  });

  it('is equal exactly when JSON values are equal (property)', () => {
    const value = fc.jsonValue({ maxDepth: 4 }).filter((v) => v !== null);
    fc.assert(
      fc.property(value, value, (a, b) => {
        const sameJson = JSON.stringify(a) === JSON.stringify(b);
        // -0 and 0 are one number to MongoDB, and JSON writes both as 0.
        expect(keyString(a) === keyString(b)).toBe(sameJson);
      }),
    );
  });
});
