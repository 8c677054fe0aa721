import { createCaller, createContextInner } from '@invoice/api';
import type { CustomerDoc, Database, InvoiceDoc } from '@invoice/db';
import { ObjectId } from 'mongodb';
import pino from 'pino';

export interface SeedUser {
  uid: string;
  email: string;
}

export interface Seeded {
  orgId: string;
  customerIds: string[];
  /** Issued (open) invoices: targets of invoice.byId and of the raw MongoDB baseline. */
  openIds: string[];
  /** Drafts nobody touched: invoice.issue takes them one by one. */
  draftIds: string[];
  /** Every page cursor of invoice.list at 50 per page (the first page has none). */
  listCursors: (string | null)[];
  invoiceCount: number;
}

const CUSTOMERS = 20;
const DAY_MS = 86_400_000;
const BATCH = 1_000;
export const LIST_PAGE_SIZE = 50;

/**
 * One organization owned by the bench user, with `invoiceCount` invoices. Everything whose
 * shape carries business rules goes through the router (organization, customers, and per customer
 * one draft and one issued invoice: numbering, totals, snapshots, audit); the bulk is cloned
 * from those templates with fresh ids, dates, gapless numbers and the counter advanced to match,
 * so every document is one the router could have written. 40% stay drafts for invoice.issue.
 */
export async function seed(
  db: Database,
  user: SeedUser,
  invoiceCount: number,
  progress: (line: string) => void = () => undefined,
): Promise<Seeded> {
  const started = performance.now();
  const step = (what: string) =>
    progress(`  ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const caller = createCaller(
    createContextInner({
      db,
      log: pino({ level: 'silent' }),
      user: { uid: user.uid, email: user.email, emailVerified: true },
    }),
  );
  const org = await caller.organization.create({
    name: 'Bench Org',
    currency: 'EUR',
    timezone: 'UTC',
    numbering: { prefix: 'BENCH-', includeYear: false, padding: 6 },
  });
  await caller.organization.update({ orgId: org.id, defaultTaxRates: [2_000] });
  const orgId = new ObjectId(org.id);
  const drafts: InvoiceDoc[] = [];
  const issued: InvoiceDoc[] = [];
  const customers: CustomerDoc[] = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const customer = await caller.customer.create({
      orgId: org.id,
      name: `Customer ${String(c).padStart(2, '0')} GmbH`,
      email: `billing${c}@customer.example`,
    });
    const lines = [
      { description: 'Consulting', quantity: 1 + (c % 5), unitPrice: 12_500 + c * 100 },
      { description: 'Travel', quantity: 1, unitPrice: 4_200 },
    ];
    const draft = await caller.invoice.create({ orgId: org.id, customerId: customer.id, lines });
    const toIssue = await caller.invoice.create({ orgId: org.id, customerId: customer.id, lines });
    await caller.invoice.issue({ orgId: org.id, invoiceId: toIssue.id });
    const [draftDoc, issuedDoc, customerDoc] = await Promise.all([
      db.collections.invoices.findOne({ _id: new ObjectId(draft.id), orgId }),
      db.collections.invoices.findOne({ _id: new ObjectId(toIssue.id), orgId }),
      db.collections.customers.findOne({ _id: new ObjectId(customer.id), orgId }),
    ]);
    if (!draftDoc || !issuedDoc || !customerDoc) throw new Error('seed templates not found');
    drafts.push(draftDoc);
    issued.push(issuedDoc);
    customers.push(customerDoc);
  }

  step(
    `organization, ${CUSTOMERS} customers and ${drafts.length + issued.length} invoices through the router`,
  );
  const templates = drafts.length + issued.length;
  const clones = Math.max(0, invoiceCount - templates);
  const cloneDrafts = Math.round(clones * 0.4);
  let sequence = issued.length;
  const start = Date.UTC(2025, 0, 1);
  const docs: InvoiceDoc[] = [];
  for (let i = 0; i < clones; i++) {
    const c = i % CUSTOMERS;
    const created = new Date(start + i * 60_000);
    const issueDay = new Date(start + (i % 690) * DAY_MS);
    const issueDate = issueDay.toISOString().slice(0, 10);
    const dueDate = new Date(issueDay.getTime() + 30 * DAY_MS).toISOString().slice(0, 10);
    if (i < cloneDrafts) {
      const template = drafts[c] as InvoiceDoc;
      docs.push({ ...template, _id: new ObjectId(), createdAt: created, updatedAt: created });
    } else {
      const template = issued[c] as InvoiceDoc;
      sequence += 1;
      docs.push({
        ...template,
        _id: new ObjectId(),
        number: `BENCH-${String(sequence).padStart(6, '0')}`,
        sequence,
        issueDate,
        dueDate,
        issuedAt: created,
        createdAt: created,
        updatedAt: created,
      });
    }
  }
  for (let i = 0; i < docs.length; i += BATCH) {
    await db.collections.invoices.insertMany(docs.slice(i, i + BATCH), { ordered: false });
  }
  // The numbers above were taken outside the router: move the series on so issue continues at +1.
  const counter = await db.collections.counters.updateOne(
    { orgId, series: 'invoice' },
    { $set: { value: sequence } },
  );
  if (counter.matchedCount !== 1) throw new Error('invoice counter not found');

  step(`${docs.length} invoices cloned and inserted`);
  const listCursors: (string | null)[] = [null];
  for (;;) {
    const page = await caller.invoice.list({
      orgId: org.id,
      limit: LIST_PAGE_SIZE,
      cursor: listCursors.at(-1) ?? undefined,
    });
    if (page.nextCursor === null) break;
    listCursors.push(page.nextCursor);
  }

  step(`${listCursors.length} invoice.list page cursors walked`);
  const isDraft = (d: InvoiceDoc) => d.status === 'draft';
  const all = [...drafts, ...issued, ...docs];
  return {
    orgId: org.id,
    customerIds: customers.map((c) => c._id.toHexString()),
    openIds: all.filter((d) => !isDraft(d)).map((d) => d._id.toHexString()),
    draftIds: all.filter(isDraft).map((d) => d._id.toHexString()),
    listCursors,
    invoiceCount: await db.collections.invoices.countDocuments({ orgId }),
  };
}
