import { INVOICE_STATUSES, type InvoiceStatus } from '@invoice/validators';
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import {
  assertAcceptsMoney,
  assertDraft,
  assertPaymentVoidable,
  canTransition,
  statusAfterBalanceChange,
  transition,
  type InvoiceEvent,
} from './lifecycle.js';

const EVENTS: InvoiceEvent[] = ['issue', 'void', 'markUncollectible', 'settle', 'reopen'];

/** The diagram of DOMAIN.md, written out: every pair not listed is illegal. */
const LEGAL: Record<string, InvoiceStatus> = {
  'draft/issue': 'open',
  'open/void': 'void',
  'uncollectible/void': 'void',
  'open/markUncollectible': 'uncollectible',
  'open/settle': 'paid',
  'uncollectible/settle': 'paid',
  'paid/reopen': 'open',
};

const pairs = INVOICE_STATUSES.flatMap((status) => EVENTS.map((event) => [status, event] as const));

describe('transition', () => {
  it.each(pairs)('%s + %s', (status, event) => {
    const expected = LEGAL[`${status}/${event}`];
    expect(canTransition(status, event)).toBe(expected !== undefined);
    if (expected !== undefined) {
      expect(transition(status, event)).toBe(expected);
      return;
    }
    let caught: unknown;
    try {
      transition(status, event);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: `Cannot ${event} an invoice that is ${status}`,
      details: { status, event },
    });
  });

  it('keeps paid and void final apart from reopening after a voided payment', () => {
    for (const event of EVENTS) {
      expect(canTransition('void', event)).toBe(false);
      expect(canTransition('paid', event)).toBe(event === 'reopen');
    }
  });
});

describe('statusAfterBalanceChange', () => {
  it.each<[InvoiceStatus, number, InvoiceStatus]>([
    ['open', 0, 'paid'],
    ['open', 1, 'open'],
    ['uncollectible', 0, 'paid'],
    ['uncollectible', 5, 'uncollectible'],
    ['paid', 0, 'paid'],
    ['paid', 10, 'open'],
  ])('%s with amountDue %i → %s', (status, amountDue, expected) => {
    expect(statusAfterBalanceChange(status, amountDue)).toBe(expected);
  });

  it.each<[InvoiceStatus]>([['draft'], ['void']])('refuses a balance change on %s', (status) => {
    expect(() => statusAfterBalanceChange(status, 0)).toThrow(/has no balance to change/);
  });
});

describe('guards', () => {
  it.each(INVOICE_STATUSES)('assertDraft(%s)', (status) => {
    if (status === 'draft') expect(() => assertDraft(status, 'edit')).not.toThrow();
    else
      expect(() => assertDraft(status, 'edit')).toThrow(
        `Cannot edit: the invoice is ${status}, only drafts change`,
      );
  });

  it.each(INVOICE_STATUSES)('assertAcceptsMoney(%s)', (status) => {
    const accepts = status === 'open' || status === 'uncollectible';
    if (accepts) expect(() => assertAcceptsMoney(status, 'record a payment')).not.toThrow();
    else expect(() => assertAcceptsMoney(status, 'record a payment')).toThrow(DomainError);
  });

  it.each(INVOICE_STATUSES)('assertPaymentVoidable(%s)', (status) => {
    const voidable = status === 'open' || status === 'uncollectible' || status === 'paid';
    if (voidable) expect(() => assertPaymentVoidable(status)).not.toThrow();
    else expect(() => assertPaymentVoidable(status)).toThrow(DomainError);
  });
});
