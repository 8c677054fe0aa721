import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/errors.js';
import { afterKey, decodeCursor, encodeCursor, toPage } from './cursor.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('keyset cursors', () => {
  it('round-trips dates, strings and ObjectIds', () => {
    const id = new ObjectId();
    const at = new Date('2026-03-01T10:00:00.123Z');
    const cursor = encodeCursor([at, 'acme', id]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const [date, name, oid] = decodeCursor(cursor, ['date', 'string', 'objectId'] as const);
    expect(date).toEqual(at);
    expect(name).toBe('acme');
    expect(oid.equals(id)).toBe(true);
  });

  it.each([
    ['not JSON', Buffer.from('{{', 'utf8').toString('base64url')],
    ['an object', b64({ $gt: '' })],
    ['the wrong length', b64(['2026-03-01T10:00:00.000Z'])],
    ['an operator where a value goes', b64([{ $ne: null }, '0123456789abcdef01234567'])],
    ['a date in another format', b64(['2026-03-01', '0123456789abcdef01234567'])],
    ['an impossible date', b64(['2026-13-45T99:99:99.000Z', '0123456789abcdef01234567'])],
    ['a malformed id', b64(['2026-03-01T10:00:00.000Z', 'zz'])],
    ['an oversized value', b64(['2026-03-01T10:00:00.000Z'.padEnd(500, 'x'), 'x'])],
  ])('refuses %s with a BAD_REQUEST domain error', (_label, cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor, ['date', 'objectId'] as const);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('BAD_REQUEST');
  });

  it('builds the "after" condition in the sort direction, ties broken by _id', () => {
    const id = new ObjectId('0123456789abcdef01234567');
    expect(afterKey('nameLower', 'asc', 'm', id)).toEqual({
      $or: [{ nameLower: { $gt: 'm' } }, { nameLower: 'm', _id: { $gt: id } }],
    });
    expect(afterKey('at', 'desc', new Date(0), id)).toEqual({
      $or: [{ at: { $lt: new Date(0) } }, { at: new Date(0), _id: { $lt: id } }],
    });
  });

  it('cuts a limit + 1 fetch into a page and the cursor of its last item', () => {
    const docs = [1, 2, 3].map((n) => ({ n, id: new ObjectId() }));
    const full = toPage(
      docs,
      2,
      (d) => d.n,
      (d) => [String(d.n), d.id],
    );
    expect(full.items).toEqual([1, 2]);
    expect(full.nextCursor).not.toBeNull();
    const [value] = decodeCursor(full.nextCursor ?? '', ['string', 'objectId'] as const);
    expect(value).toBe('2');
    expect(
      toPage(
        docs,
        3,
        (d) => d.n,
        (d) => [d.id],
      ),
    ).toEqual({ items: [1, 2, 3], nextCursor: null });
  });
});
