import { Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareValues } from '../query/compare.js';
import { keyString } from './key-string.js';
import { SortedList } from './sorted-list.js';

describe('SortedList', () => {
  it('behaves like a sorted array under inserts, removals and seeks', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 300 }).map((n) => ({ op: 'add' as const, n })),
            fc.integer({ min: 0, max: 300 }).map((n) => ({ op: 'del' as const, n })),
          ),
          { maxLength: 3000 },
        ),
        fc.integer({ min: -1, max: 301 }),
        (ops, probe) => {
          const list = new SortedList<number>((a, b) => a - b);
          const oracle: number[] = [];
          for (const { op, n } of ops) {
            if (op === 'add') {
              list.insert(n);
              oracle.push(n);
              oracle.sort((a, b) => a - b);
            } else {
              const at = oracle.indexOf(n);
              expect(list.remove(n)).toBe(at >= 0 ? n : undefined);
              if (at >= 0) oracle.splice(at, 1);
            }
          }
          expect([...list]).toEqual(oracle);
          expect(list.size).toBe(oracle.length);
          const fromProbe: number[] = [];
          list.forward(
            list.seek((x) => x >= probe),
            (x) => {
              fromProbe.push(x);
              return true;
            },
          );
          expect(fromProbe).toEqual(oracle.filter((x) => x >= probe));
          const beforeProbe: number[] = [];
          list.backward(
            list.seekBefore((x) => x >= probe),
            (x) => {
              beforeProbe.push(x);
              return true;
            },
          );
          expect(beforeProbe).toEqual(oracle.filter((x) => x < probe).reverse());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('walks exactly the items between two seeks, in both directions, across chunks', () => {
    fc.assert(
      fc.property(
        // Up to about 6 chunks of at most 512 items.
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 1500, size: 'max' }),
        fc.integer({ min: -1, max: 201 }),
        fc.integer({ min: -1, max: 201 }),
        fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 100 })),
        (items, a, b, take) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const list = new SortedList<number>((x, y) => x - y);
          for (const n of items) list.insert(n);
          const inside = [...items].sort((x, y) => x - y).filter((x) => x >= lo && x <= hi);
          const walk = (direction: 'forward' | 'backward'): number[] => {
            const seen: number[] = [];
            const visit = (x: number) => {
              seen.push(x);
              return seen.length < take;
            };
            if (direction === 'forward') {
              list.forward(
                list.seek((x) => x >= lo),
                visit,
                list.seek((x) => x > hi),
              );
            } else {
              list.backward(
                list.seekBefore((x) => x > hi),
                visit,
                list.seekBefore((x) => x >= lo),
              );
            }
            return seen;
          };
          // A visitor returning false still stops the walk early.
          expect(walk('forward')).toEqual(inside.slice(0, Math.max(take, 1)));
          expect(walk('backward')).toEqual(inside.reverse().slice(0, Math.max(take, 1)));
        },
      ),
      // No shrinking: it replays thousands of 1500-item lists and takes minutes.
      { numRuns: 100, endOnFailure: true },
    );
  });
});

describe('keyString', () => {
  const value = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.integer({ min: -5, max: 5 }).map((n) => Long.fromNumber(n)),
    fc.integer({ min: -5, max: 5 }).map((n) => new Double(n)),
    fc.integer({ min: -5, max: 5 }).map((n) => new Int32(n)),
    fc.integer({ min: -5, max: 5 }).map((n) => Decimal128.fromString(`${n}.0`)),
    fc.constantFrom(0.5, -0, Number.NaN, 2 ** 60),
    fc.constantFrom('1', 'a', ''),
    fc.constantFrom(null, true, false),
    fc.constantFrom(new Date(1), new Date(2)),
    fc.constantFrom(
      new ObjectId('64b7f0000000000000000001'),
      new ObjectId('64b7f0000000000000000002'),
    ),
    fc.constantFrom({ a: 1 }, { a: 1.0, b: null }, [1, 2], [Long.fromNumber(1), 2]),
  );

  it('is equal exactly when MongoDB considers the values equal', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(keyString(a) === keyString(b)).toBe(compareValues(a, b) === 0);
      }),
      { numRuns: 3000 },
    );
  });
});
