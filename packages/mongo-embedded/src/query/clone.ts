import type { Document } from 'bson';
import { RawDocument } from '../wire/raw-document.js';

/**
 * Copies plain objects, arrays and Dates so an update can work on its own copy.
 * BSON value classes (ObjectId, Long, Decimal128, Binary, ...) are immutable in
 * practice and are shared rather than copied.
 */
export function cloneDocument<T extends Document>(doc: T): T {
  return cloneValue(doc) as T;
}

function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof Date) return new Date(value.getTime());
  if ('_bsontype' in value || value instanceof Uint8Array || value instanceof RegExp) return value;
  // A stored document sent as its bytes (wire/raw-document.ts) is never written to.
  if (value instanceof RawDocument) return value;
  const out: Document = {};
  for (const key of Object.keys(value)) out[key] = cloneValue((value as Document)[key]);
  return out;
}
