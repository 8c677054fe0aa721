import { z } from 'zod';
import { idempotencyKeySchema, pageSchema, paginationShape } from './common.js';
import { currencyCodeSchema } from './currency.js';
import { calendarDateSchema, instantSchema } from './dates.js';
import { invoiceIdSchema, orgIdSchema, paymentIdSchema, userIdSchema } from './ids.js';
import { positiveAmountSchema } from './money.js';
import { MAX_LENGTH, textSchema } from './text.js';
import { storedTextSchema } from './stored.js';

export const PAYMENT_METHODS = ['bank_transfer', 'card', 'cash', 'check', 'other'] as const;
export const paymentMethodSchema = z.enum(PAYMENT_METHODS);

export const PAYMENT_STATUSES = ['recorded', 'voided'] as const;
export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);

export const paymentReferenceSchema = textSchema({ max: MAX_LENGTH.paymentReference });

export const paymentRecordInput = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
  /** In the invoice's currency; more than amountDue is refused. */
  amount: positiveAmountSchema,
  date: calendarDateSchema,
  method: paymentMethodSchema,
  reference: paymentReferenceSchema.optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const paymentVoidInput = z.strictObject({
  orgId: orgIdSchema,
  paymentId: paymentIdSchema,
  reason: textSchema({ max: MAX_LENGTH.reason }).optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const paymentListInput = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema.optional(),
  ...paginationShape,
});

export const paymentSchema = z.strictObject({
  id: paymentIdSchema,
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
  amount: positiveAmountSchema,
  currency: currencyCodeSchema,
  date: calendarDateSchema,
  method: paymentMethodSchema,
  reference: storedTextSchema(MAX_LENGTH.paymentReference).nullable(),
  status: paymentStatusSchema,
  voidedAt: instantSchema.nullable(),
  createdBy: userIdSchema,
  createdAt: instantSchema,
});

export const paymentListOutput = pageSchema(paymentSchema);

export type PaymentMethod = z.infer<typeof paymentMethodSchema>;
export type PaymentRecordInput = z.input<typeof paymentRecordInput>;
export type Payment = z.infer<typeof paymentSchema>;
