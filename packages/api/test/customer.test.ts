import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, type Harness } from './harness.js';
import { seedOrg, type SeededOrg } from './support/fixtures.js';

describe('customer router', () => {
  let h: Harness;
  let org: SeededOrg;
  beforeAll(async () => {
    h = await createHarness('customer');
    org = await seedOrg(h);
  });
  afterAll(() => h.close());

  it('creates, reads and updates a customer, with an audit event per change', async () => {
    const acc = h.caller(org.users.accountant);
    const created = await acc.customer.create({
      orgId: org.orgId,
      name: '  Globex Corp ',
      email: 'Billing@Globex.example',
      address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
      currency: 'USD',
    });
    expect(created).toMatchObject({
      name: 'Globex Corp',
      email: 'billing@globex.example',
      currency: 'USD',
      taxId: null,
      archivedAt: null,
    });
    const read = await h.caller(org.users.viewer).customer.byId({
      orgId: org.orgId,
      customerId: created.id,
    });
    expect(read).toEqual(created);

    h.clock.set('2026-03-16T10:00:00Z');
    const updated = await acc.customer.update({
      orgId: org.orgId,
      customerId: created.id,
      taxId: 'US-123',
      email: null,
    });
    expect(updated).toMatchObject({ taxId: 'US-123', email: null, name: 'Globex Corp' });
    expect(updated.updatedAt).toEqual(new Date('2026-03-16T10:00:00Z'));

    const events = await h.caller(org.users.viewer).audit.list({
      orgId: org.orgId,
      entityType: 'customer',
      entityId: created.id,
    });
    expect(events.items.map((e) => e.action)).toEqual(['customer.update', 'customer.create']);
    expect(events.items[0]).toMatchObject({
      actor: { userId: org.users.accountant.uid },
      before: { taxId: null, email: 'billing@globex.example' },
      after: { taxId: 'US-123', email: null },
    });
  });

  it('renames the customer on its drafts for invoice.list search; issued invoices keep their snapshot', async () => {
    const acc = h.caller(org.users.accountant);
    const view = h.caller(org.users.viewer);
    const customer = await acc.customer.create({ orgId: org.orgId, name: 'Oldname Ltd' });
    const lines = [{ description: 'Work', quantity: 1, unitPrice: 1000, taxRates: [] }];
    const create = () => acc.invoice.create({ orgId: org.orgId, customerId: customer.id, lines });
    const draft = await create();
    const issued = await acc.invoice.issue({ orgId: org.orgId, invoiceId: (await create()).id });
    const unrelated = await acc.customer.create({ orgId: org.orgId, name: 'Oldname Other' });
    const otherDraft = await acc.invoice.create({
      orgId: org.orgId,
      customerId: unrelated.id,
      lines,
    });

    await acc.customer.update({ orgId: org.orgId, customerId: customer.id, name: 'Newname Ltd' });

    const search = async (term: string) =>
      (await view.invoice.list({ orgId: org.orgId, search: term })).items.map((i) => i.id).sort();
    expect(await search('newname')).toEqual([draft.id]);
    expect(await search('oldname')).toEqual([issued.id, otherDraft.id].sort());
    const shown = await view.invoice.byId({ orgId: org.orgId, invoiceId: issued.id });
    expect(shown.customer.name).toBe('Oldname Ltd');
  });

  it('archives once, hides archived customers from lists and refuses to edit them', async () => {
    const acc = h.caller(org.users.accountant);
    const c = await acc.customer.create({ orgId: org.orgId, name: 'Zeta Archived' });
    const archived = await acc.customer.archive({ orgId: org.orgId, customerId: c.id });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    const again = await acc.customer.archive({ orgId: org.orgId, customerId: c.id });
    expect(again).toEqual(archived);
    const audit = await acc.audit.list({
      orgId: org.orgId,
      entityType: 'customer',
      entityId: c.id,
    });
    expect(audit.items.map((e) => e.action)).toEqual(['customer.archive', 'customer.create']);

    const visible = await acc.customer.list({ orgId: org.orgId, search: 'zeta' });
    expect(visible.items).toEqual([]);
    const all = await acc.customer.list({
      orgId: org.orgId,
      search: 'zeta',
      includeArchived: true,
    });
    expect(all.items.map((x) => x.id)).toEqual([c.id]);
    expect(
      await errorCodeOf(acc.customer.update({ orgId: org.orgId, customerId: c.id, name: 'Zed' })),
    ).toBe('PRECONDITION_FAILED');
  });

  it('searches by case-insensitive name prefix or exact email, with regex characters taken literally', async () => {
    const other = await seedOrg(h, { name: 'Search org' });
    const acc = h.caller(other.users.accountant);
    const names = ['Alpha One', 'alpha two', 'Alphabet', 'Beta', 'A.l*pha (x)', 'Gamma alpha'];
    for (const name of names) await acc.customer.create({ orgId: other.orgId, name });
    await acc.customer.create({ orgId: other.orgId, name: 'Mail', email: 'pay@mail.example' });
    const search = async (term: string) =>
      (await acc.customer.list({ orgId: other.orgId, search: term })).items.map((c) => c.name);

    expect(await search('ALPHA')).toEqual(['Alpha One', 'alpha two', 'Alphabet']);
    expect(await search('alpha t')).toEqual(['alpha two']);
    expect(await search('A.l*pha (')).toEqual(['A.l*pha (x)']);
    expect(await search('.*')).toEqual([]);
    expect(await search('A.')).toEqual(['A.l*pha (x)']);
    expect(await search('pay@mail.example')).toEqual(['Mail']);
    expect(await search('PAY@MAIL.EXAMPLE')).toEqual(['Mail']);
    expect(await search('gamma')).toEqual(['Gamma alpha']);
  });

  it('pages through every customer exactly once, in both sorts and directions', async () => {
    const other = await seedOrg(h, { name: 'Paging org' });
    const acc = h.caller(other.users.accountant);
    const names: string[] = [];
    for (let i = 0; i < 23; i++) {
      // Same creation instant for groups of five and duplicate names: ties break on the id.
      h.clock.set(new Date(Date.UTC(2026, 0, 1, 0, Math.floor(i / 5))));
      const name = `Customer ${String(i % 11).padStart(2, '0')}`;
      names.push(name);
      await acc.customer.create({ orgId: other.orgId, name });
    }
    for (const sort of ['name', 'createdAt'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const seen: { id: string; name: string; createdAt: Date }[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await acc.customer.list({
            orgId: other.orgId,
            limit: 4,
            sort,
            direction,
            ...(cursor !== undefined ? { cursor } : {}),
          });
          seen.push(...page.items);
          cursor = page.nextCursor ?? undefined;
          pages += 1;
        } while (cursor !== undefined);
        expect(pages).toBe(6);
        expect(new Set(seen.map((c) => c.id)).size).toBe(23);
        const keys = seen.map((c) =>
          sort === 'name' ? c.name.toLowerCase() : c.createdAt.getTime(),
        );
        const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(keys).toEqual(direction === 'asc' ? sorted : sorted.reverse());
      }
    }
    expect(names).toHaveLength(23);
  });

  it('refuses a forged or foreign cursor with BAD_REQUEST', async () => {
    const viewer = h.caller(org.users.viewer);
    const forged = Buffer.from(JSON.stringify([{ $gt: '' }, 'x'])).toString('base64url');
    const wrongKind = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'zz'])).toString(
      'base64url',
    );
    for (const cursor of [forged, wrongKind, 'bm90LWpzb24', 'W10']) {
      expect(await errorCodeOf(viewer.customer.list({ orgId: org.orgId, cursor }))).toBe(
        'BAD_REQUEST',
      );
    }
  });

  it('returns NOT_FOUND for an unknown customer and FORBIDDEN for a viewer writing', async () => {
    const missing = '0123456789abcdef01234567';
    expect(
      await errorCodeOf(
        h.caller(org.users.viewer).customer.byId({ orgId: org.orgId, customerId: missing }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await errorCodeOf(
        h.caller(org.users.viewer).customer.create({ orgId: org.orgId, name: 'Nope' }),
      ),
    ).toBe('FORBIDDEN');
  });

  it('replays an idempotent create and refuses the same key with another input', async () => {
    const acc = h.caller(org.users.accountant);
    const input = { orgId: org.orgId, name: 'Once Ltd', idempotencyKey: 'cust-once-1' };
    const first = await acc.customer.create(input);
    const second = await acc.customer.create(input);
    expect(second).toEqual(first);
    expect(await h.db.collections.customers.countDocuments({ name: 'Once Ltd' })).toBe(1);
    expect(await errorCodeOf(acc.customer.create({ ...input, name: 'Twice Ltd' }))).toBe(
      'CONFLICT',
    );
  });
});
