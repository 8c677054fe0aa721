import {
  customerSchema,
  invoiceSchema,
  organizationWithRoleSchema,
  paymentSchema,
} from '@invoice/validators';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORG_NAME, seedDemo } from '../src/index.js';
import { createHarness, makeUser, type Harness } from './harness.js';

async function orgCounts(h: Harness, orgId: string) {
  const filter = { orgId: new ObjectId(orgId) };
  const c = h.db.collections;
  return {
    customers: await c.customers.countDocuments(filter),
    invoices: await c.invoices.countDocuments(filter),
    payments: await c.payments.countDocuments(filter),
    memberships: await c.memberships.countDocuments(filter),
    audit: await c.auditEvents.countDocuments(filter),
  };
}

describe('seedDemo', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('demo-seed');
  });
  afterAll(() => h.close());

  function userWithEmail() {
    const user = makeUser('demo');
    return { uid: user.uid, email: user.email ?? '', emailVerified: true };
  }

  it('creates one organization with customers and invoices in mixed states, valid per the validators', async () => {
    const user = userWithEmail();
    const result = await seedDemo({ db: h.db, user, clock: h.clock });
    expect(result).toMatchObject({ created: true, customers: 3, invoices: 5 });
    expect(ObjectId.isValid(result.orgId)).toBe(true);

    const caller = h.caller(user);
    const orgs = await caller.organization.list();
    expect(orgs).toHaveLength(1);
    const org = organizationWithRoleSchema.parse(orgs[0]);
    expect(org).toMatchObject({ id: result.orgId, name: DEMO_ORG_NAME, role: 'owner' });

    const customers = await caller.customer.list({ orgId: result.orgId, limit: 100 });
    expect(customers.items.map((c) => customerSchema.parse(c).name).sort()).toEqual([
      'Acme Robotics SAS',
      'Blue Harbor Ltd',
      'Globex GmbH',
    ]);

    const invoices = (await caller.invoice.list({ orgId: result.orgId, limit: 100 })).items.map(
      (i) => invoiceSchema.parse(i),
    );
    expect(invoices.map((i) => i.status).sort()).toEqual(['draft', 'open', 'open', 'paid', 'paid']);
    // Balances add up on every invoice; issued ones carry a number of the org's series.
    for (const invoice of invoices) {
      expect(invoice.amountDue).toBe(invoice.total - invoice.amountPaid - invoice.amountCredited);
      if (invoice.status === 'draft') expect(invoice.number).toBeNull();
      else expect(invoice.number).toMatch(/^NW-\d{4}-\d{5}$/);
      if (invoice.status === 'paid') expect(invoice.amountDue).toBe(0);
    }
    // One open invoice is overdue and partly paid, the other is current and unpaid.
    const open = invoices.filter((i) => i.status === 'open');
    expect(open.map((i) => i.overdue).sort()).toEqual([false, true]);
    const overdue = open.find((i) => i.overdue);
    expect(overdue?.amountPaid).toBeGreaterThan(0);
    expect(overdue?.amountDue).toBeGreaterThan(0);
    expect(new Set(invoices.map((i) => i.currency))).toEqual(new Set(['EUR', 'GBP']));

    const payments = await caller.payment.list({ orgId: result.orgId, limit: 100 });
    expect(payments.items.map((p) => paymentSchema.parse(p).status)).toEqual([
      'recorded',
      'recorded',
      'recorded',
    ]);

    const report = await caller.report.summary({ orgId: result.orgId });
    expect(report.currencies.map((c) => c.currency).sort()).toEqual(['EUR', 'GBP']);

    // Written through the router: every change is audited under the seeding user.
    const audit = await h.db.collections.auditEvents
      .find({ orgId: new ObjectId(result.orgId) })
      .toArray();
    expect(new Set(audit.map((e) => e.actor.uid))).toEqual(new Set([user.uid]));
    const actions = audit.map((e) => e.action);
    expect(actions).toContain('organization.create');
    expect(actions.filter((a) => a === 'customer.create')).toHaveLength(3);
    expect(actions.filter((a) => a === 'invoice.create')).toHaveLength(5);
    expect(actions.filter((a) => a === 'invoice.issue')).toHaveLength(4);
  });

  it('is a no-op for a user who already has the demo organization', async () => {
    const user = userWithEmail();
    const first = await seedDemo({ db: h.db, user, clock: h.clock });
    const before = await orgCounts(h, first.orgId);
    const second = await seedDemo({ db: h.db, user, clock: h.clock });
    expect(second).toEqual({ orgId: first.orgId, created: false, customers: 0, invoices: 0 });
    expect(await orgCounts(h, first.orgId)).toEqual(before);
    expect(await h.caller(user).organization.list()).toHaveLength(1);
  });

  it('two concurrent first runs for one user converge on one organization', async () => {
    const user = userWithEmail();
    const [a, b] = await Promise.all([
      seedDemo({ db: h.db, user, clock: h.clock }),
      seedDemo({ db: h.db, user, clock: h.clock }),
    ]);
    expect(a.orgId).toBe(b.orgId);
    expect(await h.caller(user).organization.list()).toHaveLength(1);
    expect(await orgCounts(h, a.orgId)).toMatchObject({
      customers: 3,
      invoices: 5,
      payments: 3,
      memberships: 1,
    });
  });

  it('gives each user their own demo organization', async () => {
    const [one, two] = [userWithEmail(), userWithEmail()];
    const a = await seedDemo({ db: h.db, user: one, clock: h.clock });
    const b = await seedDemo({ db: h.db, user: two, clock: h.clock });
    expect(a.created && b.created).toBe(true);
    expect(a.orgId).not.toBe(b.orgId);
    expect((await h.caller(two).organization.list()).map((o) => o.id)).toEqual([b.orgId]);
  });
});
