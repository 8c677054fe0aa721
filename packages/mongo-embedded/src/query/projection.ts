import type { Document } from 'bson';
import { Query } from 'mingo';
import { mingoOptions } from './mingo-options.js';

const emptyQuery = new Query({}, mingoOptions());

/**
 * Applies a find projection. mingo computes the fields; we then restore the
 * source document's field order (MongoDB keeps it, mingo appends `_id` last).
 * The filter is only needed for the positional `field.$` projection.
 */
export function projectDocuments(
  docs: Document[],
  projection: Document | undefined,
  filter: Document,
): Document[] {
  if (!projection || Object.keys(projection).length === 0 || docs.length === 0) return docs;
  const positional = Object.keys(projection).some((key) => key.endsWith('.$'));
  const out: Document[] = [];
  for (const doc of docs) {
    // The storage already matched the filter; mingo re-tests it only for positional projection.
    const query = positional ? new Query(filter, mingoOptions()) : emptyQuery;
    const [projected] = query.find<Document>([doc], projection).all();
    out.push(projected ? inSourceOrder(projected, doc) : {});
  }
  return out;
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
