import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAuditSummary } from '../src/mappers/audit.js';
import { createHarness, type Harness } from './harness.js';
import { seedOrg, type SeededOrg } from './support/fixtures.js';

describe('audit router', () => {
  let h: Harness;
  let org: SeededOrg;
  beforeAll(async () => {
    h = await createHarness('audit');
    org = await seedOrg(h);
  });
  afterAll(() => h.close());

  it('lists every event newest first across pages, each exactly once', async () => {
    const acc = h.caller(org.users.accountant);
    for (let i = 0; i < 9; i++) {
      // Three events per instant: ties break on the id.
      h.clock.set(new Date(Date.UTC(2026, 3, 1, 0, Math.floor(i / 3))));
      await acc.customer.create({ orgId: org.orgId, name: `C${i}` });
    }
    const viewer = h.caller(org.users.viewer);
    const seen: { id: string; at: Date }[] = [];
    let cursor: string | undefined;
    do {
      const page = await viewer.audit.list({
        orgId: org.orgId,
        limit: 4,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const stored = await h.db.collections.auditEvents
      .find({ orgId: org.oid })
      .sort({ at: -1, _id: -1 })
      .toArray();
    expect(seen.map((e) => e.id)).toEqual(stored.map((d) => d._id.toHexString()));
    // Org creation and three invites, each with its acceptance, are in there too, oldest last.
    expect(stored.length).toBe(9 + 1 + 3 * 2);
  });

  it('filters by entity type (member maps to stored memberships) and by entity', async () => {
    const viewer = h.caller(org.users.viewer);
    const members = await viewer.audit.list({ orgId: org.orgId, entityType: 'member' });
    // seedOrg invites each member, who then accepts on their first request.
    expect(members.items.map((e) => e.action)).toEqual(
      Array.from({ length: 3 }, () => ['member.acceptInvite', 'member.add']).flat(),
    );
    expect(members.items.every((e) => e.entityType === 'member')).toBe(true);
    const one = members.items[0];
    if (!one) throw new Error('no member event');
    const byEntity = await viewer.audit.list({
      orgId: org.orgId,
      entityType: 'member',
      entityId: one.entityId,
    });
    expect(byEntity.items.map((e) => e.id)).toEqual(members.items.slice(0, 2).map((e) => e.id));
    const none = await viewer.audit.list({
      orgId: org.orgId,
      entityType: 'invoice',
      entityId: new ObjectId().toHexString(),
    });
    expect(none).toEqual({ items: [], nextCursor: null });
    await expect(
      viewer.audit.list({ orgId: org.orgId, entityId: one.entityId }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('shows nested before/after values as text so the page always validates', async () => {
    await h.caller(org.users.admin).organization.update({
      orgId: org.orgId,
      address: { line1: '1 Quay St', city: 'Auckland', country: 'NZ' },
      defaultTaxRates: [1500],
    });
    const page = await h.caller(org.users.viewer).audit.list({
      orgId: org.orgId,
      entityType: 'organization',
      limit: 1,
    });
    expect(page.items[0]?.action).toBe('organization.update');
    expect(page.items[0]?.after).toEqual({
      address: JSON.stringify({ line1: '1 Quay St', city: 'Auckland', country: 'NZ' }),
      defaultTaxRates: '[1500]',
    });
  });

  it('bounds summaries: odd keys dropped, long text cut, at most 50 fields', () => {
    const wide = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(toAuditSummary(wide) ?? {})).toHaveLength(50);
    expect(
      toAuditSummary({
        __proto__x: 1,
        $set: 2,
        'a.b': 3,
        ok: 'x'.repeat(600),
        when: new Date('2026-01-01T00:00:00Z'),
        nan: Number.NaN,
        nothing: undefined,
      }),
    ).toEqual({
      ok: `${'x'.repeat(499)}…`,
      when: '2026-01-01T00:00:00.000Z',
      nan: null,
      nothing: null,
    });
    expect(toAuditSummary(null)).toBeNull();
  });
});
