import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createCaller, createContextInner, type AttachmentStore } from '../src/index.js';
import { createHarness, type Harness } from './harness.js';
import {
  insertAttachment,
  insertCustomer,
  insertInvoice,
  seedOrg,
  type SeededOrg,
} from './support/fixtures.js';

/** A store that records what it was asked to remove, and can be told to fail. */
function recordingStore(failing = false): AttachmentStore & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    remove: (key) => {
      removed.push(key);
      return failing ? Promise.reject(new Error('disk unavailable')) : Promise.resolve();
    },
  };
}

describe('attachment router', () => {
  let h: Harness;
  let org: SeededOrg;
  beforeAll(async () => {
    h = await createHarness('attachment');
    org = await seedOrg(h);
  });
  afterAll(() => h.close());

  function callerWith(store: AttachmentStore) {
    return createCaller(
      createContextInner({
        db: h.db,
        log: pino({ level: 'silent' }),
        user: org.users.accountant,
        clock: h.clock,
        requestId: 'test',
        attachmentStore: store,
      }),
    );
  }

  it('lists the attachments of one invoice, newest first, page by page, without storage keys', async () => {
    const invoice = await insertInvoice(h, org, {
      customer: await insertCustomer(h, org),
      status: 'open',
    });
    const other = await insertInvoice(h, org, {
      customer: await insertCustomer(h, org),
      status: 'open',
    });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      // Pairs share an instant, so the id breaks ties.
      h.clock.set(new Date(Date.UTC(2026, 2, 1, 0, Math.floor(i / 2))));
      ids.push(
        (await insertAttachment(h, org, invoice, { filename: `f${i}.pdf` }))._id.toHexString(),
      );
    }
    await insertAttachment(h, org, other);
    const viewer = h.caller(org.users.viewer);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await viewer.attachment.list({
        orgId: org.orgId,
        invoiceId: invoice._id.toHexString(),
        limit: 3,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      for (const item of page.items) {
        expect(item).not.toHaveProperty('storageKey');
        expect(item.invoiceId).toBe(invoice._id.toHexString());
      }
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const expected = [...ids].reverse();
    // Within a shared instant the larger id comes first, as the sort says.
    expect(new Set(seen)).toEqual(new Set(expected));
    expect(seen).toHaveLength(7);
    const created = await h.db.collections.attachments
      .find({ invoiceId: invoice._id })
      .sort({ createdAt: -1, _id: -1 })
      .toArray();
    expect(seen).toEqual(created.map((d) => d._id.toHexString()));
  });

  it('refuses to list the attachments of an invoice that does not exist', async () => {
    await expect(
      h.caller(org.users.viewer).attachment.list({
        orgId: org.orgId,
        invoiceId: '0123456789abcdef01234567',
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('deletes the metadata with an audit event, then the file through the store', async () => {
    const invoice = await insertInvoice(h, org, { customer: await insertCustomer(h, org) });
    const doc = await insertAttachment(h, org, invoice);
    const store = recordingStore();
    const result = await callerWith(store).attachment.delete({
      orgId: org.orgId,
      attachmentId: doc._id.toHexString(),
      idempotencyKey: 'del-1',
    });
    expect(result).toEqual({ deleted: true, id: doc._id.toHexString() });
    expect(store.removed).toEqual([doc.storageKey]);
    expect(await h.db.collections.attachments.countDocuments({ _id: doc._id })).toBe(0);
    const audit = await h.caller(org.users.viewer).audit.list({
      orgId: org.orgId,
      entityType: 'attachment',
      entityId: doc._id.toHexString(),
    });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({
      action: 'attachment.delete',
      before: { filename: 'receipt.pdf', invoiceId: invoice._id.toHexString() },
      after: null,
    });

    // A retry with the same key replays the result and removes nothing twice.
    const replay = await callerWith(store).attachment.delete({
      orgId: org.orgId,
      attachmentId: doc._id.toHexString(),
      idempotencyKey: 'del-1',
    });
    expect(replay).toEqual(result);
    expect(store.removed).toHaveLength(1);
    // Without the key, the attachment is simply gone.
    await expect(
      callerWith(store).attachment.delete({
        orgId: org.orgId,
        attachmentId: doc._id.toHexString(),
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('keeps the committed delete when the file cannot be removed (left as an orphan)', async () => {
    const invoice = await insertInvoice(h, org, { customer: await insertCustomer(h, org) });
    const doc = await insertAttachment(h, org, invoice);
    const store = recordingStore(true);
    await expect(
      callerWith(store).attachment.delete({
        orgId: org.orgId,
        attachmentId: doc._id.toHexString(),
      }),
    ).resolves.toEqual({ deleted: true, id: doc._id.toHexString() });
    expect(store.removed).toEqual([doc.storageKey]);
    expect(await h.db.collections.attachments.countDocuments({ _id: doc._id })).toBe(0);
  });

  it('works without a store (CLI, in-process tools): only the metadata goes', async () => {
    const invoice = await insertInvoice(h, org, { customer: await insertCustomer(h, org) });
    const doc = await insertAttachment(h, org, invoice);
    await h.caller(org.users.accountant).attachment.delete({
      orgId: org.orgId,
      attachmentId: doc._id.toHexString(),
    });
    expect(await h.db.collections.attachments.countDocuments({ _id: doc._id })).toBe(0);
  });
});
