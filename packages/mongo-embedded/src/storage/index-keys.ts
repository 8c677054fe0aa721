/**
 * Index key generation as MongoDB does it: one key per array element on the (single)
 * array-valued path of a compound key, missing fields as null, and no keys at all for
 * documents a sparse or partial index leaves out.
 */
import type { Document } from 'bson';
import { isPlainDocument } from '../query/compare.js';
import { ErrorCode, MongoCommandError } from '../errors.js';
import { tupleKeyString } from './key-string.js';

export interface KeyField {
  path: string;
  parts: string[];
  direction: 1 | -1;
}

export function keyFields(keyPattern: Document): KeyField[] {
  return Object.entries(keyPattern).map(([path, dir]) => ({
    path,
    parts: path.split('.'),
    direction: Number(dir) < 0 ? -1 : 1,
  }));
}

interface PathValues {
  values: unknown[];
  /** The path went through (or ended on) an array. */
  array: boolean;
  /** Some value was present (sparse indexes skip documents where every field is absent). */
  present: boolean;
}

function collect(value: unknown, parts: string[], i: number, out: PathValues): void {
  if (i === parts.length) {
    if (value === undefined) {
      out.values.push(null);
      return;
    }
    out.present = true;
    if (Array.isArray(value)) {
      out.array = true;
      // MongoDB indexes an empty array as undefined; it sorts with null.
      if (value.length === 0) out.values.push(undefined);
      else out.values.push(...(value as unknown[]));
      return;
    }
    out.values.push(value);
    return;
  }
  const part = parts[i] as string;
  if (Array.isArray(value)) {
    out.array = true;
    const before = out.values.length;
    if (/^\d+$/.test(part)) {
      const element: unknown = value[Number(part)];
      if (element !== undefined) collect(element, parts, i + 1, out);
    }
    for (const element of value as unknown[]) {
      if (isPlainDocument(element)) collect(element[part], parts, i + 1, out);
    }
    if (out.values.length === before) out.values.push(null);
    return;
  }
  if (isPlainDocument(value)) {
    collect(value[part], parts, i + 1, out);
    return;
  }
  out.values.push(null);
}

export interface DocumentKeys {
  /** Distinct key tuples for this document. */
  keys: unknown[][];
  multikey: boolean;
}

/**
 * Keys of `doc` for an index on `fields`, or an empty list when a sparse index skips it.
 * Throws CannotIndexParallelArrays (171) for two array fields in one compound key.
 */
export function documentKeys(doc: Document, fields: KeyField[], sparse: boolean): DocumentKeys {
  const perField: PathValues[] = [];
  let arrayField: string | undefined;
  let anyPresent = false;
  for (const field of fields) {
    const found: PathValues = { values: [], array: false, present: false };
    collect(doc, field.parts, 0, found);
    if (found.array) {
      if (arrayField !== undefined) {
        throw new MongoCommandError(
          ErrorCode.CannotIndexParallelArrays,
          `cannot index parallel arrays [${field.path}] [${arrayField}]`,
        );
      }
      arrayField = field.path;
    }
    anyPresent ||= found.present;
    perField.push(found);
  }
  if (sparse && !anyPresent) return { keys: [], multikey: false };
  let tuples: unknown[][] = [[]];
  for (const found of perField) {
    const next: unknown[][] = [];
    for (const tuple of tuples) for (const v of found.values) next.push([...tuple, v]);
    tuples = next;
  }
  if (tuples.length > 1) {
    const seen = new Set<string>();
    tuples = tuples.filter((t) => {
      const k = tupleKeyString(t);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  return { keys: tuples, multikey: arrayField !== undefined };
}
