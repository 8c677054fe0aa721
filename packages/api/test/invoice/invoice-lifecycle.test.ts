import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../harness.js';
import {
  addCustomer,
  createDraft,
  createIssued,
  expectCode,
  setupOrg,
  standardLines,
  type OrgFixture,
} from './fixtures.js';

describe('invoice lifecycle', () => {
  let h: Harness;
  let fx: OrgFixture;
  let customerId: string;

  beforeAll(async () => {
    h = await createHarness('invoice-lifecycle');
    fx = await setupOrg(h, { defaultTaxRates: [1000] });
    customerId = await addCustomer(h, fx.orgId);
  });
  afterAll(() => h.close());

  async function auditActions(invoiceId: string): Promise<string[]> {
    const events = await h.db.collections.auditEvents
      .find({ 'entity.type': 'invoice', 'entity.id': new ObjectId(invoiceId) })
      .sort({ at: 1, _id: 1 })
      .toArray();
    return events.map((e) => e.action);
  }

  it('creates a draft with computed totals, no number and the live customer', async () => {
    h.clock.set('2026-03-15T10:00:00Z');
    const draft = await createDraft(fx, customerId);
    expect(draft).toMatchObject({
      status: 'draft',
      number: null,
      currency: 'EUR',
      customerId,
      subtotal: 10000,
      discountTotal: 0,
      taxTotal: 2000,
      total: 12000,
      amountPaid: 0,
      amountCredited: 0,
      amountDue: 12000,
      overdue: false,
      issueDate: null,
      dueDate: null,
      seller: null,
      roundingRule: 'half_away_from_zero_per_tax_rate',
    });
    expect(draft.customer.name).toBe('Globex Corporation');
    expect(draft.lines[0]).toMatchObject({ amount: 10000, taxableAmount: 10000, taxRates: [2000] });
    expect(await auditActions(draft.id)).toEqual(['invoice.create']);
    const stored = await h.db.collections.invoices.findOne({ _id: new ObjectId(draft.id) });
    expect(stored?.orgId.toHexString()).toBe(fx.orgId);
  });

  it("applies the org's default tax rates to lines without rates, and [] means untaxed", async () => {
    const draft = await fx.acct.invoice.create({
      orgId: fx.orgId,
      customerId,
      lines: [
        { description: 'Default rate', quantity: 1.5, unitPrice: 1001 },
        { description: 'Untaxed', quantity: 1, unitPrice: 500, taxRates: [] },
      ],
      discount: { type: 'percent', value: 1000 },
    });
    // 1.5 × 10.01 = 15.015 → 1502 (half away from zero); nets 1502 + 500 = 2002; 10 % off = 200.
    expect(draft.lines.map((l) => [l.amount, l.invoiceDiscountAmount, l.taxRates])).toEqual([
      [1502, 150, [1000]],
      [500, 50, []],
    ]);
    expect(draft.subtotal - draft.discountTotal + draft.taxTotal).toBe(draft.total);
    expect(draft.taxTotal).toBe(135); // 10 % of 1352, rounded once
  });

  it('takes the currency from the input, else the customer, else the org', async () => {
    const usdCustomer = await addCustomer(h, fx.orgId, { name: 'Dollar Inc', currency: 'USD' });
    const fromCustomer = await createDraft(fx, usdCustomer);
    expect(fromCustomer.currency).toBe('USD');
    const fromInput = await fx.acct.invoice.create({
      orgId: fx.orgId,
      customerId: usdCustomer,
      currency: 'JPY',
      lines: standardLines,
    });
    expect(fromInput.currency).toBe('JPY');
  });

  it('refuses unknown, foreign and archived customers', async () => {
    await expectCode(createDraft(fx, new ObjectId().toHexString()), 'NOT_FOUND');
    const other = await setupOrg(h);
    const foreign = await addCustomer(h, other.orgId);
    await expectCode(createDraft(fx, foreign), 'NOT_FOUND');
    const archived = await addCustomer(h, fx.orgId, { archivedAt: h.clock.now() });
    const message = await expectCode(createDraft(fx, archived), 'PRECONDITION_FAILED');
    // No procedure restores a customer (DOMAIN.md): the message must not suggest one.
    expect(message).toBe(
      'The customer is archived; pick another customer (archived customers take no new invoices)',
    );
  });

  it('lets viewers read but not write', async () => {
    const draft = await createDraft(fx, customerId);
    await expect(fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: draft.id })).resolves.toEqual(
      draft,
    );
    await expectCode(
      fx.view.invoice.create({ orgId: fx.orgId, customerId, lines: standardLines }),
      'FORBIDDEN',
    );
    await expectCode(fx.view.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id }), 'FORBIDDEN');
  });

  it('updates a draft and recomputes totals; deletes a draft', async () => {
    const draft = await createDraft(fx, customerId);
    const updated = await fx.acct.invoice.update({
      orgId: fx.orgId,
      invoiceId: draft.id,
      lines: [{ description: 'Two days', quantity: 3, unitPrice: 5000, taxRates: [2000] }],
      notes: 'Thanks',
      dueDate: '2026-04-30',
    });
    expect(updated).toMatchObject({ total: 18000, amountDue: 18000, notes: 'Thanks' });
    expect(updated.dueDate).toBe('2026-04-30');
    const cleared = await fx.acct.invoice.update({
      orgId: fx.orgId,
      invoiceId: draft.id,
      notes: null,
      discount: { type: 'amount', value: 1000 },
    });
    expect(cleared).toMatchObject({ notes: null, discountTotal: 1000, total: 16800 });
    await expectCode(
      fx.acct.invoice.update({ orgId: fx.orgId, invoiceId: draft.id, issueDate: '2026-05-01' }),
      'BAD_REQUEST',
    );

    await expect(
      fx.acct.invoice.deleteDraft({ orgId: fx.orgId, invoiceId: draft.id }),
    ).resolves.toEqual({ deleted: true });
    await expectCode(fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: draft.id }), 'NOT_FOUND');
    expect(await auditActions(draft.id)).toEqual([
      'invoice.create',
      'invoice.update',
      'invoice.update',
      'invoice.deleteDraft',
    ]);
  });

  it('moves a draft to another customer (not an archived one) and shows it live', async () => {
    const draft = await createDraft(fx, customerId);
    const newCustomer = await addCustomer(h, fx.orgId, { name: 'Umbrella plc' });
    const moved = await fx.acct.invoice.update({
      orgId: fx.orgId,
      invoiceId: draft.id,
      customerId: newCustomer,
    });
    expect(moved).toMatchObject({ customerId: newCustomer, customer: { name: 'Umbrella plc' } });
    const archived = await addCustomer(h, fx.orgId, { archivedAt: h.clock.now() });
    await expectCode(
      fx.acct.invoice.update({ orgId: fx.orgId, invoiceId: draft.id, customerId: archived }),
      'PRECONDITION_FAILED',
    );
    // A draft whose customer vanished still reads, with the name it was saved with.
    await h.db.collections.customers.deleteOne({ _id: new ObjectId(newCustomer) });
    const read = await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: draft.id });
    expect(read.customer).toEqual({
      name: 'Umbrella plc',
      email: null,
      address: null,
      taxId: null,
    });
  });

  it('issues: number, dates in the org timezone, snapshots, status open, audit', async () => {
    // 23:30 UTC on 31 Dec is already 1 Jan in Paris: the issue date and the number's year follow.
    h.clock.set('2026-12-31T23:30:00Z');
    const draft = await createDraft(fx, customerId);
    const issued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id });
    expect(issued).toMatchObject({
      status: 'open',
      issueDate: '2027-01-01',
      dueDate: '2027-01-31',
      amountDue: 12000,
      overdue: false,
      seller: { name: 'Acme Supplies', email: null, address: null, taxId: null },
      customer: {
        name: 'Globex Corporation',
        email: 'billing@globex.test',
        taxId: 'US-123',
      },
    });
    expect(issued.number).toMatch(/^INV-2027-\d{5}$/);
    expect(issued.issuedAt).toEqual(new Date('2026-12-31T23:30:00Z'));
    expect(await auditActions(draft.id)).toEqual(['invoice.create', 'invoice.issue']);
    const event = await h.db.collections.auditEvents.findOne({
      action: 'invoice.issue',
      'entity.id': new ObjectId(draft.id),
    });
    expect(event?.before).toMatchObject({ status: 'draft', number: null });
    expect(event?.after).toMatchObject({ status: 'open', number: issued.number });
    expect(event?.actor.uid).toBe(fx.accountant.uid);
    h.clock.set('2026-03-15T10:00:00Z');
  });

  it('keeps explicit draft dates at issue and refuses a due date before the derived issue date', async () => {
    const dated = await createDraft(fx, customerId, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-10',
    });
    const issued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: dated.id });
    expect([issued.issueDate, issued.dueDate]).toEqual(['2026-03-01', '2026-03-10']);
    // Due before "today" (the default issue date) cannot be issued.
    const early = await createDraft(fx, customerId, { dueDate: '2026-03-01' });
    await expectCode(
      fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: early.id }),
      'PRECONDITION_FAILED',
    );
  });

  it('refuses (never a 500) to derive a due date past 2999-12-31, and leaves the draft as it was', async () => {
    // Issue dates up to 2999-12-31 are valid input; issue date + 30 days of terms is not a date.
    const late = await createDraft(fx, customerId, { issueDate: '2999-12-20' });
    const message = await expectCode(
      fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: late.id }),
      'PRECONDITION_FAILED',
    );
    expect(message).toMatch(/after 2999-12-31; set a due date/);
    const after = await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: late.id });
    expect(after).toMatchObject({ status: 'draft', number: null, dueDate: null });
    // With an explicit due date the same draft issues.
    await fx.acct.invoice.update({ orgId: fx.orgId, invoiceId: late.id, dueDate: '2999-12-31' });
    const issued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: late.id });
    expect([issued.issueDate, issued.dueDate]).toEqual(['2999-12-20', '2999-12-31']);
  });

  it('refuses to issue a draft whose customer was archived since, and takes no number', async () => {
    h.clock.set('2026-03-15T10:00:00Z');
    // A fresh org, so the numbers of its series are known exactly.
    const org = await setupOrg(h);
    const active = await addCustomer(h, org.orgId);
    const leaving = await addCustomer(h, org.orgId, { name: 'Leaving Ltd' });
    const counter = async () =>
      (await h.db.collections.counters.findOne({ _id: `${org.orgId}:invoice` }))?.value ?? null;
    expect((await createIssued(org, active)).number).toBe('INV-2026-00001');
    const draft = await createDraft(org, leaving);
    await org.acct.customer.archive({ orgId: org.orgId, customerId: leaving });

    const message = await expectCode(
      org.acct.invoice.issue({ orgId: org.orgId, invoiceId: draft.id }),
      'PRECONDITION_FAILED',
    );
    expect(message).toBe(
      'The customer is archived; pick another customer (archived customers take no new invoices)',
    );
    const stored = await h.db.collections.invoices.findOne({ _id: new ObjectId(draft.id) });
    expect(stored).toMatchObject({
      status: 'draft',
      number: null,
      sequence: null,
      issueDate: null,
      dueDate: null,
      customerSnapshot: null,
      sellerSnapshot: null,
      issuedAt: null,
    });
    expect(await auditActions(draft.id)).toEqual(['invoice.create']);
    expect(await counter()).toBe(1);
    // The next issue gets the next number: the refused one left no gap in the series.
    expect((await createIssued(org, active)).number).toBe('INV-2026-00002');
    expect(await counter()).toBe(2);
  });

  it("never prints another org's customer: a draft pointing at one is refused at issue", async () => {
    const mine = await setupOrg(h);
    const other = await setupOrg(h);
    const theirs = await addCustomer(h, other.orgId, { name: 'Other Tenant GmbH' });
    const draft = await createDraft(mine, await addCustomer(h, mine.orgId));
    // Corrupt data (no API path does this): the draft names a customer of another org.
    await h.db.collections.invoices.updateOne(
      { _id: new ObjectId(draft.id) },
      { $set: { customerId: new ObjectId(theirs) } },
    );
    const message = await expectCode(
      mine.acct.invoice.issue({ orgId: mine.orgId, invoiceId: draft.id }),
      'PRECONDITION_FAILED',
    );
    expect(message).toBe('Cannot issue: the invoice customer no longer exists');
    const stored = await h.db.collections.invoices.findOne({ _id: new ObjectId(draft.id) });
    expect(stored).toMatchObject({ status: 'draft', number: null, customerSnapshot: null });
    expect(await h.db.collections.counters.findOne({ _id: `${mine.orgId}:invoice` })).toBeNull();
  });

  it('keeps a draft editable after its customer is archived, so it can move to another customer and issue', async () => {
    const leaving = await addCustomer(h, fx.orgId, { name: 'Retired Ltd' });
    const draft = await createDraft(fx, leaving);
    await fx.acct.customer.archive({ orgId: fx.orgId, customerId: leaving });
    // Drafts are edited freely; the archive only stops the draft from becoming an invoice.
    const edited = await fx.acct.invoice.update({
      orgId: fx.orgId,
      invoiceId: draft.id,
      notes: 'Billed to the successor company',
    });
    expect(edited).toMatchObject({
      status: 'draft',
      customerId: leaving,
      notes: 'Billed to the successor company',
    });
    // Naming the archived customer is picking it, refused as for any other draft.
    await expectCode(
      fx.acct.invoice.update({ orgId: fx.orgId, invoiceId: draft.id, customerId: leaving }),
      'PRECONDITION_FAILED',
    );
    await expectCode(
      fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id }),
      'PRECONDITION_FAILED',
    );
    const successor = await addCustomer(h, fx.orgId, { name: 'Successor plc' });
    await fx.acct.invoice.update({ orgId: fx.orgId, invoiceId: draft.id, customerId: successor });
    const issued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id });
    expect(issued).toMatchObject({
      status: 'open',
      customerId: successor,
      notes: 'Billed to the successor company',
      customer: { name: 'Successor plc' },
    });
  });

  it('derives overdue from the due date and today in the org timezone', async () => {
    h.clock.set('2026-03-15T10:00:00Z');
    const draft = await createDraft(fx, customerId, {
      issueDate: '2026-03-01',
      dueDate: '2026-03-15',
    });
    const issued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id });
    expect(issued.overdue).toBe(false);
    // 22:59 UTC on the 15th is still the 15th in Paris (UTC+1 in March): not overdue yet.
    h.clock.set('2026-03-15T22:59:00Z');
    let read = await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: draft.id });
    expect(read.overdue).toBe(false);
    // 23:00 UTC is the 16th in Paris: overdue, although it is still the 15th in UTC.
    h.clock.set('2026-03-15T23:00:00Z');
    read = await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: draft.id });
    expect(read.overdue).toBe(true);
    h.clock.set('2026-03-15T10:00:00Z');
  });

  it('freezes an issued invoice: every edit refused, stored content unchanged after the customer changes', async () => {
    const issued = await createIssued(fx, customerId);
    const before = await h.db.collections.invoices.findOne({ _id: new ObjectId(issued.id) });

    await expectCode(
      fx.acct.invoice.update({ orgId: fx.orgId, invoiceId: issued.id, notes: 'changed' }),
      'PRECONDITION_FAILED',
    );
    await expectCode(
      fx.acct.invoice.update({ orgId: fx.orgId, invoiceId: issued.id, lines: standardLines }),
      'PRECONDITION_FAILED',
    );
    await expectCode(
      fx.acct.invoice.deleteDraft({ orgId: fx.orgId, invoiceId: issued.id }),
      'PRECONDITION_FAILED',
    );
    await h.db.collections.customers.updateOne(
      { _id: new ObjectId(customerId) },
      {
        $set: {
          name: 'Globex Renamed',
          nameLower: 'globex renamed',
          email: 'new@globex.test',
          taxId: 'NEW-1',
          address: { line1: 'Elsewhere 2', city: 'Shelbyville', country: 'US' },
        },
      },
    );

    const after = await h.db.collections.invoices.findOne({ _id: new ObjectId(issued.id) });
    expect(after?.lines).toEqual(before?.lines);
    expect(after?.customerSnapshot).toEqual(before?.customerSnapshot);
    expect(after?.sellerSnapshot).toEqual(before?.sellerSnapshot);
    for (const field of ['subtotal', 'discountTotal', 'taxTotal', 'total', 'taxes'] as const) {
      expect(after?.[field]).toEqual(before?.[field]);
    }
    const read = await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: issued.id });
    expect(read.customer).toEqual(issued.customer);
    expect(read.customer.name).toBe('Globex Corporation');

    // A draft, by contrast, shows the customer live.
    const draft = await createDraft(fx, customerId);
    expect(draft.customer.name).toBe('Globex Renamed');
    await h.db.collections.customers.updateOne(
      { _id: new ObjectId(customerId) },
      { $set: { name: 'Globex Corporation', nameLower: 'globex corporation' } },
    );
  });

  it('follows the state machine; every illegal transition is PRECONDITION_FAILED', async () => {
    const orgId = fx.orgId;
    const draft = await createDraft(fx, customerId);
    await expectCode(fx.acct.invoice.void({ orgId, invoiceId: draft.id }), 'PRECONDITION_FAILED');
    await expectCode(
      fx.acct.invoice.markUncollectible({ orgId, invoiceId: draft.id }),
      'PRECONDITION_FAILED',
    );

    const open = await fx.acct.invoice.issue({ orgId, invoiceId: draft.id });
    await expectCode(fx.acct.invoice.issue({ orgId, invoiceId: open.id }), 'PRECONDITION_FAILED');
    const uncollectible = await fx.acct.invoice.markUncollectible({ orgId, invoiceId: open.id });
    expect(uncollectible.status).toBe('uncollectible');
    await expectCode(
      fx.acct.invoice.markUncollectible({ orgId, invoiceId: open.id }),
      'PRECONDITION_FAILED',
    );
    await expectCode(fx.acct.invoice.issue({ orgId, invoiceId: open.id }), 'PRECONDITION_FAILED');
    const voided = await fx.acct.invoice.void({ orgId, invoiceId: open.id, reason: 'Duplicate' });
    expect(voided).toMatchObject({ status: 'void', voidedAt: h.clock.now() });
    for (const call of [
      () => fx.acct.invoice.void({ orgId, invoiceId: open.id }),
      () => fx.acct.invoice.markUncollectible({ orgId, invoiceId: open.id }),
      () => fx.acct.invoice.issue({ orgId, invoiceId: open.id }),
      () => fx.acct.invoice.update({ orgId, invoiceId: open.id, notes: 'x' }),
      () => fx.acct.invoice.deleteDraft({ orgId, invoiceId: open.id }),
    ]) {
      await expectCode(call(), 'PRECONDITION_FAILED');
    }

    const paid = await createIssued(fx, customerId);
    await fx.acct.payment.record({
      orgId,
      invoiceId: paid.id,
      amount: paid.total,
      date: '2026-03-15',
      method: 'card',
    });
    await expectCode(fx.acct.invoice.void({ orgId, invoiceId: paid.id }), 'PRECONDITION_FAILED');
    await expectCode(
      fx.acct.invoice.markUncollectible({ orgId, invoiceId: paid.id }),
      'PRECONDITION_FAILED',
    );

    // Open → void directly is legal too.
    const other = await createIssued(fx, customerId);
    await expect(fx.acct.invoice.void({ orgId, invoiceId: other.id })).resolves.toMatchObject({
      status: 'void',
    });

    expect(await auditActions(open.id)).toEqual([
      'invoice.create',
      'invoice.issue',
      'invoice.markUncollectible',
      'invoice.void',
    ]);
    expect(await auditActions(paid.id)).toEqual([
      'invoice.create',
      'invoice.issue',
      'invoice.settle',
    ]);
    const stored = await h.db.collections.invoices.findOne({ _id: new ObjectId(open.id) });
    expect(stored?.status).toBe('void');
  });

  it('issues a zero-total invoice straight to paid', async () => {
    const draft = await fx.acct.invoice.create({
      orgId: fx.orgId,
      customerId,
      lines: [{ description: 'Free sample', quantity: 1, unitPrice: 0 }],
    });
    const issued = await fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id });
    expect(issued).toMatchObject({ status: 'paid', total: 0, amountDue: 0 });
  });

  it('hides other organizations invoices as NOT_FOUND', async () => {
    const other = await setupOrg(h);
    const theirs = await createDraft(other, await addCustomer(h, other.orgId));
    await expectCode(fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: theirs.id }), 'NOT_FOUND');
    await expectCode(fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: theirs.id }), 'NOT_FOUND');
    await expectCode(
      fx.acct.invoice.deleteDraft({ orgId: fx.orgId, invoiceId: theirs.id }),
      'NOT_FOUND',
    );
  });
});
