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

describe('payments', () => {
  let h: Harness;
  let fx: OrgFixture;
  let customerId: string;

  beforeAll(async () => {
    h = await createHarness('payments');
    fx = await setupOrg(h);
    customerId = await addCustomer(h, fx.orgId);
  });
  afterAll(() => h.close());

  async function storedBalance(invoiceId: string) {
    const doc = await storedInvoice(h, invoiceId);
    return { status: doc.status, amountPaid: doc.amountPaid, amountDue: doc.amountDue };
  }

  function pay(invoiceId: string, amount: number, extra: { reference?: string } = {}) {
    return fx.acct.payment.record({
      orgId: fx.orgId,
      invoiceId,
      amount,
      date: '2026-03-15',
      method: 'bank_transfer',
      ...extra,
    });
  }

  it('records partial then full payments; the last one settles the invoice', async () => {
    const invoice = await createIssued(fx, customerId); // total 12000
    const first = await pay(invoice.id, 5000, { reference: 'TRX-1' });
    expect(first).toMatchObject({
      invoiceId: invoice.id,
      amount: 5000,
      currency: 'EUR',
      status: 'recorded',
      reference: 'TRX-1',
      method: 'bank_transfer',
      createdBy: fx.accountant.uid,
    });
    expect(await storedBalance(invoice.id)).toEqual({
      status: 'open',
      amountPaid: 5000,
      amountDue: 7000,
    });
    await pay(invoice.id, 7000);
    expect(await storedBalance(invoice.id)).toEqual({
      status: 'paid',
      amountPaid: 12000,
      amountDue: 0,
    });
    const read = await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: invoice.id });
    expect(read).toMatchObject({ status: 'paid', amountPaid: 12000, amountDue: 0 });
    expect(read.paidAt).toEqual(h.clock.now());
  });

  it('refuses overpayment with a clear message and writes nothing', async () => {
    const invoice = await createIssued(fx, customerId);
    await pay(invoice.id, 2000);
    const message = await expectCode(pay(invoice.id, 10001), 'BAD_REQUEST');
    expect(message).toBe('Payment of 10001 exceeds the amount due 10000');
    expect(
      await h.db.collections.payments.countDocuments({ invoiceId: new ObjectId(invoice.id) }),
    ).toBe(1);
    expect(await storedBalance(invoice.id)).toEqual({
      status: 'open',
      amountPaid: 2000,
      amountDue: 10000,
    });
    await expectCode(pay(invoice.id, 0), 'BAD_REQUEST');
    await expectCode(pay(invoice.id, -5), 'BAD_REQUEST');
  });

  it('voids a payment: amountPaid recomputed, a paid invoice goes back to open', async () => {
    const invoice = await createIssued(fx, customerId);
    const a = await pay(invoice.id, 4000);
    await pay(invoice.id, 8000);
    expect((await storedBalance(invoice.id)).status).toBe('paid');
    const voided = await fx.acct.payment.void({
      orgId: fx.orgId,
      paymentId: a.id,
      reason: 'Bounced',
    });
    expect(voided).toMatchObject({ status: 'voided', voidedAt: h.clock.now() });
    expect(await storedBalance(invoice.id)).toEqual({
      status: 'open',
      amountPaid: 8000,
      amountDue: 4000,
    });
    expect((await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: invoice.id })).paidAt).toBe(
      null,
    );
    await expectCode(
      fx.acct.payment.void({ orgId: fx.orgId, paymentId: a.id }),
      'PRECONDITION_FAILED',
    );
    const actions = (
      await h.db.collections.auditEvents
        .find({ orgId: new ObjectId(fx.orgId), action: { $regex: '^(payment|invoice)\\.' } })
        .sort({ at: 1, _id: 1 })
        .toArray()
    )
      .filter((e) => [a.id, invoice.id].includes(e.entity.id.toHexString()))
      .map((e) => e.action);
    expect(actions).toEqual([
      'invoice.create',
      'invoice.issue',
      'payment.record', // a (the second payment is not in this filter)
      'invoice.settle',
      'invoice.reopen',
      'payment.void',
    ]);
  });

  it('accepts payments on uncollectible invoices (settling them) and refuses drafts and voids', async () => {
    const invoice = await createIssued(fx, customerId);
    await fx.acct.invoice.markUncollectible({ orgId: fx.orgId, invoiceId: invoice.id });
    await pay(invoice.id, 1000);
    expect((await storedBalance(invoice.id)).status).toBe('uncollectible');
    await pay(invoice.id, 11000);
    expect((await storedBalance(invoice.id)).status).toBe('paid');
    await expectCode(pay(invoice.id, 1), 'PRECONDITION_FAILED');

    const draft = await createDraft(fx, customerId);
    await expectCode(pay(draft.id, 100), 'PRECONDITION_FAILED');
    const voided = await createIssued(fx, customerId);
    const p = await pay(voided.id, 100);
    // An invoice with payments is not voided (invoice-void-payments.test.ts): void them first.
    await expectCode(
      fx.acct.invoice.void({ orgId: fx.orgId, invoiceId: voided.id }),
      'PRECONDITION_FAILED',
    );
    await fx.acct.payment.void({ orgId: fx.orgId, paymentId: p.id });
    await fx.acct.invoice.void({ orgId: fx.orgId, invoiceId: voided.id });
    await expectCode(pay(voided.id, 100), 'PRECONDITION_FAILED');
  });

  it('never lets concurrent payments overpay: each is checked against the committed balance', async () => {
    const invoice = await createIssued(fx, customerId);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => pay(invoice.id, 3000)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(4);
    expect(await storedBalance(invoice.id)).toEqual({
      status: 'paid',
      amountPaid: 12000,
      amountDue: 0,
    });
  });

  it('lists payments by invoice or org with cursor pagination; viewers read, only accountants write', async () => {
    const other = await setupOrg(h);
    const otherCustomer = await addCustomer(h, other.orgId);
    const invoice = await createIssued(other, otherCustomer);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.set(new Date(Date.UTC(2026, 2, 15, 10, i)));
      const p = await other.acct.payment.record({
        orgId: other.orgId,
        invoiceId: invoice.id,
        amount: 100,
        date: '2026-03-15',
        method: 'cash',
      });
      ids.push(p.id);
    }
    const page1 = await other.view.payment.list({
      orgId: other.orgId,
      invoiceId: invoice.id,
      limit: 2,
    });
    expect(page1.items.map((p) => p.id)).toEqual([ids[4], ids[3]]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await other.view.payment.list({
      orgId: other.orgId,
      limit: 2,
      cursor: page1.nextCursor!,
    });
    expect(page2.items.map((p) => p.id)).toEqual([ids[2], ids[1]]);
    const page3 = await other.view.payment.list({
      orgId: other.orgId,
      limit: 2,
      cursor: page2.nextCursor!,
    });
    expect(page3).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

    await expectCode(
      other.view.payment.list({ orgId: other.orgId, cursor: 'bm90LWEtY3Vyc29y' }),
      'BAD_REQUEST',
    );
    await expectCode(
      other.view.payment.record({
        orgId: other.orgId,
        invoiceId: invoice.id,
        amount: 1,
        date: '2026-03-15',
        method: 'cash',
      }),
      'FORBIDDEN',
    );
    // Tenancy: another org's invoice and payment are NOT_FOUND.
    await expectCode(fx.view.payment.list({ orgId: fx.orgId, invoiceId: invoice.id }), 'NOT_FOUND');
    await expectCode(pay(invoice.id, 1), 'NOT_FOUND');
    await expectCode(fx.acct.payment.void({ orgId: fx.orgId, paymentId: ids[0]! }), 'NOT_FOUND');
    h.clock.set('2026-03-15T10:00:00Z');
  });
});
