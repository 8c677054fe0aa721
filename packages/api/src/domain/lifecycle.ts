import type { InvoiceStatus } from '@invoice/validators';
import { preconditionFailed } from './errors.js';

/**
 * The invoice state machine of DOMAIN.md:
 *
 *   draft ─issue→ open ─settle→ paid ─reopen→ open
 *   open ─markUncollectible→ uncollectible ─settle→ paid
 *   open | uncollectible ─void→ void
 *
 * `settle` happens when amountDue reaches 0 (payment or credit note), `reopen` when a voided
 * payment makes a paid invoice owe money again. Void is final; paid is final except for the
 * correction of a voided payment.
 */
export type InvoiceEvent = 'issue' | 'void' | 'markUncollectible' | 'settle' | 'reopen';

const TRANSITIONS: Readonly<Record<InvoiceEvent, Partial<Record<InvoiceStatus, InvoiceStatus>>>> = {
  issue: { draft: 'open' },
  void: { open: 'void', uncollectible: 'void' },
  markUncollectible: { open: 'uncollectible' },
  settle: { open: 'paid', uncollectible: 'paid' },
  reopen: { paid: 'open' },
};

/** The next status, or PRECONDITION_FAILED naming the current status. */
export function transition(status: InvoiceStatus, event: InvoiceEvent): InvoiceStatus {
  const next = TRANSITIONS[event][status];
  if (next === undefined) {
    throw preconditionFailed(`Cannot ${event} an invoice that is ${status}`, { status, event });
  }
  return next;
}

export function canTransition(status: InvoiceStatus, event: InvoiceEvent): boolean {
  return TRANSITIONS[event][status] !== undefined;
}

/**
 * Status after amountDue changed (issue, payment recorded or voided, credit note): reaching 0
 * settles an open or uncollectible invoice; owing again reopens a paid one; a partial payment
 * leaves open and uncollectible as they are.
 */
export function statusAfterBalanceChange(status: InvoiceStatus, amountDue: number): InvoiceStatus {
  if (status === 'draft' || status === 'void') {
    throw preconditionFailed(`An invoice that is ${status} has no balance to change`, { status });
  }
  if (amountDue === 0 && (status === 'open' || status === 'uncollectible')) {
    return transition(status, 'settle');
  }
  if (amountDue > 0 && status === 'paid') return transition(status, 'reopen');
  return status;
}

/** Drafts only: edit and delete. Issued invoices are frozen. */
export function assertDraft(status: InvoiceStatus, action: string): void {
  if (status !== 'draft') {
    throw preconditionFailed(`Cannot ${action}: the invoice is ${status}, only drafts change`, {
      status,
    });
  }
}

/** Payments and credit notes apply to invoices that still owe money. */
export function assertAcceptsMoney(status: InvoiceStatus, action: string): void {
  if (status !== 'open' && status !== 'uncollectible') {
    throw preconditionFailed(
      `Cannot ${action}: the invoice is ${status}, only open or uncollectible invoices accept it`,
      { status },
    );
  }
}

/** A payment can be voided while its invoice is open, uncollectible or paid, not once void. */
export function assertPaymentVoidable(status: InvoiceStatus): void {
  if (status !== 'open' && status !== 'uncollectible' && status !== 'paid') {
    throw preconditionFailed(`Cannot void a payment of an invoice that is ${status}`, { status });
  }
}
