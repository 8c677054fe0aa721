import type { Database } from '@invoice/db';
import type { Logger } from 'pino';
import pino from 'pino';
import { systemClock, createContextInner, type Clock } from '../context.js';
import { addDays, calendarDateInTimeZone } from '../domain/dates.js';
import { appRouter } from '../root.js';
import { createCallerFactory } from '../trpc.js';

/** The demo organization's name: `seedDemo` does nothing when the user already has an org by it. */
export const DEMO_ORG_NAME = 'Northwind Studio (demo)';

export interface SeedDemoOptions {
  db: Database;
  /** The owner of the demo organization: a signed-in user (zero-config) or an operator identity. */
  user: { uid: string; email: string; emailVerified: boolean };
  log?: Logger;
  /** Dates are relative to this clock's today, so "overdue" and "current" stay true over time. */
  clock?: Clock;
}

export interface SeedDemoResult {
  orgId: string;
  /** False when the user already had the demo organization: nothing was written. */
  created: boolean;
  /** How many customers and invoices this call created (0 when `created` is false). */
  customers: number;
  invoices: number;
}

const TIMEZONE = 'Europe/Paris';

const CUSTOMERS = [
  {
    key: 'acme',
    name: 'Acme Robotics SAS',
    email: 'billing@acme-robotics.example',
    address: { line1: '12 Rue des Forges', city: 'Lyon', postalCode: '69002', country: 'FR' },
    taxId: 'FR40123456824',
  },
  {
    key: 'globex',
    name: 'Globex GmbH',
    email: 'ap@globex.example',
    address: { line1: 'Hafenstrasse 3', city: 'Hamburg', postalCode: '20457', country: 'DE' },
    taxId: 'DE123456789',
  },
  {
    key: 'harbor',
    name: 'Blue Harbor Ltd',
    email: 'accounts@blueharbor.example',
    address: { line1: '4 Quay Street', city: 'Bristol', postalCode: 'BS1 4DB', country: 'GB' },
    taxId: 'GB123456789',
    currency: 'GBP',
  },
] as const;

type CustomerKey = (typeof CUSTOMERS)[number]['key'];

interface DemoInvoice {
  key: string;
  customer: CustomerKey;
  /** Days relative to today; a draft keeps no dates (they are set at issue). */
  issuedDaysAgo: number | null;
  termsDays: number;
  lines: { description: string; quantity: number; unitPrice: number; taxRates?: number[] }[];
  discount?: { type: 'percent' | 'amount'; value: number };
  notes?: string;
  /** What happens after issue: nothing, a partial payment (share of the total), or paid in full. */
  payment: 'none' | 'partial' | 'full';
}

/** One of each everyday state: a draft, a current open invoice, an overdue one partly paid, two paid. */
const INVOICES: readonly DemoInvoice[] = [
  {
    key: 'paid-setup',
    customer: 'acme',
    issuedDaysAgo: 62,
    termsDays: 30,
    lines: [
      { description: 'Discovery workshop (2 days)', quantity: 2, unitPrice: 120_000 },
      { description: 'Design system setup', quantity: 1, unitPrice: 250_000 },
    ],
    payment: 'full',
  },
  {
    key: 'overdue-retainer',
    customer: 'globex',
    issuedDaysAgo: 45,
    termsDays: 30,
    lines: [{ description: 'Monthly retainer', quantity: 1, unitPrice: 400_000 }],
    notes: 'Thank you for your business.',
    payment: 'partial',
  },
  {
    key: 'paid-gbp',
    customer: 'harbor',
    issuedDaysAgo: 20,
    termsDays: 14,
    lines: [
      { description: 'Brand refresh', quantity: 1, unitPrice: 180_000 },
      { description: 'Extra revision rounds', quantity: 2.5, unitPrice: 9_500 },
    ],
    discount: { type: 'percent', value: 500 },
    payment: 'full',
  },
  {
    key: 'open-sprint',
    customer: 'acme',
    issuedDaysAgo: 5,
    termsDays: 30,
    lines: [
      { description: 'Development sprint 14', quantity: 10, unitPrice: 65_000 },
      {
        description: 'Hosting (pass-through, untaxed)',
        quantity: 1,
        unitPrice: 4_900,
        taxRates: [],
      },
    ],
    payment: 'none',
  },
  {
    key: 'draft-audit',
    customer: 'globex',
    issuedDaysAgo: null,
    termsDays: 30,
    lines: [{ description: 'Accessibility audit', quantity: 1.5, unitPrice: 90_000 }],
    notes: 'Draft: edit, then issue when the work is accepted.',
    payment: 'none',
  },
];

const createCaller = createCallerFactory(appRouter);

/**
 * Creates a demo organization owned by `user`, with a few customers and invoices in mixed
 * states, through the router itself (same validation, rules and audit as any caller). Idempotent:
 * when the user already has an org named {@link DEMO_ORG_NAME}, nothing is written. Every write
 * also carries an idempotency key, so two concurrent first runs converge on one organization.
 */
export async function seedDemo(options: SeedDemoOptions): Promise<SeedDemoResult> {
  const clock = options.clock ?? systemClock;
  const caller = createCaller(
    createContextInner({
      db: options.db,
      log: options.log ?? pino({ level: 'silent' }),
      user: options.user,
      clock,
      requestId: 'demo-seed',
    }),
  );
  const key = (step: string) => `demo-seed:${step}`;

  const existing = (await caller.organization.list()).find((org) => org.name === DEMO_ORG_NAME);
  if (existing) return { orgId: existing.id, created: false, customers: 0, invoices: 0 };

  const org = await caller.organization.create({
    name: DEMO_ORG_NAME,
    currency: 'EUR',
    timezone: TIMEZONE,
    numbering: { prefix: 'NW-', creditNotePrefix: 'NWC-' },
    idempotencyKey: key('org'),
  });
  const orgId = org.id;
  await caller.organization.update({
    orgId,
    address: { line1: '8 Rue du Faubourg', city: 'Paris', postalCode: '75010', country: 'FR' },
    taxId: 'FR32123456789',
    paymentTermsDays: 30,
    defaultTaxRates: [2000],
    idempotencyKey: key('org-settings'),
  });

  const customerIds = new Map<CustomerKey, string>();
  for (const { key: customerKey, ...customer } of CUSTOMERS) {
    const created = await caller.customer.create({
      orgId,
      ...customer,
      address: { ...customer.address },
      idempotencyKey: key(`customer:${customerKey}`),
    });
    customerIds.set(customerKey, created.id);
  }

  const today = calendarDateInTimeZone(clock.now(), TIMEZONE);
  for (const invoice of INVOICES) {
    const issueDate =
      invoice.issuedDaysAgo === null ? undefined : addDays(today, -invoice.issuedDaysAgo);
    const draft = await caller.invoice.create({
      orgId,
      customerId: customerIds.get(invoice.customer) ?? '',
      ...(issueDate === undefined
        ? {}
        : { issueDate, dueDate: addDays(issueDate, invoice.termsDays) }),
      lines: invoice.lines,
      ...(invoice.discount ? { discount: invoice.discount } : {}),
      ...(invoice.notes ? { notes: invoice.notes } : {}),
      metadata: { demo: 'true' },
      idempotencyKey: key(`invoice:${invoice.key}`),
    });
    if (issueDate === undefined) continue;
    const issued = await caller.invoice.issue({
      orgId,
      invoiceId: draft.id,
      idempotencyKey: key(`issue:${invoice.key}`),
    });
    if (invoice.payment === 'none') continue;
    await caller.payment.record({
      orgId,
      invoiceId: issued.id,
      amount: invoice.payment === 'full' ? issued.amountDue : Math.floor(issued.amountDue / 2),
      // Paid a couple of days before the due date (never before the issue date).
      date: addDays(issueDate, Math.max(0, invoice.termsDays - 2)),
      method: 'bank_transfer',
      reference: `Demo transfer ${issued.number ?? ''}`.trim(),
      idempotencyKey: key(`payment:${invoice.key}`),
    });
  }

  return { orgId, created: true, customers: CUSTOMERS.length, invoices: INVOICES.length };
}
