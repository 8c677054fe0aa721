import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../harness.js';
import {
  addCustomer,
  createDraft,
  createIssued,
  expectCode,
  setupOrg,
  storedInvoice,
  type OrgFixture,
} from '../invoice/fixtures.js';

describe('credit notes', () => {
  let h: Harness;
  let fx: OrgFixture;
  let customerId: string;

  beforeAll(async () => {
    h = await createHarness('credit-notes');
    fx = await setupOrg(h);
    customerId = await addCustomer(h, fx.orgId);
  });
  afterAll(() => h.close());

  const stored = (invoiceId: string) => storedInvoice(h, invoiceId);

  it('credits by amount or by lines, in its own gapless series, updating the invoice balance', async () => {
    const invoice = await createIssued(fx, customerId); // total 12000
    const byAmount = await fx.acct.creditNote.create({
      orgId: fx.orgId,
      invoiceId: invoice.id,
      amount: 2000,
      reason: 'Late delivery discount',
    });
    expect(byAmount).toMatchObject({
      number: 'CN-2026-00001',
      invoiceId: invoice.id,
      currency: 'EUR',
      lines: [],
      subtotal: 2000,
      taxTotal: 0,
      total: 2000,
      issueDate: '2026-03-15',
    });
    let doc = await stored(invoice.id);
    expect([doc.amountCredited, doc.amountDue, doc.status]).toEqual([2000, 10000, 'open']);

    const byLines = await fx.acct.creditNote.create({
      orgId: fx.orgId,
      invoiceId: invoice.id,
      lines: [
        { description: 'Returned half day', quantity: 0.5, unitPrice: 5000, taxRates: [2000] },
      ],
      reason: 'Returned work',
    });
    expect(byLines).toMatchObject({
      number: 'CN-2026-00002',
      subtotal: 2500,
      taxTotal: 500,
      total: 3000,
    });
    doc = await stored(invoice.id);
    expect([doc.amountCredited, doc.amountDue]).toEqual([5000, 7000]);
    // Invoice numbers are not consumed by credit notes.
    const next = await createIssued(fx, customerId);
    expect(next.number).toBe('INV-2026-00002');
    expect(invoice.number).toBe('INV-2026-00001');

    await expect(
      fx.view.creditNote.byId({ orgId: fx.orgId, creditNoteId: byLines.id }),
    ).resolves.toEqual(byLines);
    const read = await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: invoice.id });
    expect(read).toMatchObject({ amountCredited: 5000, amountDue: 7000, total: 12000 });
  });

  it('never credits more than the amount still creditable (after payments and credits)', async () => {
    const invoice = await createIssued(fx, customerId);
    await fx.acct.payment.record({
      orgId: fx.orgId,
      invoiceId: invoice.id,
      amount: 10000,
      date: '2026-03-15',
      method: 'card',
    });
    const before = await h.db.collections.creditNotes.countDocuments({});
    const counter = await h.db.collections.counters.findOne({ _id: `${fx.orgId}:creditNote` });
    const message = await expectCode(
      fx.acct.creditNote.create({
        orgId: fx.orgId,
        invoiceId: invoice.id,
        amount: 2001,
        reason: 'Too much',
      }),
      'BAD_REQUEST',
    );
    expect(message).toBe('Credit note of 2001 exceeds the amount still creditable 2000');
    expect(await h.db.collections.creditNotes.countDocuments({})).toBe(before);
    // The refused note consumed no number.
    expect(
      (await h.db.collections.counters.findOne({ _id: `${fx.orgId}:creditNote` }))?.value,
    ).toBe(counter?.value);

    // Crediting exactly the rest settles the invoice.
    await fx.acct.creditNote.create({
      orgId: fx.orgId,
      invoiceId: invoice.id,
      amount: 2000,
      reason: 'Goodwill',
    });
    const doc = await stored(invoice.id);
    expect([doc.status, doc.amountPaid, doc.amountCredited, doc.amountDue]).toEqual([
      'paid',
      10000,
      2000,
      0,
    ]);
    await expectCode(
      fx.acct.creditNote.create({ orgId: fx.orgId, invoiceId: invoice.id, amount: 1, reason: 'x' }),
      'PRECONDITION_FAILED',
    );
    const actions = (
      await h.db.collections.auditEvents
        .find({
          orgId: new ObjectId(fx.orgId),
          action: { $in: ['creditNote.create', 'invoice.settle'] },
        })
        .toArray()
    ).map((e) => e.action);
    expect(actions).toContain('creditNote.create');
    expect(actions).toContain('invoice.settle');
  });

  it('refuses drafts and void invoices, bad input, viewers and other orgs', async () => {
    const draft = await createDraft(fx, customerId);
    await expectCode(
      fx.acct.creditNote.create({ orgId: fx.orgId, invoiceId: draft.id, amount: 1, reason: 'x' }),
      'PRECONDITION_FAILED',
    );
    const voided = await createIssued(fx, customerId);
    await fx.acct.invoice.void({ orgId: fx.orgId, invoiceId: voided.id });
    await expectCode(
      fx.acct.creditNote.create({ orgId: fx.orgId, invoiceId: voided.id, amount: 1, reason: 'x' }),
      'PRECONDITION_FAILED',
    );
    const open = await createIssued(fx, customerId);
    await expectCode(
      fx.acct.creditNote.create({
        orgId: fx.orgId,
        invoiceId: open.id,
        amount: 1,
        lines: [{ description: 'both', quantity: 1, unitPrice: 1 }],
        reason: 'x',
      }),
      'BAD_REQUEST',
    );
    await expectCode(
      fx.view.creditNote.create({ orgId: fx.orgId, invoiceId: open.id, amount: 1, reason: 'x' }),
      'FORBIDDEN',
    );
    const other = await setupOrg(h);
    await expectCode(
      other.acct.creditNote.create({
        orgId: other.orgId,
        invoiceId: open.id,
        amount: 1,
        reason: 'x',
      }),
      'NOT_FOUND',
    );
    const note = await fx.acct.creditNote.create({
      orgId: fx.orgId,
      invoiceId: open.id,
      amount: 1,
      reason: 'x',
    });
    await expectCode(
      other.view.creditNote.byId({ orgId: other.orgId, creditNoteId: note.id }),
      'NOT_FOUND',
    );
    await expectCode(
      other.view.creditNote.list({ orgId: other.orgId, invoiceId: open.id }),
      'NOT_FOUND',
    );
  });

  it('keeps the credit-note series gapless under concurrency and lists with pagination', async () => {
    const org = await setupOrg(h, {
      numbering: { creditNotePrefix: 'AV', includeYear: false, padding: 3 },
    });
    const customer = await addCustomer(h, org.orgId);
    const invoices = await Promise.all(
      Array.from({ length: 4 }, () => createIssued(org, customer)),
    );
    const notes = await Promise.all(
      invoices.flatMap((inv) =>
        [1, 2, 3].map(() =>
          org.acct.creditNote.create({
            orgId: org.orgId,
            invoiceId: inv.id,
            amount: 100,
            reason: 'r',
          }),
        ),
      ),
    );
    expect(notes.map((n) => n.number).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `AV${String(i + 1).padStart(3, '0')}`),
    );
    for (const inv of invoices) {
      const doc = await stored(inv.id);
      expect([doc.amountCredited, doc.amountDue]).toEqual([300, 11700]);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof org.view.creditNote.list>> =
        await org.view.creditNote.list({
          orgId: org.orgId,
          limit: 5,
          ...(cursor ? { cursor } : {}),
        });
      seen.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen.sort()).toEqual(notes.map((n) => n.id).sort());
    const forOne = await org.view.creditNote.list({ orgId: org.orgId, invoiceId: invoices[0]!.id });
    expect(forOne.items).toHaveLength(3);
  });
});
