import type {
  AttachmentDoc,
  CreditNoteDoc,
  CustomerDoc,
  InvoiceDoc,
  PaymentDoc,
} from '@invoice/db';
import { ROLES, type InvoiceStatus, type Role } from '@invoice/validators';
import { ObjectId } from 'mongodb';
import type { AuthUser } from '../../src/index.js';
import { makeUser, type Harness } from '../harness.js';

/** An organization with one signed-in member per role, created through the procedures. */
export interface SeededOrg {
  orgId: string;
  oid: ObjectId;
  users: Record<Role, AuthUser>;
}

export async function seedOrg(
  h: Harness,
  options: { name?: string; currency?: string; timezone?: string } = {},
): Promise<SeededOrg> {
  const owner = makeUser('owner');
  const org = await h.caller(owner).organization.create({
    name: options.name ?? 'Acme',
    currency: (options.currency ?? 'EUR') as 'EUR',
    timezone: options.timezone ?? 'Europe/Paris',
  });
  const users = { owner } as Record<Role, AuthUser>;
  for (const role of ROLES) {
    if (role === 'owner') continue;
    const user = makeUser(role);
    await h.caller(owner).member.add({ orgId: org.id, email: user.email ?? '', role });
    // The invite binds on the member's first request (verified email).
    await h.caller(user).organization.list();
    users[role] = user;
  }
  return { orgId: org.id, oid: new ObjectId(org.id), users };
}

export async function insertCustomer(
  h: Harness,
  org: SeededOrg,
  overrides: Partial<CustomerDoc> = {},
): Promise<CustomerDoc> {
  const now = h.clock.now();
  const name = overrides.name ?? 'Customer';
  const doc: CustomerDoc = {
    _id: new ObjectId(),
    orgId: org.oid,
    name,
    nameLower: name.toLowerCase(),
    email: null,
    address: null,
    taxId: null,
    currency: null,
    archivedAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await h.db.collections.customers.insertOne(doc);
  return doc;
}

export interface InvoiceFacts {
  customer: CustomerDoc;
  status?: InvoiceStatus;
  currency?: string;
  total?: number;
  amountPaid?: number;
  amountCredited?: number;
  issueDate?: string | null;
  dueDate?: string | null;
  number?: string | null;
}

/**
 * An invoice document written straight to the collection, with consistent totals (one
 * untaxed line), for suites that need stored invoices in given states without depending on
 * the invoice procedures.
 */
export async function insertInvoice(
  h: Harness,
  org: SeededOrg,
  facts: InvoiceFacts,
): Promise<InvoiceDoc> {
  const now = h.clock.now();
  const status = facts.status ?? 'draft';
  const total = facts.total ?? 10_000;
  const amountPaid = facts.amountPaid ?? 0;
  const amountCredited = facts.amountCredited ?? 0;
  const issued = status !== 'draft';
  const snapshot = {
    name: facts.customer.name,
    email: facts.customer.email,
    address: facts.customer.address,
    taxId: facts.customer.taxId,
  };
  const doc: InvoiceDoc = {
    _id: new ObjectId(),
    orgId: org.oid,
    customerId: facts.customer._id,
    customerName: facts.customer.name,
    customerNameLower: facts.customer.nameLower,
    status,
    number: facts.number ?? (issued ? `T-${new ObjectId().toHexString()}` : null),
    sequence: null,
    currency: facts.currency ?? 'EUR',
    issueDate: facts.issueDate ?? (issued ? '2026-03-01' : null),
    dueDate: facts.dueDate ?? (issued ? '2026-03-31' : null),
    lines: [
      {
        description: 'Work',
        quantity: 1,
        unitPrice: total,
        discount: null,
        taxRates: [],
        amount: total,
        discountAmount: 0,
        invoiceDiscountAmount: 0,
        taxableAmount: total,
      },
    ],
    discount: null,
    subtotal: total,
    discountTotal: 0,
    taxTotal: 0,
    taxes: [],
    total,
    amountPaid,
    amountCredited,
    amountDue: total - amountPaid - amountCredited,
    roundingRule: 'half_away_from_zero_per_tax_rate',
    notes: null,
    metadata: {},
    customerSnapshot: issued ? snapshot : null,
    sellerSnapshot: issued ? { name: 'Seller', email: null, address: null, taxId: null } : null,
    issuedAt: issued ? now : null,
    voidedAt: status === 'void' ? now : null,
    voidReason: null,
    paidAt: status === 'paid' ? now : null,
    createdBy: org.users.owner.uid,
    createdAt: now,
    updatedAt: now,
  };
  await h.db.collections.invoices.insertOne(doc);
  return doc;
}

export async function insertPayment(
  h: Harness,
  org: SeededOrg,
  invoice: InvoiceDoc,
  amount: number,
): Promise<PaymentDoc> {
  const now = h.clock.now();
  const doc: PaymentDoc = {
    _id: new ObjectId(),
    orgId: org.oid,
    invoiceId: invoice._id,
    amount,
    currency: invoice.currency,
    date: invoice.issueDate ?? '2026-03-01',
    method: 'bank_transfer',
    reference: null,
    status: 'recorded',
    voidedAt: null,
    voidReason: null,
    createdBy: org.users.owner.uid,
    createdAt: now,
    updatedAt: now,
  };
  await h.db.collections.payments.insertOne(doc);
  return doc;
}

export async function insertCreditNote(
  h: Harness,
  org: SeededOrg,
  invoice: InvoiceDoc,
  total: number,
): Promise<CreditNoteDoc> {
  const now = h.clock.now();
  const doc: CreditNoteDoc = {
    _id: new ObjectId(),
    orgId: org.oid,
    invoiceId: invoice._id,
    number: `CN-${new ObjectId().toHexString()}`,
    sequence: 1,
    currency: invoice.currency,
    issueDate: invoice.issueDate ?? '2026-03-01',
    reason: 'Refund',
    lines: [],
    subtotal: total,
    taxTotal: 0,
    taxes: [],
    total,
    roundingRule: 'half_away_from_zero_per_tax_rate',
    createdBy: org.users.owner.uid,
    createdAt: now,
    updatedAt: now,
  };
  await h.db.collections.creditNotes.insertOne(doc);
  return doc;
}

export async function insertAttachment(
  h: Harness,
  org: SeededOrg,
  invoice: InvoiceDoc,
  overrides: Partial<AttachmentDoc> = {},
): Promise<AttachmentDoc> {
  const now = h.clock.now();
  const id = new ObjectId();
  const doc: AttachmentDoc = {
    _id: id,
    orgId: org.oid,
    invoiceId: invoice._id,
    filename: 'receipt.pdf',
    contentType: 'application/pdf',
    size: 1234,
    sha256: 'a'.repeat(64),
    storageKey: `${org.orgId}/${id.toHexString()}`,
    uploadedBy: org.users.accountant.uid,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  await h.db.collections.attachments.insertOne(doc);
  return doc;
}
