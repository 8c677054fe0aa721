import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { invoiceByIdInput, invoiceCreateInput, invoiceListInput } from './index.js';
import { INPUT_SHAPE_LIMITS, findShapeViolation, guardInput } from './input-guard.js';

const ORG = '65a1b2c3d4e5f60718293a4b';
const ID = '0123456789abcdef01234567';

describe('input shape guard', () => {
  it('refuses 50 000 unknown keys with one short issue', () => {
    const extra = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`$k${i}`, 'v']));
    const result = guardInput(invoiceByIdInput).safeParse({ orgId: ORG, invoiceId: ID, ...extra });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'An object in the input has 50002 keys; at most 40 are allowed',
    ]);
  });

  it('refuses deep nesting', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 1000; i++) deep = { description: deep };
    const result = guardInput(invoiceCreateInput).safeParse({
      orgId: ORG,
      customerId: ID,
      lines: [deep],
    });
    expect(result.error?.issues[0]?.message).toBe(
      'Input is nested too deeply (more than 8 levels)',
    );
  });

  it('refuses too many values in total, and cycles', () => {
    const many = Array.from({ length: 20_000 }, () => 1);
    expect(findShapeViolation({ a: many })).toBe('Input is too large (more than 10000 values)');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findShapeViolation(cyclic)).toMatch(/nested too deeply|too large/);
  });

  it('leaves the largest valid inputs alone', () => {
    const line = {
      description: 'x',
      quantity: 1.5,
      unitPrice: 1,
      discount: { type: 'percent', value: 1 },
      taxRates: [1, 2, 3, 4],
    };
    const metadata = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v']));
    const input = {
      orgId: ORG,
      customerId: ID,
      lines: Array.from({ length: 200 }, () => line),
      metadata,
    };
    expect(findShapeViolation(input, INPUT_SHAPE_LIMITS)).toBeNull();
    expect(guardInput(invoiceCreateInput).safeParse(input).success).toBe(true);
  });

  it('keeps the input and output types of the wrapped schema', () => {
    const guardedCreate = guardInput(invoiceCreateInput);
    const guardedList = guardInput(invoiceListInput);
    expectTypeOf<z.input<typeof guardedCreate>>().toEqualTypeOf<
      z.input<typeof invoiceCreateInput>
    >();
    expectTypeOf<z.output<typeof guardedList>>().toEqualTypeOf<z.output<typeof invoiceListInput>>();
    expect(guardedList.parse({ orgId: ORG })).toEqual(invoiceListInput.parse({ orgId: ORG }));
    expect(guardedCreate.safeParse({ orgId: ORG }).success).toBe(false);
  });
});
