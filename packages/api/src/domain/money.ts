import {
  MAX_AMOUNT,
  quantityToThousandths,
  type Discount,
  type RoundingRule,
  type TaxBreakdown,
} from '@invoice/validators';
import { badRequest } from './errors.js';

/**
 * Invoice math, exact. Amounts are integer minor units of one currency (the exponent only
 * matters for display: 1234 is 12.34 EUR, ¥1234 or 1.234 KD, and the arithmetic is the same).
 * Everything below runs on BigInt; a Number is produced only after the bounds check.
 *
 * Rule `half_away_from_zero_per_tax_rate`, in this order:
 * 1. Line amount = quantity × unitPrice. Quantities have at most 3 decimals, so the product is
 *    an exact count of thousandths of a minor unit; it is rounded half away from zero to a whole
 *    minor unit. This is the only place a fraction of a minor unit can arise from a line, and the
 *    rounded amount is the one printed, so the subtotal is exactly the sum of printed line amounts.
 * 2. Line discount: percent → amount × bp / 10000 rounded half away from zero; fixed → its value,
 *    refused if larger than the line amount. Line net = amount − line discount (never negative).
 * 3. Invoice discount: percent of the sum of nets (rounded once) or a fixed amount (refused if
 *    larger than that sum), spread over the lines pro rata to their nets with the largest-remainder
 *    method, so the shares are whole minor units, each at most its line's net, summing exactly.
 * 4. Taxable amount of a line = net − its share. For each tax rate, tax = rate × (sum of the
 *    taxable amounts of the lines carrying that rate) / 10000, rounded once half away from zero.
 *    No per-line tax is rounded, so a rate's tax can be recomputed from its printed base.
 * 5. subtotal = Σ line amounts; discountTotal = Σ line discounts + invoice discount;
 *    taxTotal = Σ taxes; total = subtotal − discountTotal + taxTotal.
 * Payments and credits come afterwards and never change the taxable amounts:
 *    amountDue = total − amountPaid − amountCredited.
 */
export const ROUNDING_RULE: RoundingRule = 'half_away_from_zero_per_tax_rate';

const BASIS_POINTS = 10_000n;
const THOUSANDTHS = 1000n;
const MAX = BigInt(MAX_AMOUNT);

/** n / d rounded half away from zero; d must be positive. */
export function divideRoundHalfAwayFromZero(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('Divisor must be positive');
  const quotient = n / d;
  const remainder = n % d;
  const twiceRemainder = remainder < 0n ? -2n * remainder : 2n * remainder;
  if (twiceRemainder >= d) return n < 0n ? quotient - 1n : quotient + 1n;
  return quotient;
}

/**
 * Splits `total` over `weights` pro rata with the largest-remainder method: every share is the
 * floor of its exact value, and the units left over go to the largest remainders (ties to the
 * earlier index). Shares sum exactly to `total`, and none exceeds its exact value by a full unit.
 */
export function allocateProRata(total: bigint, weights: readonly bigint[]): bigint[] {
  if (total < 0n) throw new RangeError('Cannot allocate a negative total');
  const weightSum = weights.reduce((sum, w) => {
    if (w < 0n) throw new RangeError('Weights must not be negative');
    return sum + w;
  }, 0n);
  if (weightSum === 0n) {
    if (total === 0n) return weights.map(() => 0n);
    throw new RangeError('Cannot allocate a positive total over zero weights');
  }
  const shares = weights.map((w) => (total * w) / weightSum);
  const remainders = weights.map((w, index) => ({ index, remainder: (total * w) % weightSum }));
  let leftover = total - shares.reduce((sum, s) => sum + s, 0n);
  remainders.sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  for (const { index } of remainders) {
    if (leftover === 0n) break;
    shares[index] = (shares[index] ?? 0n) + 1n;
    leftover -= 1n;
  }
  return shares;
}

export interface LineMathInput {
  quantity: number;
  unitPrice: number;
  discount?: Discount | null | undefined;
  /** Resolved rates in basis points (the org's defaults already applied by the caller). */
  taxRates: readonly number[];
}

export interface DocumentMathInput {
  lines: readonly LineMathInput[];
  discount?: Discount | null | undefined;
}

export interface ComputedLine {
  amount: number;
  discountAmount: number;
  invoiceDiscountAmount: number;
  taxableAmount: number;
}

export interface DocumentTotals {
  lines: ComputedLine[];
  subtotal: number;
  discountTotal: number;
  taxes: TaxBreakdown[];
  taxTotal: number;
  total: number;
  roundingRule: RoundingRule;
}

function toAmount(value: bigint, what: string): number {
  if (value < 0n) throw badRequest(`${what} would be negative`);
  if (value > MAX) {
    throw badRequest(`${what} exceeds the largest supported amount (${MAX_AMOUNT} minor units)`);
  }
  return Number(value);
}

function assertInteger(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw badRequest(`${what} must be a non-negative integer of minor units`);
  }
  return BigInt(value);
}

function basisPoints(value: number, what: string): bigint {
  if (!Number.isInteger(value) || value < 0 || value > 10_000) {
    throw badRequest(`${what} must be 0-10000 basis points`);
  }
  return BigInt(value);
}

function lineDiscount(amount: bigint, discount: Discount | null | undefined, line: number): bigint {
  if (discount == null) return 0n;
  if (discount.type === 'percent') {
    const rate = basisPoints(discount.value, `Line ${line}: percent discount`);
    return divideRoundHalfAwayFromZero(amount * rate, BASIS_POINTS);
  }
  const value = assertInteger(discount.value, `Line ${line}: discount`);
  if (value > amount) {
    throw badRequest(
      `Line ${line}: discount ${discount.value} exceeds the line amount ${amount.toString()}`,
      { line, discount: discount.value, amount: Number(amount) },
    );
  }
  return value;
}

/** Computes every printed amount of an invoice (or of a credit note, which has no discounts). */
export function computeDocumentTotals(input: DocumentMathInput): DocumentTotals {
  const amounts: bigint[] = [];
  const lineDiscounts: bigint[] = [];
  const nets: bigint[] = [];
  input.lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const unitPrice = assertInteger(line.unitPrice, `Line ${lineNumber}: unitPrice`);
    const amount = divideRoundHalfAwayFromZero(
      BigInt(quantityToThousandths(line.quantity)) * unitPrice,
      THOUSANDTHS,
    );
    toAmount(amount, `Line ${lineNumber}: amount`);
    const discount = lineDiscount(amount, line.discount, lineNumber);
    amounts.push(amount);
    lineDiscounts.push(discount);
    nets.push(amount - discount);
  });

  const netSum = nets.reduce((sum, n) => sum + n, 0n);
  let invoiceDiscount = 0n;
  if (input.discount?.type === 'percent') {
    const rate = basisPoints(input.discount.value, 'Invoice percent discount');
    invoiceDiscount = divideRoundHalfAwayFromZero(netSum * rate, BASIS_POINTS);
  } else if (input.discount?.type === 'amount') {
    invoiceDiscount = assertInteger(input.discount.value, 'Invoice discount');
    if (invoiceDiscount > netSum) {
      throw badRequest(
        `Invoice discount ${input.discount.value} exceeds the sum of the discounted lines ${netSum.toString()}`,
        { discount: input.discount.value, amount: Number(netSum) },
      );
    }
  }
  const shares = allocateProRata(invoiceDiscount, nets);
  const taxables = nets.map((net, i) => net - (shares[i] ?? 0n));

  const baseByRate = new Map<number, bigint>();
  input.lines.forEach((line, i) => {
    if (new Set(line.taxRates).size !== line.taxRates.length) {
      throw badRequest(`Line ${i + 1}: tax rates must not repeat`);
    }
    for (const rate of line.taxRates) {
      basisPoints(rate, `Line ${i + 1}: tax rate`);
      baseByRate.set(rate, (baseByRate.get(rate) ?? 0n) + (taxables[i] ?? 0n));
    }
  });
  const taxes = [...baseByRate.entries()]
    .sort(([a], [b]) => a - b)
    .map(([rate, base]) => ({
      rate,
      taxableAmount: base,
      amount: divideRoundHalfAwayFromZero(base * BigInt(rate), BASIS_POINTS),
    }));

  const subtotal = amounts.reduce((sum, a) => sum + a, 0n);
  const discountTotal = lineDiscounts.reduce((sum, d) => sum + d, 0n) + invoiceDiscount;
  const taxTotal = taxes.reduce((sum, t) => sum + t.amount, 0n);
  const total = subtotal - discountTotal + taxTotal;

  return {
    lines: amounts.map((amount, i) => ({
      amount: toAmount(amount, `Line ${i + 1}: amount`),
      discountAmount: toAmount(lineDiscounts[i] ?? 0n, `Line ${i + 1}: discount`),
      invoiceDiscountAmount: toAmount(shares[i] ?? 0n, `Line ${i + 1}: invoice discount share`),
      taxableAmount: toAmount(taxables[i] ?? 0n, `Line ${i + 1}: taxable amount`),
    })),
    subtotal: toAmount(subtotal, 'Subtotal'),
    discountTotal: toAmount(discountTotal, 'Discount total'),
    taxes: taxes.map((t) => ({
      rate: t.rate,
      taxableAmount: toAmount(t.taxableAmount, `Taxable amount at ${t.rate} bp`),
      amount: toAmount(t.amount, `Tax at ${t.rate} bp`),
    })),
    taxTotal: toAmount(taxTotal, 'Tax total'),
    total: toAmount(total, 'Total'),
    roundingRule: ROUNDING_RULE,
  };
}

export interface Balance {
  total: number;
  amountPaid: number;
  amountCredited: number;
}

/** amountDue = total − amountPaid − amountCredited; a negative result is a broken invariant. */
export function computeAmountDue({ total, amountPaid, amountCredited }: Balance): number {
  const due =
    assertInteger(total, 'total') -
    assertInteger(amountPaid, 'amountPaid') -
    assertInteger(amountCredited, 'amountCredited');
  if (due < 0n) {
    throw badRequest('Payments and credits would exceed the invoice total');
  }
  return Number(due);
}

/** amountPaid recomputed from the payments themselves; voided payments do not count. */
export function sumRecordedPayments(
  payments: readonly { amount: number; status: 'recorded' | 'voided' }[],
): number {
  const sum = payments
    .filter((p) => p.status === 'recorded')
    .reduce((acc, p) => acc + assertInteger(p.amount, 'payment amount'), 0n);
  return toAmount(sum, 'Amount paid');
}

/** Refuses overpayment with the figures a user needs to correct it. */
export function assertPaymentFits(amountDue: number, amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw badRequest('A payment amount is a positive integer of minor units');
  }
  if (amount > amountDue) {
    throw badRequest(`Payment of ${amount} exceeds the amount due ${amountDue}`, {
      amount,
      amountDue,
    });
  }
}

/** A credit note may credit at most what the invoice still owes. */
export function assertCreditFits(amountDue: number, creditTotal: number): void {
  if (!Number.isSafeInteger(creditTotal) || creditTotal <= 0) {
    throw badRequest('A credit note total is a positive integer of minor units');
  }
  if (creditTotal > amountDue) {
    throw badRequest(
      `Credit note of ${creditTotal} exceeds the amount still creditable ${amountDue}`,
      { creditTotal, creditable: amountDue },
    );
  }
}
