import { ObjectId } from 'mongodb';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, makeUser, type Harness } from '../test/harness.js';
import { createContextInner, type ContextInnerOptions } from './context.js';
import { appRouter, createCaller } from './index.js';
import { createOperatorCaller, createOperatorContext, operatorRouter } from './operator.js';

const silent = pino({ level: 'silent' });

describe('operator callers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('operator');
  });
  afterAll(() => h.close());

  function operator(name = 'alice') {
    return createOperatorCaller(
      createOperatorContext({ db: h.db, log: silent, name, clock: h.clock, requestId: 'cli-t' }),
    );
  }

  async function orgWithOwner() {
    const owner = makeUser('owner');
    const org = await h
      .caller(owner)
      .organization.create({ name: 'Operated', currency: 'EUR', timezone: 'UTC' });
    return { owner, org };
  }

  it('manages members of any org through the same procedures, audited as operator:<name>', async () => {
    const { owner, org } = await orgWithOwner();
    const op = operator();
    const invite = await op.member.add({ orgId: org.id, email: 'new@example.test', role: 'owner' });
    expect(invite).toMatchObject({ status: 'pending', role: 'owner' });
    await op.member.updateRole({ orgId: org.id, email: 'new@example.test', role: 'viewer' });
    await op.member.remove({ orgId: org.id, email: 'new@example.test' });

    const events = await h.db.collections.auditEvents
      .find({ orgId: new ObjectId(org.id), action: /^member\./ })
      .sort({ _id: 1 })
      .toArray();
    expect(events.map((e) => [e.action, e.actor, e.requestId])).toEqual([
      ['member.add', { uid: 'operator:alice', email: null }, 'cli-t'],
      ['member.updateRole', { uid: 'operator:alice', email: null }, 'cli-t'],
      ['member.remove', { uid: 'operator:alice', email: null }, 'cli-t'],
    ]);
    // The operator's owner-level membership is never stored.
    const members = await h.caller(owner).member.list({ orgId: org.id });
    expect(members.map((m) => m.userId)).toEqual([owner.uid]);
  });

  it('keeps the domain rules: the last owner cannot be removed, unknown orgs are NOT_FOUND', async () => {
    const { owner, org } = await orgWithOwner();
    const op = operator();
    expect(await errorCodeOf(op.member.remove({ orgId: org.id, userId: owner.uid }))).toBe(
      'PRECONDITION_FAILED',
    );
    expect(await errorCodeOf(op.organization.byId({ orgId: new ObjectId().toHexString() }))).toBe(
      'NOT_FOUND',
    );
    expect(
      await errorCodeOf(op.member.remove({ orgId: org.id, email: 'nobody@example.test' })),
    ).toBe('NOT_FOUND');
  });

  it('lists every organization with member counts and owners', async () => {
    const { owner, org } = await orgWithOwner();
    await h.caller(owner).member.add({ orgId: org.id, email: 'p@example.test', role: 'viewer' });
    const list = await operator().operator.organizationList({ limit: 1000 });
    expect(list.find((o) => o.id === org.id)).toEqual({
      id: org.id,
      name: 'Operated',
      currency: 'EUR',
      timezone: 'UTC',
      createdAt: org.createdAt,
      activeMembers: 1,
      pendingInvites: 1,
      owners: [owner.email],
    });
    expect(await errorCodeOf(operator().operator.organizationList({ limit: 0 }))).toBe(
      'BAD_REQUEST',
    );
  });

  it('refuses operator names that would forge another actor', () => {
    for (const name of ['', 'a b', 'x:y', 'a'.repeat(65), '$where', '../etc']) {
      expect(() => createOperatorContext({ db: h.db, log: silent, name })).toThrow();
    }
  });
});

describe('operator level is unreachable from HTTP contexts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('operator-http');
  });
  afterAll(() => h.close());

  it('createContextInner (the HTTP factory) never sets operator, whatever it is given', () => {
    const hostile = {
      db: h.db,
      log: silent,
      user: { uid: 'operator:root', email: null, emailVerified: true },
      operator: { name: 'root' },
    } as ContextInnerOptions;
    expect(createContextInner(hostile).operator).toBeNull();
  });

  it('a user whose uid looks like an operator is an ordinary stranger to the org', async () => {
    const owner = makeUser('owner');
    const org = await h
      .caller(owner)
      .organization.create({ name: 'Target', currency: 'EUR', timezone: 'UTC' });
    const forged = { uid: 'operator:alice', email: null, emailVerified: false };
    const viaHttpContext = createCaller(
      createContextInner({ db: h.db, log: silent, user: forged }),
    );
    expect(await errorCodeOf(viaHttpContext.member.list({ orgId: org.id }))).toBe('NOT_FOUND');
    expect(
      await errorCodeOf(
        viaHttpContext.member.add({ orgId: org.id, email: 'x@example.test', role: 'owner' }),
      ),
    ).toBe('NOT_FOUND');
    // Even the operator router refuses a context createContextInner built.
    const operatorRouterWithHttpContext = createOperatorCaller(
      createContextInner({ db: h.db, log: silent, user: forged }),
    );
    expect(
      await errorCodeOf(operatorRouterWithHttpContext.operator.organizationList({ limit: 10 })),
    ).toBe('FORBIDDEN');
  });

  it('the router served over HTTP has no operator procedures', () => {
    const served = Object.keys(appRouter._def.procedures);
    expect(served.filter((path) => path.startsWith('operator.'))).toEqual([]);
    expect(Object.keys(operatorRouter._def.procedures)).toEqual(
      expect.arrayContaining(['operator.organizationList', 'member.add']),
    );
  });
});
