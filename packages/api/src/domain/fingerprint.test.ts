import { describe, expect, it } from 'vitest';
import { canonicalJson, inputFingerprint } from './fingerprint.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('tags dates so they differ from their ISO string', () => {
    const date = new Date('2026-01-01T00:00:00Z');
    expect(canonicalJson(date)).not.toBe(canonicalJson(date.toISOString()));
  });

  it.each([[Number.NaN], [Infinity], [new Map()], [1n], [() => 1], [new Date('x')]])(
    'refuses %s',
    (value) => {
      expect(() => canonicalJson(value)).toThrow(TypeError);
    },
  );
});

describe('inputFingerprint', () => {
  const input = { orgId: 'o', lines: [{ quantity: 1, unitPrice: 5 }], notes: 'x' };

  it('ignores key order and the idempotency key itself', () => {
    expect(inputFingerprint('invoice.create', { ...input, idempotencyKey: 'k1' })).toBe(
      inputFingerprint('invoice.create', {
        notes: 'x',
        lines: [{ unitPrice: 5, quantity: 1 }],
        orgId: 'o',
      }),
    );
  });

  it('changes with any input value and with the procedure', () => {
    const base = inputFingerprint('invoice.create', input);
    expect(inputFingerprint('invoice.create', { ...input, notes: 'y' })).not.toBe(base);
    expect(
      inputFingerprint('invoice.create', { ...input, lines: [{ quantity: 2, unitPrice: 5 }] }),
    ).not.toBe(base);
    expect(inputFingerprint('customer.create', input)).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});
