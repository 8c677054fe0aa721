import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, monitoredClient, type Harness, type MonitoredClient } from '../harness.js';
import { addCustomer, createDraft, holdNumberQueue, setupOrg } from './fixtures.js';

/**
 * invoice.issue runs one per org at a time in a process (the series' counter), so what it sends
 * inside that queue bounds the org's issue throughput: the commands are observable through
 * command monitoring, and a repeat of a recorded key must not wait in the queue at all.
 */
describe('invoice.issue: the commands of one issue, and the queue it waits in', () => {
  let h: Harness;
  let monitored: MonitoredClient;

  beforeAll(async () => {
    h = await createHarness('invoice-issue-commands');
    // Idempotency keys expire by a TTL index on the real time: run on the real time.
    h.clock.set(new Date());
    monitored = monitoredClient(h);
  });
  afterAll(async () => {
    await monitored.close();
    await h.close();
  });

  it('a keyed issue looks its key up before the transaction and records it with the result in one insert', async () => {
    const fx = await setupOrg(h);
    const draft = await createDraft(fx, await addCustomer(h, fx.orgId));
    const caller = monitored.caller(fx.accountant);
    monitored.reset();
    const input = { orgId: fx.orgId, invoiceId: draft.id, idempotencyKey: 'issue-commands-1' };
    const issued = await caller.invoice.issue(input);
    const sent = monitored.sent();
    expect(sent).toEqual([
      'aggregate:memberships',
      'find:idempotency_keys',
      'find:organizations',
      'aggregate:invoices',
      'findAndModify:counters',
      'update:invoices',
      'insert:audit_events',
      'insert:idempotency_keys',
      'commitTransaction:1',
    ]);
    // The transaction starts with the read of the organization (its numbering and seller as of
    // the transaction, not as the request found them before its turn), then the draft with its
    // customer (one aggregate): the key lookup is not part of it.
    expect(monitored.commands[2]?.command.startTransaction).toBe(true);
    expect(monitored.commands[1]?.command.startTransaction).toBeUndefined();

    const stored = await h.db.collections.idempotencyKeys.findOne({
      scope: fx.orgId,
      procedure: 'invoice.issue',
    });
    expect(stored?.result).toContain(issued.number);
    monitored.reset();
    await expect(caller.invoice.issue(input)).resolves.toEqual(issued);
    expect(monitored.commands.map((c) => c.commandName)).toEqual(['aggregate', 'find']);
  });

  it("a repeat of a recorded key is answered while the org's issue queue is busy", async () => {
    const fx = await setupOrg(h);
    const draft = await createDraft(fx, await addCustomer(h, fx.orgId));
    const input = { orgId: fx.orgId, invoiceId: draft.id, idempotencyKey: 'issue-queue-1' };
    const issued = await fx.acct.invoice.issue(input);

    const queue = holdNumberQueue(h, fx.orgId, 'invoice');
    try {
      await expect(fx.acct.invoice.issue(input)).resolves.toEqual(issued);
      // A new issue does wait its turn behind the held task.
      const other = await createDraft(fx, await addCustomer(h, fx.orgId));
      const waiting = fx.acct.invoice.issue({ orgId: fx.orgId, invoiceId: other.id });
      await queue.waiting();
      await queue.release();
      expect((await waiting).number).not.toBe(issued.number);
    } finally {
      await queue.release();
    }
  });

  it('the same keyed issue from two processes at once takes one number and answers it to all', async () => {
    const second = await createHarness('invoice-issue-commands', h);
    try {
      const fx = await setupOrg(h);
      const customerId = await addCustomer(h, fx.orgId);
      for (let round = 0; round < 5; round += 1) {
        const draft = await createDraft(fx, customerId);
        const input = { orgId: fx.orgId, invoiceId: draft.id, idempotencyKey: `race-${round}` };
        // Each client has its own per-org queue, as two server processes do.
        const results = await Promise.all(
          [h, second, h, second].map((harness) =>
            harness.caller(fx.accountant).invoice.issue(input),
          ),
        );
        for (const result of results) expect(result).toEqual(results[0]);
        expect(results[0]?.status).toBe('open');
      }
      const orgId = new ObjectId(fx.orgId);
      const open = await h.db.collections.invoices.find({ orgId, status: 'open' }).toArray();
      // Gapless: the five issues took the series' first five numbers, once each.
      expect(open.map((doc) => doc.sequence).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
        1, 2, 3, 4, 5,
      ]);
      expect(
        await h.db.collections.auditEvents.countDocuments({ orgId, action: 'invoice.issue' }),
      ).toBe(5);
    } finally {
      await second.close();
    }
  });
});
