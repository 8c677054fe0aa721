import { ObjectId } from 'mongodb';
import type { Harness } from '../harness.js';
import {
  insertAttachment,
  insertCreditNote,
  insertCustomer,
  insertInvoice,
  insertPayment,
  type SeededOrg,
} from './fixtures.js';

/**
 * A valid input for each procedure, built on fresh documents of `org` (a new draft for every
 * `invoice.issue`, a new payment for every `payment.void`…), so each call can succeed on its
 * own whatever ran before. `undefined` means the procedure takes no input. Procedures missing
 * here still get `{ orgId }` from `sampleInput`, enough for the role and tenancy checks.
 */
export type SampleBuilder = (h: Harness, org: SeededOrg) => Promise<Record<string, unknown>>;

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}${new ObjectId().toHexString().slice(-6)}`;

async function draft(h: Harness, org: SeededOrg) {
  return insertInvoice(h, org, { customer: await insertCustomer(h, org) });
}

async function open(h: Harness, org: SeededOrg) {
  return insertInvoice(h, org, { customer: await insertCustomer(h, org), status: 'open' });
}

async function pendingInvite(h: Harness, org: SeededOrg): Promise<string> {
  const email = `${unique('invitee')}@example.test`;
  const now = h.clock.now();
  await h.db.collections.memberships.insertOne({
    _id: new ObjectId(),
    orgId: org.oid,
    uid: null,
    email,
    role: 'viewer',
    status: 'pending',
    invitedBy: org.users.owner.uid,
    createdAt: now,
    updatedAt: now,
  });
  return email;
}

export const SAMPLES: Record<string, SampleBuilder> = {
  'organization.create': () =>
    Promise.resolve({
      name: unique('Org '),
      currency: 'EUR',
      timezone: 'Europe/Paris',
      numbering: { prefix: 'F-', creditNotePrefix: 'AV-', padding: 4 },
      idempotencyKey: unique('org-create-'),
    }),
  'organization.byId': (_h, org) => Promise.resolve({ orgId: org.orgId }),
  'organization.update': (_h, org) =>
    Promise.resolve({
      orgId: org.orgId,
      paymentTermsDays: 30,
      address: { line1: '1 Rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' },
      taxId: 'FR123456789',
      defaultTaxRates: [2000],
    }),
  'member.list': (_h, org) => Promise.resolve({ orgId: org.orgId }),
  'member.add': (_h, org) =>
    Promise.resolve({ orgId: org.orgId, email: `${unique('new')}@example.test`, role: 'viewer' }),
  'member.updateRole': async (h, org) => ({
    orgId: org.orgId,
    email: await pendingInvite(h, org),
    role: 'accountant',
  }),
  'member.remove': async (h, org) => ({ orgId: org.orgId, email: await pendingInvite(h, org) }),
  'customer.create': (_h, org) =>
    Promise.resolve({
      orgId: org.orgId,
      name: unique('Customer '),
      email: 'billing@customer.example',
      address: {
        line1: '2 High St',
        line2: 'Unit 4',
        city: 'Leeds',
        region: 'West Yorkshire',
        country: 'GB',
      },
      taxId: 'GB 123 456 789',
      currency: 'EUR',
      idempotencyKey: unique('cust-'),
    }),
  'customer.update': async (h, org) => ({
    orgId: org.orgId,
    customerId: (await insertCustomer(h, org))._id.toHexString(),
    name: 'Renamed',
  }),
  'customer.byId': async (h, org) => ({
    orgId: org.orgId,
    customerId: (await insertCustomer(h, org))._id.toHexString(),
  }),
  'customer.list': (_h, org) => Promise.resolve({ orgId: org.orgId, limit: 5 }),
  'customer.archive': async (h, org) => ({
    orgId: org.orgId,
    customerId: (await insertCustomer(h, org))._id.toHexString(),
  }),
  'invoice.create': async (h, org) => ({
    orgId: org.orgId,
    customerId: (await insertCustomer(h, org))._id.toHexString(),
    currency: 'EUR',
    issueDate: '2026-03-01',
    dueDate: '2026-03-31',
    lines: [
      {
        description: 'Consulting',
        quantity: 1.5,
        unitPrice: 10_000,
        discount: { type: 'percent', value: 1000 },
        taxRates: [2000],
      },
    ],
    discount: { type: 'amount', value: 100 },
    notes: 'Thank you',
    metadata: { project: 'apollo' },
    idempotencyKey: unique('inv-'),
  }),
  'invoice.update': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await draft(h, org))._id.toHexString(),
    notes: 'Updated',
  }),
  'invoice.deleteDraft': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await draft(h, org))._id.toHexString(),
  }),
  'invoice.issue': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await draft(h, org))._id.toHexString(),
  }),
  'invoice.void': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await open(h, org))._id.toHexString(),
  }),
  'invoice.markUncollectible': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await open(h, org))._id.toHexString(),
  }),
  'invoice.byId': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await open(h, org))._id.toHexString(),
  }),
  'invoice.list': (_h, org) => Promise.resolve({ orgId: org.orgId, limit: 5 }),
  'payment.record': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await open(h, org))._id.toHexString(),
    amount: 1_000,
    date: '2026-03-15',
    method: 'bank_transfer',
    reference: 'TX-42',
  }),
  'payment.void': async (h, org) => {
    const invoice = await insertInvoice(h, org, {
      customer: await insertCustomer(h, org),
      status: 'open',
      amountPaid: 1_000,
    });
    const payment = await insertPayment(h, org, invoice, 1_000);
    return { orgId: org.orgId, paymentId: payment._id.toHexString() };
  },
  'payment.list': (_h, org) => Promise.resolve({ orgId: org.orgId, limit: 5 }),
  'creditNote.create': async (h, org) => ({
    orgId: org.orgId,
    invoiceId: (await open(h, org))._id.toHexString(),
    amount: 500,
    reason: 'Goodwill',
  }),
  'creditNote.byId': async (h, org) => {
    const invoice = await insertInvoice(h, org, {
      customer: await insertCustomer(h, org),
      status: 'open',
      amountCredited: 500,
    });
    const note = await insertCreditNote(h, org, invoice, 500);
    return { orgId: org.orgId, creditNoteId: note._id.toHexString() };
  },
  'creditNote.list': (_h, org) => Promise.resolve({ orgId: org.orgId, limit: 5 }),
  'attachment.list': async (h, org) => {
    const invoice = await open(h, org);
    await insertAttachment(h, org, invoice);
    return { orgId: org.orgId, invoiceId: invoice._id.toHexString() };
  },
  'attachment.delete': async (h, org) => ({
    orgId: org.orgId,
    attachmentId: (await insertAttachment(h, org, await open(h, org)))._id.toHexString(),
  }),
  'report.summary': (_h, org) => Promise.resolve({ orgId: org.orgId }),
  'audit.list': (_h, org) => Promise.resolve({ orgId: org.orgId, limit: 5 }),
};

/** Procedures that take no input at all. */
export const NO_INPUT = new Set(['system.ping', 'organization.list']);

export async function sampleInput(
  h: Harness,
  org: SeededOrg,
  path: string,
): Promise<Record<string, unknown> | undefined> {
  if (NO_INPUT.has(path)) return undefined;
  const build = SAMPLES[path];
  return build ? build(h, org) : { orgId: org.orgId };
}
