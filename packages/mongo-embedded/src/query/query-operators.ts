/**
 * MongoDB-faithful replacements for mingo's comparison and `$type` query operators.
 *
 * mingo compares with JavaScript semantics: a Decimal128 or Long never equals the number 5,
 * embedded documents compare regardless of field order, and `$type: 'long'` is any integer.
 * MongoDB compares BSON values: numbers by value across int/long/double/decimal, documents
 * field by field in order, and ranges only within one type bracket. These operators resolve
 * the field path exactly as mingo does (arrays unwrapped) and decide with `compare.ts`, the
 * same order the indexes and sorts use, so a filter answers the same through any plan.
 */
import type { Document } from 'bson';
import { Context } from 'mingo';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import { ensureArray, flatten, resolve } from 'mingo/util';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { compareValues, typeRank, TypeRank } from './compare.js';

type Predicate = (lhs: unknown, rhs: unknown, depth: number) => boolean;

function isNil(value: unknown): boolean {
  return value === null || value === undefined;
}

function isNaNValue(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  const tag = (value as { _bsontype?: string } | null)?._bsontype;
  return tag === 'Decimal128' && /^-?NaN$/.test(String(value));
}

function same(a: unknown, b: unknown): boolean {
  return typeRank(a) === typeRank(b) && compareValues(a, b) === 0;
}

function eq(a: unknown, b: unknown, depth: number): boolean {
  if (isNil(b)) {
    if (isNil(a)) return true;
    return Array.isArray(a) && a.some((v) => v === null);
  }
  if (same(a, b)) return true;
  if (Array.isArray(a))
    return a.some((v) => same(v, b)) || flatten(a, depth).some((v) => same(v, b));
  return false;
}

/**
 * Ranges compare only within the query value's type bracket (numbers with numbers, ...). An
 * inclusive bound of null ($gte/$lte: null) is equality to null: null and missing compare equal
 * in BSON order, so it matches both, as `{ field: null }` does; $gt/$lt: null match nothing.
 */
function range(test: (order: number) => boolean, inclusive = false): Predicate {
  return (a, b, depth) => {
    if (inclusive && b === null) return eq(a, null, depth);
    const bracket = typeRank(b);
    const elements: unknown[] = Array.isArray(a) ? (a as unknown[]) : [];
    // An array field: its elements compare; against an array value, the whole array too.
    const candidates: unknown[] = !Array.isArray(a)
      ? [a]
      : Array.isArray(b)
        ? [a, ...elements]
        : elements;
    return candidates.some((v) => {
      if (v === undefined || typeRank(v) !== bracket) return false;
      if (bracket === TypeRank.Number && isNaNValue(v) !== isNaNValue(b)) return false;
      return test(compareValues(v, b));
    });
  };
}

function requireArray(name: string): (value: unknown) => void {
  return (value) => {
    if (!Array.isArray(value))
      throw new MongoCommandError(ErrorCode.BadValue, `${name} needs an array`);
  };
}

function regexMatches(a: unknown, re: RegExp): boolean {
  return ensureArray(a).some((v) => typeof v === 'string' && re.test(v));
}

function inList(a: unknown, list: unknown, depth: number): boolean {
  if (!Array.isArray(list)) return false;
  return list.some((item) => (item instanceof RegExp ? regexMatches(a, item) : eq(a, item, depth)));
}

// ----- $type -----

const INT32_MAX = 2 ** 31 - 1;

/** BSON type alias of a deserialized value. Plain numbers that fit int32 read as 'int'. */
function bsonTypeOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && Math.abs(value) <= INT32_MAX && !Object.is(value, -0)
        ? 'int'
        : 'double';
    case 'bigint':
      return 'long';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      break;
  }
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  if (value instanceof Uint8Array) return 'binData';
  switch ((value as { _bsontype?: string })._bsontype) {
    case 'Long':
      return 'long';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Decimal128':
      return 'decimal';
    case 'ObjectId':
      return 'objectId';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'BSONRegExp':
      return 'regex';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'Code':
      return 'javascript';
    case 'BSONSymbol':
      return 'symbol';
    default:
      return 'object';
  }
}

const TYPE_CODES: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  6: 'undefined',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  14: 'symbol',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

const NUMERIC = new Set(['int', 'long', 'double', 'decimal']);

function typeMatches(actual: string | undefined, wanted: unknown): boolean {
  if (actual === undefined) return false;
  const name = typeof wanted === 'number' ? TYPE_CODES[wanted] : wanted;
  if (name === 'number') return NUMERIC.has(actual);
  return actual === name;
}

function hasType(a: unknown, wanted: unknown): boolean {
  const wants = Array.isArray(wanted) ? wanted : [wanted];
  const check = (v: unknown) => wants.some((w) => typeMatches(bsonTypeOf(v), w));
  // An array field matches 'array' itself, or any type one of its elements has.
  return check(a) || (Array.isArray(a) && a.some(check));
}

/** Type aliases whose answer depends on the exact numeric BSON type (int vs long vs double). */
const EXACT_NUMERIC_TYPES = new Set<unknown>(['int', 'long', 'double', 'decimal', 1, 16, 18, 19]);

/** True when a filter asks `$type` about exact numeric types, anywhere in it. */
export function needsExactNumericTypes(filter: unknown): boolean {
  if (Array.isArray(filter)) return filter.some(needsExactNumericTypes);
  if (filter === null || typeof filter !== 'object' || (filter as { _bsontype?: string })._bsontype)
    return false;
  for (const [key, value] of Object.entries(filter as Document)) {
    if (
      key === '$type' &&
      (Array.isArray(value) ? value : [value]).some((t) => EXACT_NUMERIC_TYPES.has(t))
    )
      return true;
    if (needsExactNumericTypes(value)) return true;
  }
  return false;
}

// ----- wiring into mingo -----

type QueryOps = Parameters<Context['addQueryOps']>[0];

type QueryOperator = (
  selector: string,
  value: unknown,
  options: unknown,
) => (doc: Document) => boolean;

function operator(predicate: Predicate, validate?: (value: unknown) => void): QueryOperator {
  return (selector, value) => {
    validate?.(value);
    const depth = selector.split('.').length - 1;
    return (doc: Document) =>
      predicate(resolve(doc, selector, { unwrapArray: true }), value, depth);
  };
}

const MONGO_QUERY_OPS: Record<`$${string}`, QueryOperator> = {
  $eq: operator((a, b, depth) => eq(a, b, depth)),
  $ne: operator((a, b, depth) => !eq(a, b, depth)),
  $gt: operator(range((o) => o > 0)),
  $gte: operator(range((o) => o >= 0, true)),
  $lt: operator(range((o) => o < 0)),
  $lte: operator(range((o) => o <= 0, true)),
  $in: operator((a, b, depth) => inList(a, b, depth), requireArray('$in')),
  $nin: operator((a, b, depth) => !inList(a, b, depth), requireArray('$nin')),
  $type: operator((a, b) => hasType(a, b)),
};

/**
 * Every mingo operator, with ours in place of mingo's comparison and $type operators. Passed
 * to mingo's base classes (mingo/query, mingo/aggregator, mingo/updater): the package's default
 * entry merges its built-in context first, and the first context wins on a name clash.
 */
export const MONGO_CONTEXT = Context.from(
  // mingo's operator typings are one intersection of every operator's signature; ours share one.
  Context.init({ query: MONGO_QUERY_OPS as unknown as QueryOps }),
  Context.init({
    accumulator: accumulatorOperators,
    expression: expressionOperators,
    pipeline: pipelineOperators,
    projection: projectionOperators,
    query: queryOperators,
    window: windowOperators,
  }),
);

/**
 * The query operators of MONGO_CONTEXT alone (ours first), for filters that evaluate no
 * aggregation expression (`filterQuery`).
 */
export const MONGO_QUERY_CONTEXT = Context.from(
  Context.init({ query: MONGO_QUERY_OPS as unknown as QueryOps }),
  Context.init({ query: queryOperators }),
);
