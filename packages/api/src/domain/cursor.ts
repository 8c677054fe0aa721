import { z } from 'zod';
import { badRequest } from './errors.js';

/**
 * Keyset pagination: a cursor is the (sort value, id) of the last item of a page, bound to the
 * sort field and direction it was made for. Base64url JSON, validated field by field when read,
 * so a forged cursor yields BAD_REQUEST and can only ever carry a scalar and an ObjectId string.
 */
export type SortValue = string | number | Date | null;

export interface CursorPosition {
  sort: string;
  direction: 'asc' | 'desc';
  value: SortValue;
  id: string;
}

/** Same bound as the validators' cursor schema. */
export const MAX_CURSOR_LENGTH = 1024;

const payloadSchema = z.strictObject({
  f: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/),
  d: z.enum(['asc', 'desc']),
  v: z.union([
    z.strictObject({ t: z.literal('s'), v: z.string().max(600) }),
    z.strictObject({ t: z.literal('n'), v: z.number().refine(Number.isFinite) }),
    z.strictObject({ t: z.literal('d'), v: z.iso.datetime() }),
    z.strictObject({ t: z.literal('z') }),
  ]),
  i: z.string().regex(/^[0-9a-f]{24}$/),
});

function tag(value: SortValue): z.infer<typeof payloadSchema>['v'] {
  if (value === null) return { t: 'z' };
  if (value instanceof Date) return { t: 'd', v: value.toISOString() };
  if (typeof value === 'number') return { t: 'n', v: value };
  return { t: 's', v: value };
}

export function encodeCursor(position: CursorPosition): string {
  const payload = payloadSchema.parse({
    f: position.sort,
    d: position.direction,
    v: tag(position.value),
    i: position.id,
  });
  const cursor = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  if (cursor.length > MAX_CURSOR_LENGTH) throw new RangeError('Cursor too long');
  return cursor;
}

/** Reads a cursor made for `sort`/`direction`; anything else is BAD_REQUEST "Invalid cursor". */
export function decodeCursor(
  cursor: string,
  expected: { sort: string; direction: 'asc' | 'desc' },
): CursorPosition {
  let raw: unknown;
  try {
    if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error();
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('Invalid cursor');
  }
  const parsed = payloadSchema.safeParse(raw);
  if (!parsed.success) throw badRequest('Invalid cursor');
  const { f, d, v, i } = parsed.data;
  if (f !== expected.sort || d !== expected.direction) {
    throw badRequest('Cursor belongs to another sort order; start again without a cursor');
  }
  const value: SortValue = v.t === 'z' ? null : v.t === 'd' ? new Date(v.v) : v.v;
  return { sort: f, direction: d, value, id: i };
}
