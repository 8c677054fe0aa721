import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, makeUser, type Harness } from '../../test/harness.js';

describe('organization router', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('organization');
  });
  afterAll(() => h.close());

  it('creates an org whose creator is its owner, with default numbering, and audits it', async () => {
    const alice = makeUser('alice');
    const org = await h
      .caller(alice)
      .organization.create({ name: 'Acme', currency: 'EUR', timezone: 'Europe/Paris' });
    expect(org).toMatchObject({
      name: 'Acme',
      currency: 'EUR',
      timezone: 'Europe/Paris',
      paymentTermsDays: 30,
    });
    expect(org.numbering.prefix).toBe('INV-');
    const list = await h.caller(alice).organization.list();
    expect(list).toEqual([expect.objectContaining({ id: org.id, role: 'owner' })]);
    const events = await h.db.collections.auditEvents
      .find({ action: 'organization.create' })
      .toArray();
    expect(
      events.some((e) => e.entity.id.toHexString() === org.id && e.actor.uid === alice.uid),
    ).toBe(true);
  });

  it('requires a signed-in user', async () => {
    expect(await errorCodeOf(h.caller(null).organization.list())).toBe('UNAUTHORIZED');
    expect(
      await errorCodeOf(
        h.caller(null).organization.create({ name: 'X', currency: 'EUR', timezone: 'UTC' }),
      ),
    ).toBe('UNAUTHORIZED');
  });

  it('hides other orgs: byId of a foreign or unknown org is NOT_FOUND', async () => {
    const owner = makeUser();
    const stranger = makeUser();
    const org = await h
      .caller(owner)
      .organization.create({ name: 'Private', currency: 'USD', timezone: 'UTC' });
    expect(await errorCodeOf(h.caller(stranger).organization.byId({ orgId: org.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await errorCodeOf(h.caller(stranger).organization.byId({ orgId: 'f'.repeat(24) }))).toBe(
      'NOT_FOUND',
    );
    expect(await h.caller(stranger).organization.list()).toEqual([]);
  });

  it('lets admins update settings and records before/after; viewers cannot', async () => {
    const owner = makeUser();
    const viewer = makeUser();
    const org = await h
      .caller(owner)
      .organization.create({ name: 'Old', currency: 'EUR', timezone: 'UTC' });
    await h.caller(owner).member.add({ orgId: org.id, email: viewer.email!, role: 'viewer' });
    expect(
      await errorCodeOf(h.caller(viewer).organization.update({ orgId: org.id, name: 'Hijack' })),
    ).toBe('FORBIDDEN');
    const updated = await h
      .caller(owner)
      .organization.update({ orgId: org.id, name: 'New', paymentTermsDays: 14 });
    expect(updated).toMatchObject({ name: 'New', paymentTermsDays: 14 });
    const event = await h.db.collections.auditEvents.findOne({ action: 'organization.update' });
    expect(event?.before).toMatchObject({ name: 'Old', paymentTermsDays: 30 });
    expect(event?.after).toMatchObject({ name: 'New', paymentTermsDays: 14 });
  });

  it('rejects mass assignment and operator injection with BAD_REQUEST and writes nothing', async () => {
    const owner = makeUser();
    const before = await h.db.collections.organizations.countDocuments();
    const hostile: unknown[] = [
      { name: 'A', currency: 'EUR', timezone: 'UTC', createdBy: 'someone-else' },
      { name: 'A', currency: 'EUR', timezone: 'UTC', _id: 'f'.repeat(24) },
      { name: { $ne: '' }, currency: 'EUR', timezone: 'UTC' },
      { name: 'A', currency: '$where', timezone: 'UTC' },
      { name: 'A', currency: 'EUR', timezone: 'Not/AZone' },
      { name: 'x'.repeat(10_000), currency: 'EUR', timezone: 'UTC' },
      JSON.parse('{"name":"A","currency":"EUR","timezone":"UTC","__proto__":{"polluted":true}}'),
    ];
    for (const input of hostile) {
      // @ts-expect-error deliberately invalid input
      expect(await errorCodeOf(h.caller(owner).organization.create(input))).toBe('BAD_REQUEST');
    }
    expect(await h.db.collections.organizations.countDocuments()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('replays organization.create for the same idempotency key and refuses a different input', async () => {
    const owner = makeUser();
    const input = {
      name: 'Once',
      currency: 'JPY' as const,
      timezone: 'Asia/Tokyo',
      idempotencyKey: 'create-once',
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => h.caller(owner).organization.create(input)),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.every((r) => JSON.stringify(r) === JSON.stringify(results[0]))).toBe(true);
    expect(await h.db.collections.organizations.countDocuments({ name: 'Once' })).toBe(1);
    expect(
      await errorCodeOf(h.caller(owner).organization.create({ ...input, name: 'Twice' })),
    ).toBe('CONFLICT');
  });
});

describe('input shape guard', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('shape-guard');
  });
  afterAll(() => h.close());

  it('refuses 50 000 unknown keys and deep nesting with one short BAD_REQUEST', async () => {
    const user = makeUser();
    const wide: Record<string, unknown> = { name: 'A', currency: 'EUR', timezone: 'UTC' };
    for (let i = 0; i < 50_000; i++) wide[`k${i}`] = i;
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = { a: deep };
    for (const input of [wide, { name: deep, currency: 'EUR', timezone: 'UTC' }]) {
      try {
        // @ts-expect-error deliberately invalid input
        await h.caller(user).organization.create(input);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(TRPCError);
        expect((error as TRPCError).code).toBe('BAD_REQUEST');
        expect((error as TRPCError).message.length).toBeLessThan(200);
      }
    }
    expect(await h.db.collections.organizations.countDocuments()).toBe(0);
  });
});
