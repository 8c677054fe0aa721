import { z } from 'zod';

/**
 * Largest amount we store, in minor units: 10^13 (100 billion EUR, 10 trillion JPY). Far below
 * Number.MAX_SAFE_INTEGER, so sums of a few hundred lines stay exact as plain integers.
 */
export const MAX_AMOUNT = 10_000_000_000_000;

/** Largest quantity on a line; with 3 decimals that is 10^9 thousandths, a safe integer. */
export const MAX_QUANTITY = 1_000_000;

/** Basis points: 10 000 = 100 %. Tax rates and percentage discounts use them. */
export const MAX_BASIS_POINTS = 10_000;

/** A non-negative amount in integer minor units of the document's currency. */
export const amountSchema = z
  .int('Must be an integer amount in minor units (cents)')
  .min(0, 'Must not be negative')
  .max(MAX_AMOUNT, `Must be at most ${MAX_AMOUNT} minor units`);

/** A strictly positive amount (payments, amount-only credit notes). */
export const positiveAmountSchema = amountSchema.min(1, 'Must be at least 1 minor unit');

/**
 * A quantity with at most 3 decimals. `Math.round(q * 1000) / 1000 === q` holds exactly for
 * numbers written with at most 3 decimals (both sides are the nearest double to that decimal)
 * and fails for any other, so the check itself involves no tolerance.
 */
export const quantitySchema = z
  .number('Must be a number')
  .positive('Must be greater than 0')
  .max(MAX_QUANTITY, `Must be at most ${MAX_QUANTITY}`)
  .refine((q) => Math.round(q * 1000) / 1000 === q, 'Must have at most 3 decimal places');

/** Converts a validated quantity to exact integer thousandths (1.5 → 1500). */
export function quantityToThousandths(quantity: number): number {
  const thousandths = Math.round(quantity * 1000);
  if (thousandths / 1000 !== quantity || !Number.isSafeInteger(thousandths)) {
    throw new RangeError(`Quantity ${quantity} has more than 3 decimal places`);
  }
  return thousandths;
}

export const basisPointsSchema = z
  .int('Must be an integer number of basis points (2000 = 20%)')
  .min(0, 'Must not be negative')
  .max(MAX_BASIS_POINTS, 'Must be at most 10000 basis points (100%)');

export const taxRateSchema = basisPointsSchema;

/** Tax rates applied to one line, each added on the line's taxable amount; no duplicates. */
export const taxRatesSchema = z
  .array(taxRateSchema)
  .max(4, 'At most 4 tax rates per line')
  .refine((rates) => new Set(rates).size === rates.length, 'Tax rates must not repeat');

export const discountSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('percent'), value: basisPointsSchema }),
    z.strictObject({ type: z.literal('amount'), value: amountSchema }),
  ],
  { error: 'Discount must be { type: "percent", value } or { type: "amount", value }' },
);

/** Name of the rounding rule used to compute an invoice; stored on the invoice. */
export const ROUNDING_RULES = ['half_away_from_zero_per_tax_rate'] as const;
export const roundingRuleSchema = z.enum(ROUNDING_RULES);

/** One tax group of a computed document: the rate, its taxable base and the tax, rounded once. */
export const taxBreakdownSchema = z.strictObject({
  rate: taxRateSchema,
  taxableAmount: amountSchema,
  amount: amountSchema,
});

export type Amount = z.infer<typeof amountSchema>;
export type Quantity = z.infer<typeof quantitySchema>;
export type BasisPoints = z.infer<typeof basisPointsSchema>;
export type Discount = z.infer<typeof discountSchema>;
export type RoundingRule = z.infer<typeof roundingRuleSchema>;
export type TaxBreakdown = z.infer<typeof taxBreakdownSchema>;
