import { z } from 'zod';
import {
  AT_LEAST_ONE_CHANGE,
  hasChange,
  idempotencyKeySchema,
  metadataSchema,
  notesSchema,
  pageSchema,
  paginationShape,
  searchSchema,
  sortDirectionSchema,
} from './common.js';
import { currencyCodeSchema } from './currency.js';
import { calendarDateSchema, instantSchema } from './dates.js';
import { customerIdSchema, invoiceIdSchema, orgIdSchema } from './ids.js';
import {
  amountSchema,
  discountSchema,
  quantitySchema,
  roundingRuleSchema,
  taxBreakdownSchema,
  taxRatesSchema,
} from './money.js';
import { MAX_LENGTH, textSchema } from './text.js';
import { storedMetadataSchema, storedPartyShape, storedTextSchema } from './stored.js';

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;
export const invoiceStatusSchema = z.enum(INVOICE_STATUSES);
export type InvoiceStatus = z.infer<typeof invoiceStatusSchema>;

export const MAX_INVOICE_LINES = 200;

export const lineDescriptionSchema = textSchema({
  max: MAX_LENGTH.lineDescription,
  multiline: true,
});

export const invoiceLineInput = z.strictObject({
  description: lineDescriptionSchema,
  quantity: quantitySchema,
  /** Price of one unit in minor units. */
  unitPrice: amountSchema,
  discount: discountSchema.optional(),
  /** Basis points; the org's default tax rates apply when absent, `[]` means untaxed. */
  taxRates: taxRatesSchema.optional(),
});

export const invoiceLinesInput = z
  .array(invoiceLineInput)
  .min(1, 'An invoice needs at least one line')
  .max(MAX_INVOICE_LINES, `At most ${MAX_INVOICE_LINES} lines`);

function datesInOrder(value: {
  issueDate?: string | null | undefined;
  dueDate?: string | null | undefined;
}) {
  return value.issueDate == null || value.dueDate == null || value.dueDate >= value.issueDate;
}
const datesInOrderMessage = { message: 'dueDate must not be before issueDate', path: ['dueDate'] };

export const invoiceCreateInput = z
  .strictObject({
    orgId: orgIdSchema,
    customerId: customerIdSchema,
    /** The customer's currency, else the org's, when absent. */
    currency: currencyCodeSchema.optional(),
    /** When absent, set to today (org timezone) at issue. */
    issueDate: calendarDateSchema.optional(),
    /** When absent, issueDate + the org's payment terms at issue. */
    dueDate: calendarDateSchema.optional(),
    lines: invoiceLinesInput,
    discount: discountSchema.optional(),
    notes: notesSchema.optional(),
    metadata: metadataSchema.optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine(datesInOrder, datesInOrderMessage);

/** Drafts only. Fields left out stay unchanged; `null` clears an optional field. */
export const invoiceUpdateInput = z
  .strictObject({
    orgId: orgIdSchema,
    invoiceId: invoiceIdSchema,
    customerId: customerIdSchema.optional(),
    currency: currencyCodeSchema.optional(),
    issueDate: calendarDateSchema.nullable().optional(),
    dueDate: calendarDateSchema.nullable().optional(),
    lines: invoiceLinesInput.optional(),
    discount: discountSchema.nullable().optional(),
    notes: notesSchema.nullable().optional(),
    metadata: metadataSchema.nullable().optional(),
    idempotencyKey: idempotencyKeySchema.optional(),
  })
  .refine(datesInOrder, datesInOrderMessage)
  .refine(
    (value) => hasChange(value, ['orgId', 'invoiceId', 'idempotencyKey']),
    AT_LEAST_ONE_CHANGE,
  );

/** `{ orgId, invoiceId, idempotencyKey? }`: issue, deleteDraft, markUncollectible. */
export const invoiceActionInput = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});
export const invoiceIssueInput = invoiceActionInput;
export const invoiceDeleteDraftInput = invoiceActionInput;
export const invoiceMarkUncollectibleInput = invoiceActionInput;

/** What `invoice.deleteDraft` returns. */
export const invoiceDeleteDraftOutput = z.strictObject({ deleted: z.literal(true) });

export const invoiceVoidInput = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
  reason: textSchema({ max: MAX_LENGTH.reason }).optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const invoiceByIdInput = z.strictObject({
  orgId: orgIdSchema,
  invoiceId: invoiceIdSchema,
});

export const INVOICE_SORT_FIELDS = ['createdAt', 'issueDate', 'dueDate', 'total'] as const;

export const invoiceListInput = z
  .strictObject({
    orgId: orgIdSchema,
    ...paginationShape,
    /** One status or several; normalized to an array. */
    status: z
      .union([
        invoiceStatusSchema.transform((status) => [status]),
        z
          .array(invoiceStatusSchema)
          .min(1, 'Give at least one status or leave status out')
          .max(INVOICE_STATUSES.length),
      ])
      .optional(),
    customerId: customerIdSchema.optional(),
    overdue: z.boolean().optional(),
    issueDateFrom: calendarDateSchema.optional(),
    issueDateTo: calendarDateSchema.optional(),
    /** Invoice number (prefix) or customer name (prefix, case-insensitive). */
    search: searchSchema.optional(),
    sort: z.enum(INVOICE_SORT_FIELDS).default('createdAt'),
    direction: sortDirectionSchema.default('desc'),
  })
  .refine(
    (v) =>
      v.issueDateFrom === undefined ||
      v.issueDateTo === undefined ||
      v.issueDateFrom <= v.issueDateTo,
    { message: 'issueDateFrom must not be after issueDateTo', path: ['issueDateTo'] },
  );

/** Names and addresses as printed on the invoice, frozen at issue. */
export const partySnapshotSchema = z.strictObject(storedPartyShape);

/** A computed line: every amount printed on it, in minor units. */
export const invoiceLineSchema = z.strictObject({
  description: storedTextSchema(MAX_LENGTH.lineDescription),
  quantity: quantitySchema,
  unitPrice: amountSchema,
  discount: discountSchema.nullable(),
  taxRates: taxRatesSchema,
  /** quantity × unitPrice, rounded half away from zero to a whole minor unit. */
  amount: amountSchema,
  /** Line discount, in minor units. */
  discountAmount: amountSchema,
  /** Share of the invoice-level discount allocated to this line. */
  invoiceDiscountAmount: amountSchema,
  /** amount − discountAmount − invoiceDiscountAmount: the line's tax base. */
  taxableAmount: amountSchema,
});

export const invoiceSchema = z.strictObject({
  id: invoiceIdSchema,
  orgId: orgIdSchema,
  /** Null while draft; assigned at issue. */
  number: z.string().max(64).nullable(),
  status: invoiceStatusSchema,
  currency: currencyCodeSchema,
  customerId: customerIdSchema,
  /** The customer's details: live while draft, frozen at issue. */
  customer: partySnapshotSchema,
  /** The seller's (organization's) details frozen at issue; null while draft. */
  seller: partySnapshotSchema.nullable(),
  lines: z.array(invoiceLineSchema).max(MAX_INVOICE_LINES),
  discount: discountSchema.nullable(),
  subtotal: amountSchema,
  discountTotal: amountSchema,
  taxes: z.array(taxBreakdownSchema).max(MAX_INVOICE_LINES * 4),
  taxTotal: amountSchema,
  total: amountSchema,
  amountPaid: amountSchema,
  amountCredited: amountSchema,
  amountDue: amountSchema,
  /** Derived: open, amountDue > 0 and dueDate before today in the org's timezone. */
  overdue: z.boolean(),
  issueDate: calendarDateSchema.nullable(),
  dueDate: calendarDateSchema.nullable(),
  roundingRule: roundingRuleSchema,
  notes: storedTextSchema(MAX_LENGTH.notes).nullable(),
  metadata: storedMetadataSchema,
  issuedAt: instantSchema.nullable(),
  paidAt: instantSchema.nullable(),
  voidedAt: instantSchema.nullable(),
  createdAt: instantSchema,
  updatedAt: instantSchema,
});

export const invoiceListOutput = pageSchema(invoiceSchema);

export type InvoiceLineInput = z.input<typeof invoiceLineInput>;
export type InvoiceCreateInput = z.input<typeof invoiceCreateInput>;
export type InvoiceUpdateInput = z.input<typeof invoiceUpdateInput>;
export type InvoiceListInput = z.input<typeof invoiceListInput>;
export type PartySnapshot = z.infer<typeof partySnapshotSchema>;
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;
export type Invoice = z.infer<typeof invoiceSchema>;
