import { z } from 'zod';
import { addressShapeOf, MAX_METADATA_ENTRIES } from './common.js';
import { MAX_LENGTH } from './text.js';

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
export const storedEmailSchema = storedTextSchema(MAX_LENGTH.email);

/** An IANA timezone name as stored (checked and made canonical on input: `timeZoneSchema`). */
export const storedTimeZoneSchema = storedTextSchema(64);

/** `addressSchema`'s shape and bounds. */
export const storedAddressSchema = addressShapeOf(storedTextSchema);

/** A party as stored: a customer, or the snapshot of one (or of the seller) on an invoice. */
export const storedPartyShape = {
  name: storedTextSchema(MAX_LENGTH.name),
  email: storedEmailSchema.nullable(),
  address: storedAddressSchema.nullable(),
  taxId: storedTextSchema(MAX_LENGTH.taxId).nullable(),
};

/** `metadataSchema`'s shape and bounds. */
export const storedMetadataSchema = z
  .record(z.string().max(MAX_LENGTH.metadataKey), storedTextSchema(MAX_LENGTH.metadataValue))
  .refine(
    (record) => Object.keys(record).length <= MAX_METADATA_ENTRIES,
    `At most ${MAX_METADATA_ENTRIES} metadata entries`,
  );
