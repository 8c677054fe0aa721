/**
 * A matcher for the most common residual filter, `{ field: value, ... }` with top-level field
 * names and string, boolean or ObjectId values (`{ orgId, status: 'active' }`), that compares
 * the decoded document itself instead of compiling a mingo Query for every read: the residual
 * differs per request (it carries the ids), so a compiled query is never reused.
 *
 * It answers only what it is sure of, with MongoDB's equality semantics under the simple
 * collation (https://www.mongodb.com/docs/manual/reference/operator/query/eq/): a field holding
 * a value of the same type compares by value; a missing field, null, or a value of another
 * scalar type (number, boolean, string, ObjectId, Date) never equals these values. Anything
 * else it meets in a document (an array, whose elements would also be compared; an embedded
 * document; a BSON symbol, which MongoDB compares as a string) hands that document to the
 * general matcher, compiled on first need.
 */
import type { Document } from 'bson';
import { compareValues } from './compare.js';

/** A document's answer: true, false, or undefined when only the general matcher knows. */
type Check = (doc: Document) => boolean | undefined;

/** At most this many fields; a longer filter goes to the general matcher. */
const MAX_FIELDS = 8;

function isObjectId(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { _bsontype?: unknown })._bsontype === 'ObjectId'
  );
}

/** Scalars that never equal a value of another type: a sure false. */
function isOtherScalar(field: unknown): boolean {
  switch (typeof field) {
    case 'undefined':
    case 'string':
    case 'boolean':
    case 'number':
    case 'bigint':
      return true;
    case 'object':
      return field === null || field instanceof Date || isObjectId(field);
    default:
      return false;
  }
}

function checkFor(key: string, wanted: unknown): Check | undefined {
  const read = (doc: Document): unknown => (Object.hasOwn(doc, key) ? doc[key] : undefined);
  if (typeof wanted === 'string' || typeof wanted === 'boolean') {
    const type = typeof wanted;
    return (doc) => {
      const field = read(doc);
      if (typeof field === type) return field === wanted;
      return isOtherScalar(field) ? false : undefined;
    };
  }
  if (isObjectId(wanted)) {
    return (doc) => {
      const field = read(doc);
      // compare.ts, as mingo's $eq: not `wanted.equals`, which is the filter value's own code
      // (an ObjectId of another bson build may not read this build's ObjectIds).
      if (isObjectId(field)) return compareValues(field, wanted) === 0;
      return isOtherScalar(field) ? false : undefined;
    };
  }
  return undefined;
}

/**
 * The matcher for `filter`, or undefined when the filter is not of the simple form (operators,
 * dotted paths, other value types, more than MAX_FIELDS fields). `general` compiles the full
 * matcher; it runs at most once, when a document needs it.
 */
export function equalityMatcher(
  filter: Document,
  general: () => (doc: Document, bytes?: Uint8Array) => boolean,
): ((doc: Document, bytes?: Uint8Array) => boolean) | undefined {
  const keys = Object.keys(filter);
  if (keys.length === 0 || keys.length > MAX_FIELDS) return undefined;
  const checks: Check[] = [];
  for (const key of keys) {
    if (key.length === 0 || key.startsWith('$') || key.includes('.') || key === '__proto__') {
      return undefined;
    }
    const check = checkFor(key, filter[key]);
    if (check === undefined) return undefined;
    checks.push(check);
  }
  let slow: ((doc: Document, bytes?: Uint8Array) => boolean) | undefined;
  return (doc, bytes) => {
    let unsure = false;
    for (const check of checks) {
      const answer = check(doc);
      if (answer === false) return false;
      if (answer === undefined) unsure = true;
    }
    if (!unsure) return true;
    slow ??= general();
    return slow(doc, bytes);
  };
}
