import { Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { Query } from 'mingo/query';
import { describe, expect, it } from 'vitest';
import { mingoOptions } from './mingo-options.js';
import { needsExactNumericTypes } from './query-operators.js';

const matches = (filter: Record<string, unknown>, doc: Record<string, unknown>) =>
  new Query(filter, mingoOptions()).test(doc);

describe('MongoDB comparison semantics in mingo filters', () => {
  it('compares numbers by value across int, long, double and decimal', () => {
    expect(matches({ n: 5 }, { n: Decimal128.fromString('5.00') })).toBe(true);
    expect(matches({ n: Long.fromNumber(5) }, { n: 5 })).toBe(true);
    expect(matches({ n: { $gt: new Int32(4) } }, { n: Long.fromNumber(5) })).toBe(true);
    expect(matches({ n: { $lt: Decimal128.fromString('5') } }, { n: 4.99 })).toBe(true);
    expect(matches({ n: { $in: [new Double(6)] } }, { n: Long.fromNumber(6) })).toBe(true);
  });

  it('keeps ranges inside the query value type bracket', () => {
    expect(matches({ v: { $gt: 1 } }, { v: 'abc' })).toBe(false);
    expect(matches({ v: { $lt: 'zzz' } }, { v: 10 })).toBe(false);
    expect(matches({ v: { $gte: new Date(0) } }, { v: 5 })).toBe(false);
    expect(matches({ v: { $gte: 0 } }, { v: Number.NaN })).toBe(false);
  });

  it('compares embedded documents field by field, in order', () => {
    expect(matches({ a: { x: 1, y: 2 } }, { a: { x: 1, y: 2 } })).toBe(true);
    expect(matches({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } })).toBe(false);
    expect(matches({ a: { x: 1 } }, { a: [{ x: 1 }, { x: 2 }] })).toBe(true);
  });

  it('matches null against null and missing, and arrays holding null', () => {
    expect(matches({ a: null }, {})).toBe(true);
    expect(matches({ a: null }, { a: null })).toBe(true);
    expect(matches({ a: null }, { a: [1, null] })).toBe(true);
    expect(matches({ a: { $ne: null } }, { a: 0 })).toBe(true);
  });

  it('matches $in with regular expressions and $nin as its negation', () => {
    expect(matches({ s: { $in: [/^ab/, 3] } }, { s: 'abc' })).toBe(true);
    expect(matches({ s: { $nin: [/^ab/, 3] } }, { s: 'xyz' })).toBe(true);
    expect(() => matches({ s: { $in: 5 } }, { s: 5 })).toThrow(/\$in needs an array/);
  });

  it('answers $type with BSON type names and codes, arrays by element', () => {
    expect(matches({ n: { $type: 'long' } }, { n: Long.fromNumber(5) })).toBe(true);
    expect(matches({ n: { $type: 'int' } }, { n: new Int32(5) })).toBe(true);
    expect(matches({ n: { $type: 18 } }, { n: new Int32(5) })).toBe(false);
    expect(matches({ n: { $type: 'number' } }, { n: Decimal128.fromString('1') })).toBe(true);
    expect(matches({ a: { $type: 'string' } }, { a: [1, 'x'] })).toBe(true);
    expect(matches({ a: { $type: 'array' } }, { a: [1] })).toBe(true);
    expect(matches({ o: { $type: 'objectId' } }, { o: new ObjectId() })).toBe(true);
    expect(matches({ m: { $type: 'null' } }, {})).toBe(false);
  });

  it('knows which filters need exact numeric types', () => {
    expect(needsExactNumericTypes({ a: { $type: 'long' } })).toBe(true);
    expect(needsExactNumericTypes({ $or: [{ b: 1 }, { a: { $type: [2, 18] } }] })).toBe(true);
    expect(needsExactNumericTypes({ a: { $type: 'number' } })).toBe(false);
    expect(needsExactNumericTypes({ a: 1 })).toBe(false);
  });
});
