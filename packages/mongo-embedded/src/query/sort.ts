import type { Document } from 'bson';
import { makeSortComparator } from './compare.js';

/** Sorts documents in memory, in BSON order (when the storage could not return them sorted). */
export function sortDocuments(docs: Document[], sort: Document | undefined): Document[] {
  return sortBy(docs, sort, (doc) => doc);
}

/** The same order for entries that carry a document (`documentOf` gives it). */
export function sortBy<T>(
  entries: T[],
  sort: Document | undefined,
  documentOf: (entry: T) => Document,
): T[] {
  if (!sort || Object.keys(sort).length === 0 || entries.length < 2) return entries;
  const compare = makeSortComparator(sort);
  // Array.prototype.sort is stable, which keeps ties in natural order like MongoDB's scan.
  return [...entries].sort((a, b) => compare(documentOf(a), documentOf(b)));
}
