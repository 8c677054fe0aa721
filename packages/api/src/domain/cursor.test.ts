import { cursorSchema } from '@invoice/validators';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, type CursorPosition } from './cursor.js';
import { DomainError } from './errors.js';

const ID = '0123456789abcdef01234567';
const desc = { sort: 'createdAt', direction: 'desc' } as const;

describe('cursors', () => {
  it.each<CursorPosition['value']>([
    new Date('2026-02-01T09:00:00.123Z'),
    'Cash $ Co',
    'Ångström 🚀',
    1426,
    null,
  ])('round-trips the sort value %j', (value) => {
    const cursor = encodeCursor({ ...desc, value, id: ID });
    expect(cursorSchema.safeParse(cursor).success).toBe(true);
    expect(decodeCursor(cursor, desc)).toEqual({ ...desc, value, id: ID });
  });

  it('fits the validators bound even for the longest multi-byte names', () => {
    const cursor = encodeCursor({
      sort: 'name',
      direction: 'asc',
      value: '漢'.repeat(200),
      id: ID,
    });
    expect(cursorSchema.safeParse(cursor).success).toBe(true);
  });

  it('refuses a cursor made for another sort order', () => {
    const cursor = encodeCursor({ ...desc, value: 1, id: ID });
    expect(() => decodeCursor(cursor, { sort: 'createdAt', direction: 'asc' })).toThrow(
      /another sort order/,
    );
    expect(() => decodeCursor(cursor, { sort: 'total', direction: 'desc' })).toThrow(
      /another sort order/,
    );
  });

  const forge = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

  it.each([
    ['not base64 at all', '$$$'],
    ['base64 of garbage', Buffer.from('{oops').toString('base64url')],
    ['an operator as id', forge({ f: 'createdAt', d: 'desc', v: { t: 'z' }, i: { $ne: '' } })],
    [
      'an operator as value',
      forge({ f: 'createdAt', d: 'desc', v: { t: 's', v: { $gt: '' } }, i: ID }),
    ],
    ['an extra key', forge({ f: 'createdAt', d: 'desc', v: { t: 'z' }, i: ID, $where: '1' })],
    ['a $ field', forge({ f: '$where', d: 'desc', v: { t: 'z' }, i: ID })],
    [
      'a __proto__ key',
      Buffer.from(
        `{"__proto__":{"x":1},"f":"createdAt","d":"desc","v":{"t":"z"},"i":"${ID}"}`,
      ).toString('base64url'),
    ],
    ['a truncated cursor', forge({ f: 'createdAt', d: 'desc', v: { t: 'z' }, i: ID }).slice(0, -4)],
    ['too long', 'a'.repeat(2000)],
  ])('refuses %s with BAD_REQUEST', (_name, cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor, desc);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('BAD_REQUEST');
  });

  it('never throws anything but a DomainError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (cursor) => {
        try {
          decodeCursor(cursor, desc);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
        }
      }),
    );
  });
});
