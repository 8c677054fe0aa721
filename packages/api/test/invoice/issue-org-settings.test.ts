import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../harness.js';
import { addCustomer, createDraft, createIssued, holdNumberQueue, setupOrg } from './fixtures.js';

/**
 * An issue or credit note prints the organization as it is when its transaction runs, not as
 * its request found it before waiting its turn in the org's number queue. Before, a change
 * committed during that wait (a new prefix, a corrected seller name or tax id) was missed:
 * the document came out with the old prefix and the old seller, after the change.
 */
describe('numbered documents use the organization as of their transaction', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('issue-org-settings');
  });
  afterAll(() => h.close());

  it('invoice.issue: the prefix and seller changed while it waited', async () => {
    const fx = await setupOrg(h);
    const customerId = await addCustomer(h, fx.orgId);
    expect((await createIssued(fx, customerId)).number).toBe('INV-2026-00001');
    const draft = await createDraft(fx, customerId);
    const queue = holdNumberQueue(h, fx.orgId, 'invoice');
    const issuing = fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id });
    await queue.waiting();
    await h.caller(fx.owner).organization.update({
      orgId: fx.orgId,
      name: 'Acme Supplies SAS',
      taxId: 'FR40303265045',
      numbering: { prefix: 'FA-' },
    });
    await queue.release();
    const issued = await issuing;
    expect(issued.number).toBe('FA-2026-00002');
    expect(issued.seller).toMatchObject({ name: 'Acme Supplies SAS', taxId: 'FR40303265045' });
  });

  it('creditNote.create: the credit-note prefix changed while it waited', async () => {
    const fx = await setupOrg(h);
    const customerId = await addCustomer(h, fx.orgId);
    const invoice = await createIssued(fx, customerId);
    const queue = holdNumberQueue(h, fx.orgId, 'creditNote');
    const crediting = fx.acct.creditNote.create({
      orgId: fx.orgId,
      invoiceId: invoice.id,
      amount: 100,
      reason: 'Goodwill',
    });
    await queue.waiting();
    await h.caller(fx.owner).organization.update({
      orgId: fx.orgId,
      numbering: { creditNotePrefix: 'AV-' },
    });
    await queue.release();
    expect((await crediting).number).toBe('AV-2026-00001');
  });
});
