import { z } from 'zod';

/**
 * Ids of our documents are MongoDB ObjectIds as 24 lowercase hex characters. The regex runs
 * before any id reaches a query, so an operator object or a `$`-string can never pose as one.
 */
export const objectIdSchema = z
  .string()
  .regex(/^[0-9a-f]{24}$/, 'Must be an id of 24 lowercase hexadecimal characters');

export const orgIdSchema = objectIdSchema;
export const customerIdSchema = objectIdSchema;
export const invoiceIdSchema = objectIdSchema;
export const paymentIdSchema = objectIdSchema;
export const creditNoteIdSchema = objectIdSchema;
export const attachmentIdSchema = objectIdSchema;
export const membershipIdSchema = objectIdSchema;
export const auditEventIdSchema = objectIdSchema;

/**
 * Firebase Auth uids: generated ones are 28 alphanumerics, custom ones at most 128 characters.
 * We accept the conservative alphabet that both use in practice, never a leading `$`.
 */
export const userIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/,
    'Must be a user id of 1-128 characters: letters, digits, "_", ".", ":" or "-"',
  );

export type ObjectIdString = z.infer<typeof objectIdSchema>;
export type UserId = z.infer<typeof userIdSchema>;
