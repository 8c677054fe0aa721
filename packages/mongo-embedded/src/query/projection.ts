import type { Document } from 'bson';
import { Query } from 'mingo/query';
import { mingoOptions } from './mingo-options.js';

const emptyQuery = new Query({}, mingoOptions());
const LOGICAL = new Set(['$and', '$or', '$nor']);

/**
 * Applies a find projection. mingo computes the fields; we then restore the
 * source document's field order (MongoDB keeps it, mingo appends `_id` last).
 * The filter is only needed for the positional `field.$` projection. `$elemMatch`
 * is evaluated here: mingo cannot match operator conditions against scalar elements.
 */
export function projectDocuments(
  docs: Document[],
  projection: Document | undefined,
  filter: Document,
): Document[] {
  const project = projector(projection, filter);
  return project === undefined || docs.length === 0 ? docs : docs.map(project);
}

/**
 * The projection of one document at a time, prepared once (its `$elemMatch` matchers compiled):
 * a cursor projects its documents one by one as it sizes its batches. Undefined for no
 * projection (none or `{}`).
 */
export function projector(
  projection: Document | undefined,
  filter: Document,
): ((doc: Document) => Document) | undefined {
  if (!projection || Object.keys(projection).length === 0) return undefined;
  const positional = Object.keys(projection).some((key) => key.endsWith('.$'));
  const { rest, elemMatches } = splitElemMatch(projection);
  const hasRest = Object.keys(rest).length > 0;
  // The storage already matched the filter; mingo re-tests it only for positional projection.
  const query = positional ? new Query(filter, mingoOptions()) : emptyQuery;
  return (doc) => {
    const [projected] = hasRest ? query.find<Document>([doc], rest).all() : [doc];
    const result = projected ? { ...projected } : {};
    for (const [field, matches] of elemMatches) {
      const value: unknown = doc[field];
      const first = Array.isArray(value) ? (value as unknown[]).find(matches) : undefined;
      if (first === undefined) delete result[field];
      else result[field] = [first];
    }
    return inSourceOrder(result, doc);
  };
}

/**
 * Takes the `$elemMatch` fields out of the projection. They count as inclusions, so
 * in an inclusion (or otherwise empty) projection they are kept as `field: 1`.
 */
function splitElemMatch(projection: Document): {
  rest: Document;
  elemMatches: Map<string, (element: unknown) => boolean>;
} {
  const elemMatches = new Map<string, (element: unknown) => boolean>();
  const rest: Document = {};
  let exclusion = false;
  for (const [field, spec] of Object.entries(projection)) {
    if (spec !== null && typeof spec === 'object' && '$elemMatch' in spec) {
      elemMatches.set(field, elementMatcher((spec as Document).$elemMatch as Document));
    } else {
      rest[field] = spec as unknown;
      if (field !== '_id' && (spec === 0 || spec === false)) exclusion = true;
    }
  }
  if (!exclusion) for (const field of elemMatches.keys()) rest[field] = 1;
  return { rest, elemMatches };
}

function elementMatcher(condition: Document): (element: unknown) => boolean {
  const keys = Object.keys(condition);
  const onValue = keys.length > 0 && keys.every((k) => k.startsWith('$') && !LOGICAL.has(k));
  if (onValue) {
    // `{ $gt: 5 }`: a condition on the element itself, scalar or not.
    const query = new Query({ v: condition }, mingoOptions());
    return (element) => query.test({ v: element });
  }
  const query = new Query(condition, mingoOptions());
  return (element) =>
    element !== null &&
    typeof element === 'object' &&
    !Array.isArray(element) &&
    query.test(element as Document);
}

function inSourceOrder(projected: Document, source: Document): Document {
  const ordered: Document = {};
  for (const key of Object.keys(source)) {
    if (key in projected) ordered[key] = projected[key] as unknown;
  }
  for (const key of Object.keys(projected)) {
    if (!(key in ordered)) ordered[key] = projected[key] as unknown;
  }
  return ordered;
}
