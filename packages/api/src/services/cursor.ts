import { ObjectId, type Document, type Filter } from 'mongodb';
import { z } from 'zod';
import { badRequest } from '../domain/errors.js';

/** A sort key value as it sits in a document: a date, a calendar date string, an amount, or null. */
export type SortValue = Date | string | number | null;

export type SortDirection = 'asc' | 'desc';

/** Where a page ends: the sort field and direction it was made for, and the last item's keys. */
export interface CursorPosition {
  sort: string;
  direction: SortDirection;
  value: SortValue;
  id: ObjectId;
}

const encodedValue = z.union([
  z.strictObject({ t: z.literal('date'), v: z.iso.datetime() }),
  z.strictObject({ t: z.literal('string'), v: z.string().max(400) }),
  z.strictObject({ t: z.literal('number'), v: z.number().int().min(0) }),
  z.strictObject({ t: z.literal('null') }),
]);

const encodedCursor = z.strictObject({
  s: z.string().max(32),
  d: z.enum(['asc', 'desc']),
  k: encodedValue,
  id: z.string().regex(/^[0-9a-f]{24}$/),
});

function encodeValue(value: SortValue): z.infer<typeof encodedValue> {
  if (value === null) return { t: 'null' };
  if (value instanceof Date) return { t: 'date', v: value.toISOString() };
  if (typeof value === 'number') return { t: 'number', v: value };
  return { t: 'string', v: value };
}

export function encodeCursor(position: CursorPosition): string {
  const json = JSON.stringify({
    s: position.sort,
    d: position.direction,
    k: encodeValue(position.value),
    id: position.id.toHexString(),
  });
  return Buffer.from(json, 'utf8').toString('base64url');
}

const INVALID_CURSOR = 'Invalid cursor: pass the nextCursor of a previous page unchanged';

/**
 * Decodes and validates a cursor; anything malformed, or made for another sort order, is a
 * BAD_REQUEST (never a 500, never a query built from unchecked input).
 */
export function decodeCursor(
  cursor: string,
  sort: string,
  direction: SortDirection,
): CursorPosition {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest(INVALID_CURSOR);
  }
  const parsed = encodedCursor.safeParse(raw);
  if (!parsed.success) throw badRequest(INVALID_CURSOR);
  const { s, d, k, id } = parsed.data;
  if (s !== sort || d !== direction) {
    throw badRequest('This cursor belongs to another sort order; start again without a cursor');
  }
  const value: SortValue = k.t === 'null' ? null : k.t === 'date' ? new Date(k.v) : k.v;
  return { sort: s, direction: d, value, id: new ObjectId(id) };
}

/**
 * The filter for "strictly after this position" in the order `{ [field]: dir, _id: dir }`.
 * MongoDB sorts null before every string, number and date, so nulls come first ascending and
 * last descending; a comparison such as `$gt: 'x'` never matches null (type bracketing).
 * For a field that is never null (`nullable: false`) the filter has no null branch, so both
 * branches bound the field and an index scan starts at the cursor instead of scanning from the
 * start of the order (MongoDB unions the branches' bounds; so does the embedded server).
 */
export function afterCursorFilter(
  field: string,
  position: CursorPosition,
  { nullable }: { nullable: boolean },
): Filter<Document> {
  const { value, id, direction } = position;
  const idAfter = direction === 'asc' ? { $gt: id } : { $lt: id };
  if (value === null) {
    return direction === 'asc'
      ? { $or: [{ [field]: null, _id: idAfter }, { [field]: { $ne: null } }] }
      : { [field]: null, _id: idAfter };
  }
  const valueAfter = direction === 'asc' ? { $gt: value } : { $lt: value };
  const branches: Filter<Document>[] = [{ [field]: valueAfter }, { [field]: value, _id: idAfter }];
  if (direction === 'desc' && nullable) branches.push({ [field]: null });
  return { $or: branches };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Builds a page from `limit + 1` fetched documents: the extra one only says whether a next page
 * exists; the cursor points at the last item returned.
 */
export function toPage<D extends { _id: ObjectId }, T>(
  docs: D[],
  limit: number,
  sort: string,
  direction: SortDirection,
  sortValue: (doc: D) => SortValue,
  map: (doc: D) => T,
): Page<T> {
  const hasMore = docs.length > limit;
  const kept = hasMore ? docs.slice(0, limit) : docs;
  const last = kept.at(-1);
  return {
    items: kept.map(map),
    nextCursor:
      hasMore && last
        ? encodeCursor({ sort, direction, value: sortValue(last), id: last._id })
        : null,
  };
}
