import type { Document } from 'bson';
import { makeSortComparator } from './compare.js';

/** Sorts documents in memory, in BSON order (when the storage could not return them sorted). */
export function sortDocuments(docs: Document[], sort: Document | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0 || docs.length < 2) return docs;
  // Array.prototype.sort is stable, which keeps ties in natural order like MongoDB's scan.
  return [...docs].sort(makeSortComparator(sort));
}
