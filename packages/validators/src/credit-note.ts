import { z } from 'zod';
import { idempotencyKeySchema, pageSchema, paginationShape } from './common.js';
import { currencyCodeSchema } from './currency.js';
import { calendarDateSchema, instantSchema } from './dates.js';
import { creditNoteIdSchema, invoiceIdSchema, orgIdSchema } from './ids.js';
import {
  amountSchema,
  positiveAmountSchema,
  quantitySchema,
  roundingRuleSchema,
  taxBreakdownSchema,
  taxRatesSchema,
} from './money.js';
import { lineDescriptionSchema } from './invoice.js';
import { MAX_LENGTH, textSchema } from './text.js';
import { storedTextSchema } from './stored.js';

export const MAX_CREDIT_NOTE_LINES = 200;

export const creditNoteLineInput = z.strictObject({
  description: lineDescriptionSchema,
  quantity: quantitySchema,
  unitPrice: amountSchema,
  taxRates: taxRatesSchema.default([]),
});

/**
 * Either `lines` (computed like invoice lines, tax per rate) or a tax-inclusive `amount`,
 * never both. The total may not exceed what is still creditable on the invoice.
 */
export const creditNoteCreateInput = z
  .strictObject({
    orgId: orgIdSchema,
    invoiceId: invoiceIdSchema,
    lines: z
      .array(creditNoteLineInput)
      .min(1, 'Give at least one line or use amount')
      .max(MAX_CREDIT_NOTE_LINES, `At most ${MAX_CREDIT_NOTE_LINES} lines`)
      .optional(),
    amount: positiveAmountSchema.optional(),
    reason: textSchema({ max: MAX_LENGTH.reason }),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine((v) => (v.lines === undefined) !== (v.amount === undefined), {
    message: 'Give exactly one of lines or amount',
    path: ['amount'],
  });

export const creditNoteByIdInput = z.strictObject({
  orgId: orgIdSchema,
  creditNoteId: creditNoteIdSchema,
});

export const creditNoteListInput = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema.optional(),
  ...paginationShape,
});

export const creditNoteLineSchema = z.strictObject({
  description: storedTextSchema(MAX_LENGTH.lineDescription),
  quantity: quantitySchema,
  unitPrice: amountSchema,
  taxRates: taxRatesSchema,
  amount: amountSchema,
  taxableAmount: amountSchema,
});

export const creditNoteSchema = z.strictObject({
  id: creditNoteIdSchema,
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
  number: z.string().max(64),
  currency: currencyCodeSchema,
  reason: storedTextSchema(MAX_LENGTH.reason),
  /** Empty for an amount-only credit note. */
  lines: z.array(creditNoteLineSchema).max(MAX_CREDIT_NOTE_LINES),
  subtotal: amountSchema,
  taxes: z.array(taxBreakdownSchema).max(MAX_CREDIT_NOTE_LINES * 4),
  taxTotal: amountSchema,
  total: positiveAmountSchema,
  roundingRule: roundingRuleSchema,
  issueDate: calendarDateSchema,
  createdAt: instantSchema,
});

export const creditNoteListOutput = pageSchema(creditNoteSchema);

export type CreditNoteCreateInput = z.input<typeof creditNoteCreateInput>;
export type CreditNote = z.infer<typeof creditNoteSchema>;
