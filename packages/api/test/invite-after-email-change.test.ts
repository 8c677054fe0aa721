import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, makeUser, type Harness } from './harness.js';

/**
 * A member whose sign-in email changed (Firebase lets users change it) and who is then invited
 * again under the new address already has a membership of that org. Binding the second invite
 * to the same uid broke the unique (orgId, uid) index: every `organization.list` of that user
 * ended in CONFLICT, and invites of other orgs to the new address never bound. Now the invite
 * to an org they belong to stays pending (for an admin to remove) and the others bind.
 */
describe('an invite to the new email of an existing member', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('review-invite-existing-member');
  });
  afterAll(() => h.close());

  it('never locks the member out of organization.list', async () => {
    const owner = makeUser('owner');
    const orgA = await h.caller(owner).organization.create({
      name: 'Org A',
      currency: 'EUR',
      timezone: 'Europe/Paris',
    });
    const orgB = await h.caller(owner).organization.create({
      name: 'Org B',
      currency: 'EUR',
      timezone: 'Europe/Paris',
    });

    const member = makeUser('member');
    await h.caller(owner).member.add({ orgId: orgA.id, email: member.email!, role: 'viewer' });
    expect((await h.caller(member).organization.list()).map((o) => o.id)).toEqual([orgA.id]);

    // The member's Firebase email changes; both orgs invite the new (verified) address.
    const newEmail = `renamed-${member.email!}`;
    await h.caller(owner).member.add({ orgId: orgA.id, email: newEmail, role: 'accountant' });
    await h.caller(owner).member.add({ orgId: orgB.id, email: newEmail, role: 'viewer' });
    const renamed = { ...member, email: newEmail };

    const orgs = await h.caller(renamed).organization.list();
    expect(orgs.map((o) => [o.id, o.role]).sort()).toEqual(
      [
        [orgA.id, 'viewer'], // the existing membership, its role kept
        [orgB.id, 'viewer'], // the new invite, bound
      ].sort(),
    );
    await expect(h.caller(renamed).organization.list()).resolves.toHaveLength(2);
    const members = await h.caller(owner).member.list({ orgId: orgA.id });
    expect(members.find((m) => m.email === newEmail)).toMatchObject({ status: 'pending' });
  });
});
