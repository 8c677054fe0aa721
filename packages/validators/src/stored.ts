import { z } from 'zod';
import { countryCodeSchema, MAX_METADATA_ENTRIES } from './common.js';

/**
 * Output leaves: what a stored value may look like on its way out. The input rules (trimming,
 * control characters, operator-like text, email syntax, lower-casing, metadata key syntax) are
 * enforced once, when data comes in. Output schemas keep the contract's types, bounds and strict
 * shapes, but do not run those rules again: they would transform stored values, turn a record
 * written before a rule was tightened into an "Output validation failed" 500, and they cost a
 * third of the output check of an invoice.list page.
 */
export function storedTextSchema(max: number) {
  return z.string().max(max);
}

/** An email address as stored (checked and lower-cased on input). */
export const storedEmailSchema = z.string().max(254);

/** `addressSchema`'s shape and bounds. */
export const storedAddressSchema = z.strictObject({
  line1: storedTextSchema(200),
  line2: storedTextSchema(200).optional(),
  city: storedTextSchema(100),
  postalCode: storedTextSchema(20).optional(),
  region: storedTextSchema(100).optional(),
  country: countryCodeSchema,
});

/** `metadataSchema`'s shape and bounds. */
export const storedMetadataSchema = z
  .record(z.string().max(40), storedTextSchema(500))
  .refine(
    (record) => Object.keys(record).length <= MAX_METADATA_ENTRIES,
    `At most ${MAX_METADATA_ENTRIES} metadata entries`,
  );
