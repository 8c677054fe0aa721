import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/errors.js';
import { afterCursorFilter, decodeCursor, encodeCursor } from './cursor.js';

describe('keyset cursors', () => {
  const id = new ObjectId('65f0c0ffee0000000000abcd');

  it('round-trips every kind of sort value', () => {
    for (const value of [new Date('2026-03-15T10:00:00.000Z'), '2026-03-15', 1234, null]) {
      const cursor = encodeCursor({ sort: 's', direction: 'asc', value, id });
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor, 's', 'asc')).toEqual({ sort: 's', direction: 'asc', value, id });
    }
  });

  it('refuses garbage, forged operators and cursors of another order with BAD_REQUEST', () => {
    const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
    const bad = [
      'not-json',
      forge([1, 2]),
      forge({ s: 's', d: 'asc', k: { t: 'string', v: { $ne: null } }, id: id.toHexString() }),
      forge({ s: 's', d: 'asc', k: { t: 'number', v: -1 }, id: id.toHexString() }),
      forge({ s: 's', d: 'asc', k: { t: 'null' }, id: 'zz' }),
      forge({ s: 's', d: 'asc', k: { t: 'string', v: 'x'.repeat(401) }, id: id.toHexString() }),
      forge({
        s: 's',
        d: 'asc',
        k: { t: 'date', v: '2026-13-45T99:99:99.000Z' },
        id: id.toHexString(),
      }),
      encodeCursor({ sort: 'other', direction: 'asc', value: 1, id }),
      encodeCursor({ sort: 's', direction: 'desc', value: 1, id }),
    ];
    for (const cursor of bad) {
      expect(() => decodeCursor(cursor, 's', 'asc')).toThrow(DomainError);
      try {
        decodeCursor(cursor, 's', 'asc');
      } catch (error) {
        expect((error as DomainError).code).toBe('BAD_REQUEST');
      }
    }
  });

  it('builds null-aware "after" filters', () => {
    expect(
      afterCursorFilter('f', { sort: 'f', direction: 'desc', value: null, id }, { nullable: true }),
    ).toEqual({
      f: null,
      _id: { $lt: id },
    });
    expect(
      afterCursorFilter('f', { sort: 'f', direction: 'desc', value: 'x', id }, { nullable: true }),
    ).toEqual({
      $or: [{ f: { $lt: 'x' } }, { f: 'x', _id: { $lt: id } }, { f: null }],
    });
    // A never-null field: no null branch, so every branch bounds the field (index bounds).
    expect(
      afterCursorFilter('f', { sort: 'f', direction: 'desc', value: 'x', id }, { nullable: false }),
    ).toEqual({ $or: [{ f: { $lt: 'x' } }, { f: 'x', _id: { $lt: id } }] });
  });
});
