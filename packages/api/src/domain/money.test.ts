import {
  formatMinorUnits,
  invoiceLineSchema,
  parseMajorUnits,
  taxBreakdownSchema,
  type CurrencyCode,
} from '@invoice/validators';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import {
  allocateProRata,
  assertCreditFits,
  assertPaymentFits,
  computeAmountDue,
  computeDocumentTotals,
  divideRoundHalfAwayFromZero,
  sumRecordedPayments,
  type DocumentMathInput,
  type LineMathInput,
} from './money.js';

/**
 * Oracle for quantity × price that shares no code with the implementation: the quantity's
 * decimal text is read digit by digit, so no float multiplication is involved at all.
 */
function exactLineAmountTimes1000(quantity: number, unitPrice: number): bigint {
  const [whole = '0', fraction = ''] = String(quantity).split('.');
  return BigInt(whole + fraction.padEnd(3, '0')) * BigInt(unitPrice);
}

function expectDomainError(fn: () => unknown, code: DomainError['code'], message?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(code);
    if (message) expect((error as DomainError).message).toMatch(message);
    return;
  }
  throw new Error('expected a DomainError');
}

const quantityArb = fc.oneof(
  fc.integer({ min: 1, max: 1_000_000 }).map((t) => t / 1000),
  fc.integer({ min: 1, max: 1000 }),
);
const unitPriceArb = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.integer({ min: 0, max: 999 }),
);
const rateArb = fc.constantFrom(0, 550, 700, 1000, 1950, 2000, 2500);
const percentArb = fc
  .integer({ min: 0, max: 10_000 })
  .map((value) => ({ type: 'percent' as const, value }));

const lineArb: fc.Arbitrary<LineMathInput> = fc.record({
  quantity: quantityArb,
  unitPrice: unitPriceArb,
  discount: fc.option(percentArb, { nil: undefined }),
  taxRates: fc.uniqueArray(rateArb, { maxLength: 3 }),
});

const invoiceArb: fc.Arbitrary<DocumentMathInput> = fc.record({
  lines: fc.array(lineArb, { minLength: 1, maxLength: 25 }),
  discount: fc.option(percentArb, { nil: undefined }),
});

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('divideRoundHalfAwayFromZero', () => {
  it.each([
    [5n, 10n, 1n],
    [4n, 10n, 0n],
    [15n, 10n, 2n],
    [25n, 10n, 3n],
    [-5n, 10n, -1n],
    [-15n, 10n, -2n],
    [-14n, 10n, -1n],
    [0n, 7n, 0n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
  ])('%s / %s = %s', (n, d, expected) => {
    expect(divideRoundHalfAwayFromZero(n, d)).toBe(expected);
  });

  it('refuses a zero divisor', () => {
    expect(() => divideRoundHalfAwayFromZero(1n, 0n)).toThrow(RangeError);
  });
});

describe('allocateProRata', () => {
  it('splits 100 over three equal weights as 34, 33, 33', () => {
    expect(allocateProRata(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
  });

  it('gives the leftover unit to the largest remainder', () => {
    // exact shares: 10 × 1/6 = 1.67, 10 × 2/6 = 3.33, 10 × 3/6 = 5
    expect(allocateProRata(10n, [1n, 2n, 3n])).toEqual([2n, 3n, 5n]);
  });

  it('sums exactly and stays within one unit of the exact share', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 13n }), { minLength: 1, maxLength: 50 }),
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        (weights, rawTotal) => {
          const weightSum = weights.reduce((a, b) => a + b, 0n);
          fc.pre(weightSum > 0n);
          const total = rawTotal > weightSum ? weightSum : rawTotal;
          const shares = allocateProRata(total, weights);
          expect(shares.reduce((a, b) => a + b, 0n)).toBe(total);
          shares.forEach((share, i) => {
            const exactTimesSum = total * weights[i]!;
            const diff = share * weightSum - exactTimesSum;
            expect(diff > -weightSum && diff < weightSum).toBe(true);
            expect(share <= weights[i]!).toBe(true);
          });
        },
      ),
    );
  });
});

describe('computeDocumentTotals: worked examples', () => {
  it('computes a two-rate EUR invoice by hand', () => {
    const totals = computeDocumentTotals({
      lines: [
        { quantity: 3, unitPrice: 1999, taxRates: [2000] },
        {
          quantity: 1.5,
          unitPrice: 1001,
          discount: { type: 'percent', value: 1000 },
          taxRates: [550],
        },
      ],
      discount: { type: 'amount', value: 500 },
    });
    // line 1: 5997; line 2: 1501.5 → 1502, discount 150.2 → 150, net 1352
    // invoice discount 500 over nets 5997 and 1352 (sum 7349): 408.01… and 91.98… → 408 and 92
    expect(totals.lines).toEqual([
      { amount: 5997, discountAmount: 0, invoiceDiscountAmount: 408, taxableAmount: 5589 },
      { amount: 1502, discountAmount: 150, invoiceDiscountAmount: 92, taxableAmount: 1260 },
    ]);
    // 5.5% of 1260 = 69.3 → 69; 20% of 5589 = 1117.8 → 1118
    expect(totals.taxes).toEqual([
      { rate: 550, taxableAmount: 1260, amount: 69 },
      { rate: 2000, taxableAmount: 5589, amount: 1118 },
    ]);
    expect(totals).toMatchObject({
      subtotal: 7499,
      discountTotal: 650,
      taxTotal: 1187,
      total: 8036,
      roundingRule: 'half_away_from_zero_per_tax_rate',
    });
  });

  it('rounds tax once per rate, not per line', () => {
    // Three lines of 0.05 tax each: per-line rounding would print 3 × 0 (or 3 × 1); per rate it is 0.15 → 0.
    const totals = computeDocumentTotals({
      lines: [1, 2, 3].map(() => ({ quantity: 1, unitPrice: 1, taxRates: [500] })),
    });
    expect(totals.taxes).toEqual([{ rate: 500, taxableAmount: 3, amount: 0 }]);
    const half = computeDocumentTotals({
      lines: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(() => ({
        quantity: 1,
        unitPrice: 1,
        taxRates: [500],
      })),
    });
    expect(half.taxes).toEqual([{ rate: 500, taxableAmount: 10, amount: 1 }]); // 0.5 → 1
  });

  it.each([
    // quantity, unitPrice, expected line amount; float multiplication gets each of these wrong
    [1.005, 1000, 1005], // 1.005 * 1000 = 1004.9999999999999
    [0.615, 100, 62], // 61.5 → 62, where Math.round(0.615 * 100) = 61
    [1.001, 500, 501], // 500.5 → 501
    [0.001, 1, 0], // 0.001 → 0
    [0.5, 1, 1], // 0.5 → 1 (half away from zero)
    [999_999.999, 10_000_000, 9_999_999_990_000], // near the bounds, beyond float's exact range of q × p × 1000
  ])('quantity %s × %s = %s exactly', (quantity, unitPrice, amount) => {
    const totals = computeDocumentTotals({ lines: [{ quantity, unitPrice, taxRates: [] }] });
    expect(totals.lines[0]!.amount).toBe(amount);
    expect(totals.total).toBe(amount);
  });

  it('treats a line without tax rates as untaxed', () => {
    const totals = computeDocumentTotals({ lines: [{ quantity: 2, unitPrice: 50, taxRates: [] }] });
    expect(totals).toMatchObject({ subtotal: 100, taxTotal: 0, total: 100, taxes: [] });
  });

  it('applies several rates to one line on the same base', () => {
    const totals = computeDocumentTotals({
      lines: [{ quantity: 1, unitPrice: 10_000, taxRates: [500, 997] }],
    });
    expect(totals.taxes).toEqual([
      { rate: 500, taxableAmount: 10_000, amount: 500 },
      { rate: 997, taxableAmount: 10_000, amount: 997 },
    ]);
    expect(totals.total).toBe(11_497);
  });

  it('accepts a 100% discount and a zero total', () => {
    const totals = computeDocumentTotals({
      lines: [{ quantity: 1, unitPrice: 100, taxRates: [2000] }],
      discount: { type: 'percent', value: 10_000 },
    });
    expect(totals).toMatchObject({ subtotal: 100, discountTotal: 100, taxTotal: 0, total: 0 });
  });
});

describe('computeDocumentTotals: refusals', () => {
  it('refuses a line discount larger than the line', () => {
    expectDomainError(
      () =>
        computeDocumentTotals({
          lines: [
            { quantity: 1, unitPrice: 100, discount: { type: 'amount', value: 101 }, taxRates: [] },
          ],
        }),
      'BAD_REQUEST',
      /Line 1: discount 101 exceeds the line amount 100/,
    );
  });

  it('refuses an invoice discount larger than the discounted lines', () => {
    expectDomainError(
      () =>
        computeDocumentTotals({
          lines: [
            { quantity: 1, unitPrice: 100, discount: { type: 'amount', value: 10 }, taxRates: [] },
          ],
          discount: { type: 'amount', value: 91 },
        }),
      'BAD_REQUEST',
      /Invoice discount 91 exceeds the sum of the discounted lines 90/,
    );
  });

  it('refuses totals above the largest supported amount', () => {
    expectDomainError(
      () =>
        computeDocumentTotals({
          lines: [{ quantity: 1_000_000, unitPrice: 10_000_000_000_000, taxRates: [] }],
        }),
      'BAD_REQUEST',
      /exceeds the largest supported amount/,
    );
  });

  it.each([
    [{ quantity: 1.0005, unitPrice: 1, taxRates: [] }],
    [{ quantity: 1, unitPrice: 1.5, taxRates: [] }],
    [{ quantity: 1, unitPrice: -1, taxRates: [] }],
    [{ quantity: 1, unitPrice: 1, taxRates: [20.5] }],
    [{ quantity: 1, unitPrice: 1, taxRates: [10_001] }],
    [{ quantity: 1, unitPrice: 1, taxRates: [2000, 2000] }],
    [
      {
        quantity: 1,
        unitPrice: 1,
        discount: { type: 'percent' as const, value: 10_001 },
        taxRates: [],
      },
    ],
  ])('refuses the malformed line %j even when called without validation', (line) => {
    expect(() => computeDocumentTotals({ lines: [line] })).toThrow();
  });
});

describe('computeDocumentTotals: properties', () => {
  it('totals equal the sum of the printed parts', () => {
    fc.assert(
      fc.property(invoiceArb, (invoice) => {
        const t = computeDocumentTotals(invoice);
        expect(t.subtotal).toBe(sum(t.lines.map((l) => l.amount)));
        expect(t.discountTotal).toBe(
          sum(t.lines.map((l) => l.discountAmount + l.invoiceDiscountAmount)),
        );
        expect(t.taxTotal).toBe(sum(t.taxes.map((x) => x.amount)));
        expect(t.total).toBe(t.subtotal - t.discountTotal + t.taxTotal);
        for (const line of t.lines) {
          expect(line.taxableAmount).toBe(
            line.amount - line.discountAmount - line.invoiceDiscountAmount,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('every amount is a non-negative safe integer', () => {
    fc.assert(
      fc.property(invoiceArb, (invoice) => {
        const t = computeDocumentTotals(invoice);
        const all = [
          t.subtotal,
          t.discountTotal,
          t.taxTotal,
          t.total,
          ...t.lines.flatMap((l) => [
            l.amount,
            l.discountAmount,
            l.invoiceDiscountAmount,
            l.taxableAmount,
          ]),
          ...t.taxes.flatMap((x) => [x.taxableAmount, x.amount]),
        ];
        for (const value of all) {
          expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('line amounts are quantity × price rounded half away from zero, with no float drift', () => {
    fc.assert(
      fc.property(quantityArb, unitPriceArb, (quantity, unitPrice) => {
        const exact = exactLineAmountTimes1000(quantity, unitPrice);
        const [line] = computeDocumentTotals({
          lines: [{ quantity, unitPrice, taxRates: [] }],
        }).lines;
        const diff = BigInt(line!.amount) * 1000n - exact;
        // within half a minor unit, and an exact half goes up (amounts are positive)
        expect(diff > -500n && diff <= 500n).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('tax per rate is its printed base × rate, rounded once', () => {
    fc.assert(
      fc.property(invoiceArb, (invoice) => {
        const t = computeDocumentTotals(invoice);
        const rates = new Set(invoice.lines.flatMap((l) => l.taxRates));
        expect(t.taxes.map((x) => x.rate)).toEqual([...rates].sort((a, b) => a - b));
        for (const tax of t.taxes) {
          const base = sum(
            t.lines
              .filter((_, i) => invoice.lines[i]!.taxRates.includes(tax.rate))
              .map((l) => l.taxableAmount),
          );
          expect(tax.taxableAmount).toBe(base);
          const diff = BigInt(tax.amount) * 10_000n - BigInt(base) * BigInt(tax.rate);
          expect(diff > -5000n && diff <= 5000n).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the invoice discount is spread pro rata and sums exactly', () => {
    fc.assert(
      fc.property(invoiceArb, fc.integer({ min: 0, max: 10_000 }), (invoice, bp) => {
        const t = computeDocumentTotals({ ...invoice, discount: { type: 'percent', value: bp } });
        const nets = t.lines.map((l) => BigInt(l.amount - l.discountAmount));
        const netSum = nets.reduce((a, b) => a + b, 0n);
        const expected = divideRoundHalfAwayFromZero(netSum * BigInt(bp), 10_000n);
        const shares = t.lines.map((l) => BigInt(l.invoiceDiscountAmount));
        expect(shares.reduce((a, b) => a + b, 0n)).toBe(expected);
        shares.forEach((share, i) => {
          const diff = share * netSum - expected * nets[i]!;
          expect(netSum === 0n ? share === 0n : diff > -netSum && diff < netSum).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('amount discounts either fit the line or are refused; nothing goes negative', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            quantity: quantityArb,
            unitPrice: fc.integer({ min: 0, max: 100_000 }),
            discountValue: fc.integer({ min: 0, max: 200_000_000 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        fc.integer({ min: 0, max: 500_000_000 }),
        (rows, invoiceDiscount) => {
          const input: DocumentMathInput = {
            lines: rows.map((r) => ({
              quantity: r.quantity,
              unitPrice: r.unitPrice,
              discount: { type: 'amount', value: r.discountValue },
              taxRates: [2000],
            })),
            discount: { type: 'amount', value: invoiceDiscount },
          };
          const amounts = rows.map((r) => {
            const exact = exactLineAmountTimes1000(r.quantity, r.unitPrice);
            return Number(divideRoundHalfAwayFromZero(exact, 1000n));
          });
          const lineTooBig = rows.some((r, i) => r.discountValue > amounts[i]!);
          const netSum = sum(amounts.map((a, i) => a - rows[i]!.discountValue));
          if (lineTooBig || invoiceDiscount > netSum) {
            expectDomainError(() => computeDocumentTotals(input), 'BAD_REQUEST', /exceeds/);
            return;
          }
          const t = computeDocumentTotals(input);
          expect(t.total).toBeGreaterThanOrEqual(0);
          expect(t.subtotal - t.discountTotal).toBe(netSum - invoiceDiscount);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each<[CurrencyCode, number]>([
    ['JPY', 0],
    ['EUR', 2],
    ['KWD', 3],
  ])('in %s, the printed decimal parts add up to the printed total', (currency, exponent) => {
    fc.assert(
      fc.property(invoiceArb, (invoice) => {
        const t = computeDocumentTotals(invoice);
        const printed = (amount: number) => formatMinorUnits(amount, currency);
        const back = (text: string) => parseMajorUnits(text, currency);
        const recomputed =
          back(printed(t.subtotal)) -
          back(printed(t.discountTotal)) +
          sum(t.taxes.map((x) => back(printed(x.amount))));
        expect(printed(recomputed)).toBe(printed(t.total));
        const decimals = printed(t.total).split('.')[1]?.length ?? 0;
        expect(decimals).toBe(exponent);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same input always gives the same result', () => {
    fc.assert(
      fc.property(invoiceArb, (invoice) => {
        expect(computeDocumentTotals(structuredClone(invoice))).toEqual(
          computeDocumentTotals(invoice),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('balance', () => {
  it('amountDue = total − amountPaid − amountCredited', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 13 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (total, paidShare, creditShare) => {
          const amountPaid = Math.floor(total * paidShare);
          const amountCredited = Math.floor((total - amountPaid) * creditShare);
          const due = computeAmountDue({ total, amountPaid, amountCredited });
          expect(due).toBe(total - amountPaid - amountCredited);
          expect(due).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('refuses payments and credits beyond the total', () => {
    expectDomainError(
      () => computeAmountDue({ total: 100, amountPaid: 60, amountCredited: 41 }),
      'BAD_REQUEST',
    );
  });

  it('recomputes amountPaid from recorded payments only', () => {
    expect(
      sumRecordedPayments([
        { amount: 100, status: 'recorded' },
        { amount: 50, status: 'voided' },
        { amount: 25, status: 'recorded' },
      ]),
    ).toBe(125);
    expect(sumRecordedPayments([])).toBe(0);
  });

  it('refuses overpayment with the figures', () => {
    expect(() => assertPaymentFits(100, 100)).not.toThrow();
    expectDomainError(
      () => assertPaymentFits(100, 101),
      'BAD_REQUEST',
      /Payment of 101 exceeds the amount due 100/,
    );
    expectDomainError(() => assertPaymentFits(100, 0), 'BAD_REQUEST');
    expectDomainError(() => assertPaymentFits(100, 1.5), 'BAD_REQUEST');
  });

  it('refuses credits beyond what is still creditable', () => {
    expect(() => assertCreditFits(100, 100)).not.toThrow();
    expectDomainError(
      () => assertCreditFits(100, 101),
      'BAD_REQUEST',
      /exceeds the amount still creditable 100/,
    );
    expectDomainError(() => assertCreditFits(100, 0), 'BAD_REQUEST');
  });
});

describe('compatibility with the output schemas', () => {
  it('computed lines and taxes are accepted by invoiceLineSchema and taxBreakdownSchema', () => {
    fc.assert(
      fc.property(invoiceArb, (invoice) => {
        const totals = computeDocumentTotals(invoice);
        totals.lines.forEach((computed, i) => {
          const line = invoice.lines[i]!;
          const stored = {
            ...line,
            description: 'Item',
            discount: line.discount ?? null,
            ...computed,
          };
          expect(invoiceLineSchema.safeParse(stored).success).toBe(true);
        });
        for (const tax of totals.taxes)
          expect(taxBreakdownSchema.safeParse(tax).success).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
