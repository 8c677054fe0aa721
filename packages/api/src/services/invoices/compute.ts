import type { CreditNoteLineDoc, InvoiceLineDoc, TaxLineDoc } from '@invoice/db';
import type { creditNoteLineInput, Discount, invoiceLineInput } from '@invoice/validators';
import type { z } from 'zod';
import { computeDocumentTotals, type DocumentTotals } from '../../domain/money.js';

/** A parsed input line, or a stored draft line being recomputed (its rates already resolved). */
export type InvoiceLineInput = Omit<z.output<typeof invoiceLineInput>, 'discount' | 'taxRates'> & {
  discount?: Discount | null | undefined;
  taxRates?: readonly number[] | undefined;
};
export type CreditNoteLineInput = z.output<typeof creditNoteLineInput>;

export interface InvoiceContent {
  lines: InvoiceLineDoc[];
  discount: Discount | null;
  subtotal: number;
  discountTotal: number;
  taxes: TaxLineDoc[];
  taxTotal: number;
  total: number;
  roundingRule: DocumentTotals['roundingRule'];
}

/**
 * Lines and totals of an invoice as stored and printed. A line without `taxRates` takes the
 * org's default rates (resolved now and stored, so later changes of the defaults never alter a
 * draft's printed taxes silently); `[]` means untaxed.
 */
export function computeInvoiceContent(
  inputLines: readonly InvoiceLineInput[],
  discount: Discount | null | undefined,
  defaultTaxRates: readonly number[],
): InvoiceContent {
  const resolved = inputLines.map((line) => ({
    ...line,
    discount: line.discount ?? null,
    taxRates: [...(line.taxRates ?? defaultTaxRates)],
  }));
  const totals = computeDocumentTotals({ lines: resolved, discount: discount ?? null });
  return {
    lines: resolved.map((line, i) => {
      const computed = totals.lines[i];
      if (!computed) throw new Error('computeDocumentTotals returned fewer lines than given');
      return {
        description: line.description,
        quantity: line.quantity,
        unitPrice: line.unitPrice,
        discount: line.discount,
        taxRates: line.taxRates,
        amount: computed.amount,
        discountAmount: computed.discountAmount,
        invoiceDiscountAmount: computed.invoiceDiscountAmount,
        taxableAmount: computed.taxableAmount,
      };
    }),
    discount: discount ?? null,
    subtotal: totals.subtotal,
    discountTotal: totals.discountTotal,
    taxes: totals.taxes,
    taxTotal: totals.taxTotal,
    total: totals.total,
    roundingRule: totals.roundingRule,
  };
}

export interface CreditNoteContent {
  lines: CreditNoteLineDoc[];
  subtotal: number;
  taxes: TaxLineDoc[];
  taxTotal: number;
  total: number;
  roundingRule: DocumentTotals['roundingRule'];
}

/**
 * A credit note is either computed from lines (same math as an invoice, without discounts) or a
 * single tax-inclusive amount, which then carries no lines and no tax breakdown.
 */
export function computeCreditNoteContent(input: {
  lines?: readonly CreditNoteLineInput[] | undefined;
  amount?: number | undefined;
}): CreditNoteContent {
  if (input.lines === undefined) {
    const amount = input.amount ?? 0;
    return {
      lines: [],
      subtotal: amount,
      taxes: [],
      taxTotal: 0,
      total: amount,
      roundingRule: 'half_away_from_zero_per_tax_rate',
    };
  }
  const lines = input.lines;
  const totals = computeDocumentTotals({ lines: lines.map((l) => ({ ...l, discount: null })) });
  return {
    lines: lines.map((line, i) => ({
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      taxRates: [...line.taxRates],
      amount: totals.lines[i]?.amount ?? 0,
      taxableAmount: totals.lines[i]?.taxableAmount ?? 0,
    })),
    subtotal: totals.subtotal,
    taxes: totals.taxes,
    taxTotal: totals.taxTotal,
    total: totals.total,
    roundingRule: totals.roundingRule,
  };
}
