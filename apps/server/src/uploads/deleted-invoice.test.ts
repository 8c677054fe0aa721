import type { AttachmentDoc } from '@invoice/db';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/server.js';
import { createOrgOverHttp, draftInvoiceOverHttp } from '../../test/security/http.js';
import { withdrawIfInvoiceDeleted } from './deleted-invoice.js';

/**
 * The upload's check after its commit, for the one order its transaction cannot see: a
 * deleteDraft that committed while the upload's transaction ran (the streaming case, deleted
 * before that transaction, is in test/draft-attachments.test.ts).
 */
describe('withdrawIfInvoiceDeleted', () => {
  let s: TestServer;
  let orgId: string;
  const user = { uid: 'withdraw-user', email: 'withdraw@example.test', emailVerified: true };
  beforeAll(async () => {
    s = await startTestServer('withdraw-attachment');
    const token = (await s.signIn('withdraw-owner@example.test')).idToken;
    orgId = await createOrgOverHttp(s, token);
  });
  afterAll(() => s.close());

  const attachmentOf = (invoiceId: ObjectId): AttachmentDoc => {
    const now = new Date();
    const id = new ObjectId();
    return {
      _id: id,
      orgId: new ObjectId(orgId),
      invoiceId,
      filename: 'scan.png',
      contentType: 'image/png',
      size: 67,
      sha256: 'a'.repeat(64),
      storageKey: `${orgId}/${id.toHexString()}`,
      uploadedBy: user.uid,
      createdAt: now,
      updatedAt: now,
    };
  };

  it('withdraws, audited, an attachment whose invoice is gone', async () => {
    const doc = attachmentOf(new ObjectId());
    await s.db.collections.attachments.insertOne(doc);
    expect(await withdrawIfInvoiceDeleted(s.db, doc, user, 'req-1')).toBe(true);
    expect(await s.db.collections.attachments.findOne({ _id: doc._id })).toBeNull();
    const audit = await s.db.collections.auditEvents.findOne({ 'entity.id': doc._id });
    expect(audit).toMatchObject({ action: 'attachment.delete', after: null, requestId: 'req-1' });
  });

  it('keeps an attachment whose invoice exists', async () => {
    const token = (await s.signIn('withdraw-owner@example.test')).idToken;
    const draft = await draftInvoiceOverHttp(s, token, orgId);
    const doc = attachmentOf(new ObjectId(draft.invoiceId));
    await s.db.collections.attachments.insertOne(doc);
    expect(await withdrawIfInvoiceDeleted(s.db, doc, user, 'req-2')).toBe(false);
    expect(await s.db.collections.attachments.countDocuments({ _id: doc._id })).toBe(1);
  });
});
