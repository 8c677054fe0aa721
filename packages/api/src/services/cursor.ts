import { ObjectId, type Filter } from 'mongodb';
import { badRequest } from '../domain/errors.js';

/** The kinds of sort keys a cursor can carry; each is re-validated on decode. */
export type CursorKind = 'string' | 'date' | 'objectId';

type ValueOf<K extends CursorKind> = K extends 'string'
  ? string
  : K extends 'date'
    ? Date
    : ObjectId;

export type CursorValues<K extends readonly CursorKind[]> = { [I in keyof K]: ValueOf<K[I]> };

const MAX_CURSOR_STRING = 400;

function encodeValue(value: string | Date | ObjectId): string {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof ObjectId) return value.toHexString();
  return value;
}

/** base64url of the last item's sort keys, so a page never depends on offsets. */
export function encodeCursor(values: readonly (string | Date | ObjectId)[]): string {
  return Buffer.from(JSON.stringify(values.map(encodeValue)), 'utf8').toString('base64url');
}

function invalidCursor(): Error {
  return badRequest('Invalid cursor: pass nextCursor from a previous page unchanged');
}

/**
 * Decodes a cursor made by `encodeCursor` with the same kinds. Anything else (edited, from
 * another list, truncated) is a BAD_REQUEST, never a 500 and never a query operator.
 */
export function decodeCursor<const K extends readonly CursorKind[]>(
  cursor: string,
  kinds: K,
): CursorValues<K> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== kinds.length) throw invalidCursor();
  return kinds.map((kind, index) => {
    const raw: unknown = parsed[index];
    if (typeof raw !== 'string' || raw.length > MAX_CURSOR_STRING) throw invalidCursor();
    if (kind === 'objectId') {
      if (!/^[0-9a-f]{24}$/.test(raw)) throw invalidCursor();
      return new ObjectId(raw);
    }
    if (kind === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(raw)) throw invalidCursor();
      const date = new Date(raw);
      if (Number.isNaN(date.getTime())) throw invalidCursor();
      return date;
    }
    return raw;
  }) as CursorValues<K>;
}

/**
 * Keyset condition "after (value, id)" for a sort on `field` then `_id`, both in `direction`.
 * Values are typed (string, Date, ObjectId) before they reach the filter.
 */
export function afterKey<T>(
  field: string,
  direction: 'asc' | 'desc',
  value: string | Date,
  id: ObjectId,
): Filter<T> {
  const op = direction === 'asc' ? '$gt' : '$lt';
  return {
    $or: [{ [field]: { [op]: value } }, { [field]: value, _id: { [op]: id } }],
  } as Filter<T>;
}

/** Splits a `limit + 1` fetch into the page and the cursor of its last item. */
export function toPage<D, I>(
  docs: D[],
  limit: number,
  toItem: (doc: D) => I,
  cursorOf: (doc: D) => readonly (string | Date | ObjectId)[],
): { items: I[]; nextCursor: string | null } {
  const pageDocs = docs.slice(0, limit);
  const last = pageDocs[pageDocs.length - 1];
  return {
    items: pageDocs.map(toItem),
    nextCursor: docs.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}
