import type { CustomerDoc, InvoiceDoc } from '@invoice/db';
import type { NumberingInput, Role } from '@invoice/validators';
import { ObjectId } from 'mongodb';
import { expect, vi } from 'vitest';
import type { DocumentSeries } from '../../src/domain/numbering.js';
import type { AuthUser } from '../../src/index.js';
import { pendingTasks, serializePerKey } from '../../src/services/invoices/serialize.js';
import { numberQueueKey } from '../../src/services/org-mutation.js';
import { makeUser, type Harness } from '../harness.js';

export interface OrgFixture {
  orgId: string;
  owner: AuthUser;
  accountant: AuthUser;
  viewer: AuthUser;
  acct: ReturnType<Harness['caller']>;
  view: ReturnType<Harness['caller']>;
}

export interface OrgOptions {
  currency?: 'EUR' | 'USD' | 'JPY' | 'KWD';
  timezone?: string;
  numbering?: NumberingInput;
  paymentTermsDays?: number;
  defaultTaxRates?: number[];
}

/** A member with an active role, written directly (the member router has its own tests). */
export async function addMember(h: Harness, orgId: string, role: Role): Promise<AuthUser> {
  const user = makeUser(role);
  const now = h.clock.now();
  await h.db.collections.memberships.insertOne({
    _id: new ObjectId(),
    orgId: new ObjectId(orgId),
    uid: user.uid,
    email: user.email ?? `${user.uid}@example.test`,
    role,
    status: 'active',
    invitedBy: 'fixture',
    createdAt: now,
    updatedAt: now,
  });
  return user;
}

/** An organization created through the API, with an accountant and a viewer besides the owner. */
export async function setupOrg(h: Harness, options: OrgOptions = {}): Promise<OrgFixture> {
  const owner = makeUser('owner');
  const org = await h.caller(owner).organization.create({
    name: 'Acme Supplies',
    currency: options.currency ?? 'EUR',
    timezone: options.timezone ?? 'Europe/Paris',
    ...(options.numbering ? { numbering: options.numbering } : {}),
  });
  if (options.paymentTermsDays !== undefined || options.defaultTaxRates !== undefined) {
    await h.caller(owner).organization.update({
      orgId: org.id,
      ...(options.paymentTermsDays !== undefined
        ? { paymentTermsDays: options.paymentTermsDays }
        : {}),
      ...(options.defaultTaxRates !== undefined
        ? { defaultTaxRates: options.defaultTaxRates }
        : {}),
    });
  }
  const accountant = await addMember(h, org.id, 'accountant');
  const viewer = await addMember(h, org.id, 'viewer');
  return {
    orgId: org.id,
    owner,
    accountant,
    viewer,
    acct: h.caller(accountant),
    view: h.caller(viewer),
  };
}

/** A customer written directly, so these suites do not depend on the customer router. */
export async function addCustomer(
  h: Harness,
  orgId: string,
  fields: Partial<Omit<CustomerDoc, '_id' | 'orgId'>> = {},
): Promise<string> {
  const now = h.clock.now();
  const name = fields.name ?? 'Globex Corporation';
  const doc: CustomerDoc = {
    _id: new ObjectId(),
    orgId: new ObjectId(orgId),
    name,
    nameLower: name.toLowerCase(),
    email: 'billing@globex.test',
    address: { line1: '1 Main Street', city: 'Springfield', country: 'US' },
    taxId: 'US-123',
    currency: null,
    archivedAt: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
  await h.db.collections.customers.insertOne(doc);
  return doc._id.toHexString();
}

/** 2 × 50.00 at 20 % VAT: subtotal 10000, tax 2000, total 12000. */
export const standardLines = [
  { description: 'Consulting day', quantity: 2, unitPrice: 5000, taxRates: [2000] },
];

export async function createDraft(
  fx: OrgFixture,
  customerId: string,
  extra: { lines?: typeof standardLines; issueDate?: string; dueDate?: string } = {},
) {
  return fx.acct.invoice.create({
    orgId: fx.orgId,
    customerId,
    lines: extra.lines ?? standardLines,
    ...(extra.issueDate ? { issueDate: extra.issueDate } : {}),
    ...(extra.dueDate ? { dueDate: extra.dueDate } : {}),
  });
}

export async function createIssued(fx: OrgFixture, customerId: string) {
  const draft = await createDraft(fx, customerId);
  return fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id });
}

/** Expects a tRPC error with this code; returns its message for further checks. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const actual = (error as { code?: unknown }).code;
    if (actual !== code) {
      throw new Error(`expected ${code}, got ${String(actual)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return (error as Error).message;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/**
 * The invoice as stored, after checking the balance invariant every money change must keep:
 * amountDue = total − amountPaid − amountCredited.
 */
export async function storedInvoice(h: Harness, invoiceId: string): Promise<InvoiceDoc> {
  const doc = await h.db.collections.invoices.findOne({ _id: new ObjectId(invoiceId) });
  if (!doc) throw new Error('invoice vanished');
  expect(doc.amountDue).toBe(doc.total - doc.amountPaid - doc.amountCredited);
  return doc;
}

/**
 * Holds the org's number queue of `series` in this process (as an issue in progress does) until
 * `release`, for tests that must act while a call waits its turn: `waiting` resolves once one
 * call has loaded what it needs and queued behind the hold.
 */
export function holdNumberQueue(h: Harness, orgId: string, series: DocumentSeries) {
  const key = numberQueueKey(new ObjectId(orgId), series);
  let release!: () => void;
  const held = serializePerKey(h.db, key, () => new Promise<void>((r) => (release = r)));
  return {
    waiting: () => vi.waitFor(() => expect(pendingTasks(h.db, key)).toBe(2), { timeout: 10_000 }),
    release: async () => {
      release();
      await held;
    },
  };
}
