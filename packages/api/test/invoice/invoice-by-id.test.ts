import { ObjectId } from 'mongodb';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createOperatorContext, type AuthUser } from '../../src/index.js';
import {
  createHarness,
  makeUser,
  monitoredClient,
  type Harness,
  type MonitoredClient,
} from '../harness.js';
import { addCustomer, createDraft, createIssued, expectCode, setupOrg } from './fixtures.js';

/**
 * invoice.byId reads the membership, the organization and the invoice in one aggregate
 * (orgSubjectProcedure): the access rules must be exactly those of every other org-scoped
 * procedure, and the number of database commands is observable through command monitoring.
 */
describe('invoice.byId: membership, organization and invoice in one command', () => {
  let h: Harness;
  let monitored: MonitoredClient;
  const silent = pino({ level: 'silent' });

  beforeAll(async () => {
    h = await createHarness('invoice-by-id');
    // The same database through a second, monitored client.
    monitored = monitoredClient(h);
  });
  afterAll(async () => {
    await monitored.close();
    await h.close();
  });

  /** Calls as `user` through the monitored client; returns the result and the commands it sent. */
  async function countedById(user: AuthUser, orgId: string, invoiceId: string) {
    monitored.reset();
    const outcome = await monitored
      .caller(user)
      .invoice.byId({ orgId, invoiceId })
      .then(
        (invoice) => ({ ok: true as const, invoice }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    return { outcome, sent: monitored.sent() };
  }

  it('an issued invoice costs one aggregate on memberships', async () => {
    const fx = await setupOrg(h);
    const customerId = await addCustomer(h, fx.orgId);
    const issued = await createIssued(fx, customerId);
    const { outcome, sent } = await countedById(fx.viewer, fx.orgId, issued.id);
    expect(outcome.ok && outcome.invoice.id).toBe(issued.id);
    expect(outcome.ok && outcome.invoice.number).toBe(issued.number);
    expect(sent).toEqual(['aggregate:memberships']);
  });

  it('a draft adds one read of its live customer', async () => {
    const fx = await setupOrg(h);
    const customerId = await addCustomer(h, fx.orgId, { name: 'Live Name Ltd' });
    const draft = await createDraft(fx, customerId);
    const { outcome, sent } = await countedById(fx.viewer, fx.orgId, draft.id);
    expect(outcome.ok && outcome.invoice.customer.name).toBe('Live Name Ltd');
    expect(sent).toEqual(['aggregate:memberships', 'find:customers']);
  });

  it("another org's invoice is NOT_FOUND, even for a member of both orgs", async () => {
    const a = await setupOrg(h);
    const b = await setupOrg(h);
    const invoiceOfB = await createIssued(b, await addCustomer(h, b.orgId));
    // a.owner is a member of A only; b.owner of B only.
    await expectCode(
      h.caller(a.owner).invoice.byId({ orgId: a.orgId, invoiceId: invoiceOfB.id }),
      'NOT_FOUND',
    );
    // Same user in both orgs: asking through org A still never reaches B's invoice.
    await h
      .caller(b.owner)
      .member.add({ orgId: b.orgId, email: a.viewer.email ?? '', role: 'viewer' });
    await h.caller(a.viewer).organization.list(); // binds the invite
    await expectCode(
      h.caller(a.viewer).invoice.byId({ orgId: a.orgId, invoiceId: invoiceOfB.id }),
      'NOT_FOUND',
    );
    const viaB = await h
      .caller(a.viewer)
      .invoice.byId({ orgId: b.orgId, invoiceId: invoiceOfB.id });
    expect(viaB.id).toBe(invoiceOfB.id);
  });

  it('an unknown invoice id is NOT_FOUND "Invoice", an unknown org NOT_FOUND "Organization"', async () => {
    const fx = await setupOrg(h);
    const missingInvoice = await expectCode(
      fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: new ObjectId().toHexString() }),
      'NOT_FOUND',
    );
    expect(missingInvoice).toMatch(/invoice/i);
    const missingOrg = await expectCode(
      fx.view.invoice.byId({
        orgId: new ObjectId().toHexString(),
        invoiceId: new ObjectId().toHexString(),
      }),
      'NOT_FOUND',
    );
    expect(missingOrg).toMatch(/organization/i);
  });

  it('a non-member learns nothing, and a removed member is refused on the next call', async () => {
    const fx = await setupOrg(h);
    const issued = await createIssued(fx, await addCustomer(h, fx.orgId));
    const stranger: AuthUser = makeUser('stranger');
    const { outcome, sent } = await countedById(stranger, fx.orgId, issued.id);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && (outcome.error as { code?: string }).code).toBe('NOT_FOUND');
    // No membership row: the aggregate stops at its first stage (plus the invite check).
    expect(sent[0]).toBe('aggregate:memberships');

    expect((await fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: issued.id })).id).toBe(
      issued.id,
    );
    await h.db.collections.memberships.deleteOne({
      orgId: new ObjectId(fx.orgId),
      uid: fx.viewer.uid,
    });
    await expectCode(fx.view.invoice.byId({ orgId: fx.orgId, invoiceId: issued.id }), 'NOT_FOUND');
  });

  it('a pending invite to a verified email binds on this first call and reads the invoice', async () => {
    const fx = await setupOrg(h);
    const issued = await createIssued(fx, await addCustomer(h, fx.orgId));
    const invitee = makeUser('invitee');
    await h
      .caller(fx.owner)
      .member.add({ orgId: fx.orgId, email: invitee.email ?? '', role: 'viewer' });
    const invoice = await h.caller(invitee).invoice.byId({ orgId: fx.orgId, invoiceId: issued.id });
    expect(invoice.id).toBe(issued.id);
    const unverified = makeUser('unverified', { emailVerified: false });
    await h
      .caller(fx.owner)
      .member.add({ orgId: fx.orgId, email: unverified.email ?? '', role: 'viewer' });
    await expectCode(
      h.caller(unverified).invoice.byId({ orgId: fx.orgId, invoiceId: issued.id }),
      'NOT_FOUND',
    );
  });

  it("an operator reads any existing org's invoice; a missing org stays NOT_FOUND", async () => {
    const fx = await setupOrg(h);
    const issued = await createIssued(fx, await addCustomer(h, fx.orgId));
    const operator = createCaller(
      createOperatorContext({ db: h.db, log: silent, name: 'ops', clock: h.clock }),
    );
    expect((await operator.invoice.byId({ orgId: fx.orgId, invoiceId: issued.id })).id).toBe(
      issued.id,
    );
    await expectCode(
      operator.invoice.byId({ orgId: fx.orgId, invoiceId: new ObjectId().toHexString() }),
      'NOT_FOUND',
    );
    await expectCode(
      operator.invoice.byId({ orgId: new ObjectId().toHexString(), invoiceId: issued.id }),
      'NOT_FOUND',
    );
  });

  it('membership is judged before the rest of the input: a non-member gets NOT_FOUND for anything', async () => {
    const fx = await setupOrg(h);
    const stranger = h.caller(makeUser('prober'));
    for (const input of [
      { orgId: fx.orgId },
      { orgId: fx.orgId, invoiceId: 'not-an-id' },
      { orgId: fx.orgId, invoiceId: new ObjectId().toHexString(), extra: true },
    ]) {
      await expectCode(stranger.invoice.byId(input as never), 'NOT_FOUND');
      await expectCode(fx.view.invoice.byId(input as never), 'BAD_REQUEST');
    }
  });

  it('a hostile orgId costs no database command; a hostile invoiceId never reaches the invoices', async () => {
    const fx = await setupOrg(h);
    const caller = monitored.caller(fx.viewer);
    for (const orgId of [{ $gt: '' }, 'x'.repeat(10_000), null]) {
      monitored.reset();
      const input = { orgId, invoiceId: new ObjectId().toHexString() };
      await expectCode(caller.invoice.byId(input as never), 'BAD_REQUEST');
      expect(monitored.commands).toEqual([]);
    }
    for (const invoiceId of [{ $ne: null }, 'x'.repeat(10_000), { $where: '1' }]) {
      monitored.reset();
      const input = { orgId: fx.orgId, invoiceId };
      await expectCode(caller.invoice.byId(input as never), 'BAD_REQUEST');
      // Only the membership check ran, without the invoice lookup.
      expect(monitored.commands.map((c) => c.commandName)).toEqual(['aggregate']);
      expect(JSON.stringify(monitored.commands[0]?.command.pipeline)).not.toContain('invoices');
    }
  });
});
