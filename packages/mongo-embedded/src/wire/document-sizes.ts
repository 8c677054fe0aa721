import type { Document } from 'bson';

/**
 * Byte sizes of documents that arrived in an OP_MSG document sequence, keyed by the
 * array the sequence became. Insert uses them to enforce the 16 MB limit without
 * re-measuring every document (a full traversal per insert otherwise).
 */
const sizesBySequence = new WeakMap<Document[], number[]>();

export function rememberSequenceSizes(docs: Document[], sizes: number[]): void {
  sizesBySequence.set(docs, sizes);
}

export function sequenceSizes(docs: unknown): number[] | undefined {
  return Array.isArray(docs) ? sizesBySequence.get(docs as Document[]) : undefined;
}
