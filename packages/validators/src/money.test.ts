import { describe, expect, it } from 'vitest';
import {
  MAX_AMOUNT,
  amountSchema,
  basisPointsSchema,
  discountSchema,
  positiveAmountSchema,
  quantitySchema,
  quantityToThousandths,
  taxRatesSchema,
} from './money.js';

describe('amounts', () => {
  it.each([[0], [1], [1999], [MAX_AMOUNT]])('accepts %s', (amount) => {
    expect(amountSchema.parse(amount)).toBe(amount);
  });

  it.each([
    [-1, 'Must not be negative'],
    [MAX_AMOUNT + 1, 'Must be at most'],
    [12.5, 'Must be an integer amount'],
    [Number.NaN, 'Must be an integer amount'],
    [Infinity, 'Must be an integer amount'],
    [2 ** 53, 'Must be an integer amount'],
    ['100', 'Must be an integer amount'],
    [{ $gt: 0 }, 'Must be an integer amount'],
  ])('rejects %s with "%s"', (amount, message) => {
    const result = amountSchema.safeParse(amount);
    expect(result.error?.issues[0]?.message).toContain(message);
  });

  it('positive amounts refuse 0', () => {
    expect(positiveAmountSchema.safeParse(0).error?.issues[0]?.message).toBe(
      'Must be at least 1 minor unit',
    );
  });
});

describe('quantities', () => {
  it.each([[1], [0.001], [1.5], [2.125], [1.005], [0.615], [999_999.999], [1_000_000]])(
    'accepts %s',
    (q) => {
      expect(quantitySchema.parse(q)).toBe(q);
    },
  );

  it.each([
    [0, 'greater than 0'],
    [-1, 'greater than 0'],
    [0.0001, '3 decimal places'],
    [1.0005, '3 decimal places'],
    [1 / 3, '3 decimal places'],
    [1_000_000.001, 'at most'],
    [Number.NaN, 'Must be a number'],
    ['1.5', 'Must be a number'],
  ])('rejects %s', (q, message) => {
    expect(quantitySchema.safeParse(q).error?.issues[0]?.message).toContain(message);
  });

  it.each([
    [1, 1000],
    [1.005, 1005],
    [0.615, 615],
    [2.675, 2675],
    [999_999.999, 999_999_999],
  ])('%s is exactly %s thousandths', (q, thousandths) => {
    expect(quantityToThousandths(q)).toBe(thousandths);
  });

  it('refuses to scale a quantity with more decimals', () => {
    expect(() => quantityToThousandths(1.0005)).toThrow(RangeError);
  });
});

describe('basis points, tax rates and discounts', () => {
  it.each([[0], [550], [2000], [10_000]])('accepts %s bp', (bp) => {
    expect(basisPointsSchema.parse(bp)).toBe(bp);
  });

  it.each([[-1], [10_001], [20.5], ['2000']])('rejects %s bp', (bp) => {
    expect(basisPointsSchema.safeParse(bp).success).toBe(false);
  });

  it.each([
    [[2000, 2000], 'must not repeat'],
    [[1, 2, 3, 4, 5], 'At most 4'],
  ])('rejects tax rates %j', (rates, message) => {
    expect(taxRatesSchema.safeParse(rates).error?.issues[0]?.message).toContain(message);
  });

  it.each([[{ type: 'percent', value: 1000 }], [{ type: 'amount', value: 500 }]])(
    'accepts discount %j',
    (discount) => {
      expect(discountSchema.parse(discount)).toEqual(discount);
    },
  );

  it.each([
    [{ type: 'percent', value: 10_001 }],
    [{ type: 'percent', value: 10.5 }],
    [{ type: 'amount', value: -1 }],
    [{ type: 'fixed', value: 1 }],
    [{ type: 'amount' }],
    [{ type: 'amount', value: 1, extra: true }],
    [{ value: 1 }],
    ['10%'],
  ])('rejects discount %j', (discount) => {
    expect(discountSchema.safeParse(discount).success).toBe(false);
  });

  it('explains a wrong discount type', () => {
    expect(
      discountSchema.safeParse({ type: 'fixed', value: 1 }).error?.issues[0]?.message,
    ).toContain('{ type: "percent", value } or { type: "amount", value }');
  });
});
