import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, type Harness } from '../harness.js';
import { addCustomer, createIssued, setupOrg, type OrgFixture } from '../invoice/fixtures.js';

/**
 * Money received stays on the books: `invoice.void` refuses an invoice with recorded payments.
 * (Before, it voided a partially paid invoice; its payment could then no longer be voided,
 * "Cannot void a payment of an invoice that is void", and reports leave void invoices out, so
 * the money received appeared nowhere.) Voiding the payments first makes the invoice voidable.
 */
describe('invoice.void of an invoice with payments', () => {
  let h: Harness;
  let fx: OrgFixture;
  let customerId: string;
  beforeAll(async () => {
    h = await createHarness('invoice-void-payments');
    fx = await setupOrg(h);
    customerId = await addCustomer(h, fx.orgId);
  });
  afterAll(() => h.close());

  it('is refused until the payments are voided, and changes nothing', async () => {
    const invoice = await createIssued(fx, customerId); // total 12000
    const payment = await fx.acct.payment.record({
      orgId: fx.orgId,
      invoiceId: invoice.id,
      amount: 5000,
      date: '2026-03-15',
      method: 'bank_transfer',
    });
    const voidInvoice = () =>
      fx.acct.invoice.void({ orgId: fx.orgId, invoiceId: invoice.id, reason: 'Wrong customer' });

    await expect(voidInvoice()).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'Cannot void: payments are recorded on this invoice; void them first',
    });
    const stored = await h.db.collections.invoices.findOne({ _id: new ObjectId(invoice.id) });
    expect(stored).toMatchObject({ status: 'open', amountPaid: 5000, amountDue: 7000 });
    expect(
      await h.db.collections.auditEvents.countDocuments({
        'entity.id': new ObjectId(invoice.id),
        action: 'invoice.void',
      }),
    ).toBe(0);

    await fx.acct.payment.void({ orgId: fx.orgId, paymentId: payment.id });
    expect(await errorCodeOf(voidInvoice())).toBe('OK');
    const voided = await h.db.collections.invoices.findOne({ _id: new ObjectId(invoice.id) });
    expect(voided).toMatchObject({ status: 'void', amountPaid: 0 });
  });
});
