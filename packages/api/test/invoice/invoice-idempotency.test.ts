import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../harness.js';
import { addCustomer, expectCode, setupOrg, standardLines, type OrgFixture } from './fixtures.js';

describe('invoice idempotency keys', () => {
  let h: Harness;
  let fx: OrgFixture;
  let customerId: string;

  beforeAll(async () => {
    h = await createHarness('invoice-idempotency');
    // Keys expire through a TTL index on `expiresAt` = clock + 24 h, and TTL deletion runs on the
    // server's real time: with the harness's default clock (in the past) a stored key could be
    // swept between two calls. Run this suite on the real time.
    h.clock.set(new Date());
    fx = await setupOrg(h);
    customerId = await addCustomer(h, fx.orgId);
  });
  afterAll(() => h.close());

  it('50 concurrent creates with one key and input make one invoice and 50 identical results', async () => {
    const input = {
      orgId: fx.orgId,
      customerId,
      lines: standardLines,
      notes: 'Once only',
      idempotencyKey: 'create-once-0001',
    };
    const results = await Promise.all(
      Array.from({ length: 50 }, () => fx.acct.invoice.create(input)),
    );
    const stored = await h.db.collections.invoices
      .find({ orgId: new ObjectId(fx.orgId), notes: 'Once only' })
      .toArray();
    expect(stored).toHaveLength(1);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set([stored[0]!._id.toHexString()]));
    for (const result of results) expect(result).toEqual(results[0]);
    expect(
      await h.db.collections.auditEvents.countDocuments({
        'entity.id': stored[0]!._id,
        action: 'invoice.create',
      }),
    ).toBe(1);

    // A later retry replays the stored result and still writes nothing.
    await expect(fx.acct.invoice.create(input)).resolves.toEqual(results[0]);
    expect(
      await h.db.collections.invoices.countDocuments({
        orgId: new ObjectId(fx.orgId),
        notes: 'Once only',
      }),
    ).toBe(1);
  });

  it('refuses the same key with another input with CONFLICT, writing nothing', async () => {
    const input = { orgId: fx.orgId, customerId, lines: standardLines, idempotencyKey: 'k-2' };
    await fx.acct.invoice.create(input);
    const before = await h.db.collections.invoices.countDocuments({});
    await expectCode(fx.acct.invoice.create({ ...input, notes: 'different' }), 'CONFLICT');
    expect(await h.db.collections.invoices.countDocuments({})).toBe(before);
  });

  it('replays an issue with its key instead of failing on the second call', async () => {
    const draft = await fx.acct.invoice.create({
      orgId: fx.orgId,
      customerId,
      lines: standardLines,
    });
    const input = { orgId: fx.orgId, invoiceId: draft.id, idempotencyKey: 'issue-1' };
    const first = await fx.acct.invoice.issue(input);
    await expect(fx.acct.invoice.issue(input)).resolves.toEqual(first);
    // Without the key the second issue is a real, refused, transition.
    await expectCode(
      fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: draft.id }),
      'PRECONDITION_FAILED',
    );
  });
});
