import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, makeUser, type Harness } from '../../test/harness.js';

describe('member router', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('member');
  });
  afterAll(() => h.close());

  async function orgWithOwner() {
    const owner = makeUser('owner');
    const org = await h
      .caller(owner)
      .organization.create({ name: 'Org', currency: 'EUR', timezone: 'UTC' });
    return { owner, org };
  }

  it('creates a pending invite that binds on the first verified sign-in with that email', async () => {
    const { owner, org } = await orgWithOwner();
    const invitee = makeUser('invitee');
    const invite = await h
      .caller(owner)
      .member.add({ orgId: org.id, email: invitee.email!.toUpperCase(), role: 'accountant' });
    expect(invite).toMatchObject({
      status: 'pending',
      userId: null,
      email: invitee.email,
      role: 'accountant',
    });

    // Same email, not verified: never claims the invite.
    const impostor = { ...makeUser('impostor'), email: invitee.email, emailVerified: false };
    expect(await errorCodeOf(h.caller(impostor).organization.byId({ orgId: org.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await h.caller(impostor).organization.list()).toEqual([]);

    const orgs = await h.caller(invitee).organization.list();
    expect(orgs).toEqual([expect.objectContaining({ id: org.id, role: 'accountant' })]);
    const members = await h.caller(owner).member.list({ orgId: org.id });
    expect(members.find((m) => m.email === invitee.email)).toMatchObject({
      status: 'active',
      userId: invitee.uid,
    });
  });

  it('audits each invite binding in the same transaction, by the invitee, exactly once', async () => {
    const { owner, org } = await orgWithOwner();
    const { owner: otherOwner, org: other } = await orgWithOwner();
    const invitee = makeUser('invitee');
    const invites = [
      await h.caller(owner).member.add({ orgId: org.id, email: invitee.email!, role: 'viewer' }),
      await h
        .caller(otherOwner)
        .member.add({ orgId: other.id, email: invitee.email!, role: 'admin' }),
    ];
    const bindingsOf = async (orgId: string, membershipId: string) =>
      (
        await h.caller(orgId === org.id ? owner : otherOwner).audit.list({
          orgId,
          entityType: 'member',
          entityId: membershipId,
        })
      ).items;

    // The org-scoped access check binds only that org's invite...
    await h.caller(invitee).organization.byId({ orgId: org.id });
    const first = await bindingsOf(org.id, invites[0]!.id);
    expect(first.map((e) => e.action)).toEqual(['member.acceptInvite', 'member.add']);
    expect(first[0]).toMatchObject({
      actor: { userId: invitee.uid, email: invitee.email },
      before: { status: 'pending', role: 'viewer' },
      after: { status: 'active', role: 'viewer', userId: invitee.uid },
    });
    expect((await bindingsOf(other.id, invites[1]!.id)).map((e) => e.action)).toEqual([
      'member.add',
    ]);

    // ...organization.list binds the rest; bound invites are never bound (or audited) again.
    await h.caller(invitee).organization.list();
    await h.caller(invitee).organization.list();
    await h.caller(invitee).organization.byId({ orgId: org.id });
    expect((await bindingsOf(org.id, invites[0]!.id)).map((e) => e.action)).toEqual([
      'member.acceptInvite',
      'member.add',
    ]);
    expect((await bindingsOf(other.id, invites[1]!.id)).map((e) => e.action)).toEqual([
      'member.acceptInvite',
      'member.add',
    ]);
  });

  it('refuses a duplicate invite with CONFLICT', async () => {
    const { owner, org } = await orgWithOwner();
    await h.caller(owner).member.add({ orgId: org.id, email: 'dup@example.test', role: 'viewer' });
    expect(
      await errorCodeOf(
        h.caller(owner).member.add({ orgId: org.id, email: 'dup@example.test', role: 'admin' }),
      ),
    ).toBe('CONFLICT');
  });

  it('lets admins manage members except owners; only owners touch owners', async () => {
    const { owner, org } = await orgWithOwner();
    const admin = makeUser('admin');
    await h.caller(owner).member.add({ orgId: org.id, email: admin.email!, role: 'admin' });
    await h.caller(admin).organization.list(); // binds
    expect(
      await errorCodeOf(
        h.caller(admin).member.add({ orgId: org.id, email: 'o2@example.test', role: 'owner' }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await errorCodeOf(
        h.caller(admin).member.updateRole({ orgId: org.id, userId: owner.uid, role: 'viewer' }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await errorCodeOf(h.caller(admin).member.remove({ orgId: org.id, userId: owner.uid })),
    ).toBe('FORBIDDEN');
    const v = await h
      .caller(admin)
      .member.add({ orgId: org.id, email: 'v@example.test', role: 'viewer' });
    const promoted = await h
      .caller(admin)
      .member.updateRole({ orgId: org.id, email: v.email, role: 'accountant' });
    expect(promoted.role).toBe('accountant');
  });

  it('keeps at least one owner', async () => {
    const { owner, org } = await orgWithOwner();
    expect(
      await errorCodeOf(
        h.caller(owner).member.updateRole({ orgId: org.id, userId: owner.uid, role: 'admin' }),
      ),
    ).toBe('PRECONDITION_FAILED');
    expect(
      await errorCodeOf(h.caller(owner).member.remove({ orgId: org.id, userId: owner.uid })),
    ).toBe('PRECONDITION_FAILED');
    const members = await h.caller(owner).member.list({ orgId: org.id });
    expect(members).toEqual([expect.objectContaining({ userId: owner.uid, role: 'owner' })]);
  });

  it('never leaves an org ownerless when two owners demote each other concurrently', async () => {
    const { owner, org } = await orgWithOwner();
    const second = makeUser('second');
    await h.caller(owner).member.add({ orgId: org.id, email: second.email!, role: 'owner' });
    await h.caller(second).organization.list();
    const outcomes = await Promise.all([
      errorCodeOf(
        h.caller(owner).member.updateRole({ orgId: org.id, userId: second.uid, role: 'viewer' }),
      ),
      errorCodeOf(
        h.caller(second).member.updateRole({ orgId: org.id, userId: owner.uid, role: 'viewer' }),
      ),
    ]);
    // One demotion wins; the other is refused, either because the loser's role is re-read
    // inside its retried transaction (FORBIDDEN) or because it would leave no owner.
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'OK')[0]).toMatch(/^(FORBIDDEN|PRECONDITION_FAILED)$/);
    const owners = await h.db.collections.memberships.countDocuments({
      orgId: new ObjectId(org.id),
      role: 'owner',
      status: 'active',
    });
    expect(owners).toBe(1);
  });

  it('takes a removal into account on the next request', async () => {
    const { owner, org } = await orgWithOwner();
    const member = makeUser('leaver');
    await h.caller(owner).member.add({ orgId: org.id, email: member.email!, role: 'accountant' });
    await h.caller(member).organization.list();
    expect(await errorCodeOf(h.caller(member).organization.byId({ orgId: org.id }))).toBe('OK');
    await h.caller(owner).member.remove({ orgId: org.id, userId: member.uid });
    expect(await errorCodeOf(h.caller(member).organization.byId({ orgId: org.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await errorCodeOf(h.caller(member).member.list({ orgId: org.id }))).toBe('NOT_FOUND');
  });
});
