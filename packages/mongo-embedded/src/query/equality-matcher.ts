/**
 * A matcher for the most common residual filter, `{ field: value, ... }` with top-level field
 * names and string, boolean or ObjectId values (`{ orgId, status: 'active' }`), that compares
 * the decoded document itself instead of compiling a mingo Query for every read: the residual
 * differs per request (it carries the ids), so a compiled query is never reused.
 *
 * It answers with MongoDB's equality semantics under the simple collation
 * (https://www.mongodb.com/docs/manual/reference/operator/query/eq/), through the BSON
 * comparison the rest of the engine uses (compare.ts): a field in the same type bracket compares
 * by value (a BSON symbol as a string), a missing field, null or any other type never equals.
 * A document with an array in a filtered field, whose elements would also be compared, goes to
 * the general matcher, compiled on first need.
 */
import type { Document } from 'bson';
import { compareValues, TypeRank, typeRank } from './compare.js';

/** A document's answer: true, false, or undefined when only the general matcher knows. */
type Check = (doc: Document) => boolean | undefined;

/** At most this many fields; a longer filter goes to the general matcher. */
const MAX_FIELDS = 8;

/** The filter values taken: strings, booleans and ObjectIds. */
function isSimpleValue(value: unknown): boolean {
  return (
    typeof value === 'string' || typeof value === 'boolean' || typeRank(value) === TypeRank.ObjectId
  );
}

/**
 * A field other than an array equals `wanted` when compare.ts (BSON's order, as mingo's `$eq`
 * here) puts them level: another type bracket, a missing field or null never is. An array
 * matches when an element does: the general matcher's case.
 */
function checkFor(key: string, wanted: unknown): Check {
  return (doc) => {
    const field: unknown = Object.hasOwn(doc, key) ? doc[key] : undefined;
    if (Array.isArray(field)) return undefined;
    return compareValues(field, wanted) === 0;
  };
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
    if (!isSimpleValue(filter[key])) return undefined;
    checks.push(checkFor(key, filter[key]));
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
