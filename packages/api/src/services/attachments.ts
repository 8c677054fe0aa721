import { withTransaction, type AttachmentDoc } from '@invoice/db';
import type { ClientSession, ObjectId } from 'mongodb';
import type { OrgCallContext } from '../context.js';
import { auditChange } from './org-mutation.js';

/** What an attachment's audit events keep of it (upload's `after`, delete's `before`). */
export function attachmentSummary(doc: AttachmentDoc) {
  return {
    invoiceId: doc.invoiceId.toHexString(),
    filename: doc.filename,
    contentType: doc.contentType,
    size: doc.size,
    sha256: doc.sha256,
  };
}

/** Audits the deletion of one attachment, inside the transaction that deleted it. */
export async function auditAttachmentDelete(
  ctx: OrgCallContext,
  session: ClientSession,
  doc: AttachmentDoc,
): Promise<void> {
  await auditChange(
    ctx,
    session,
    'attachment.delete',
    { type: 'attachment', id: doc._id },
    attachmentSummary(doc),
    null,
  );
}

/**
 * Deletes every attachment of an invoice inside the caller's transaction, each audited; returns
 * their files' storage keys, to remove once the transaction committed (removeAttachmentFiles).
 */
export async function deleteInvoiceAttachments(
  ctx: OrgCallContext,
  invoiceId: ObjectId,
  session: ClientSession,
): Promise<string[]> {
  const filter = { orgId: ctx.org._id, invoiceId };
  const docs = await ctx.db.collections.attachments.find(filter, { session }).toArray();
  if (docs.length === 0) return [];
  await ctx.db.collections.attachments.deleteMany(filter, { session });
  for (const doc of docs) await auditAttachmentDelete(ctx, session, doc);
  return docs.map((doc) => doc.storageKey);
}

/**
 * Removes files whose metadata a committed transaction deleted. Outside the transaction (which
 * may be retried): once the metadata is gone nobody can download a file, and one that fails to
 * go is only an orphan, logged for the sweeper rather than failing a committed change.
 */
export async function removeAttachmentFiles(
  ctx: OrgCallContext,
  storageKeys: readonly string[],
): Promise<void> {
  if (ctx.attachmentStore === null) return;
  for (const storageKey of storageKeys) {
    try {
      await ctx.attachmentStore.remove(storageKey);
    } catch (error) {
      ctx.log.error(
        { err: error, storageKey },
        'attachment file could not be removed; left as an orphan',
      );
    }
  }
}

/**
 * After `invoice.deleteDraft` committed: deletes (audited) and removes the attachments an upload
 * committed while that transaction ran, which its snapshot could not see. The upload checks
 * again after its own commit too (apps/server `withdrawIfInvoiceDeleted`), so whichever of the
 * two commits later sees the other. Usually one indexed read finds nothing. A failure is logged,
 * not thrown: the draft is already deleted, and the upload's own check may still catch it.
 */
export async function sweepAttachmentsOfDeletedDraft(
  ctx: OrgCallContext,
  invoiceId: ObjectId,
): Promise<void> {
  try {
    const filter = { orgId: ctx.org._id, invoiceId };
    const any = await ctx.db.collections.attachments.findOne(filter, { projection: { _id: 1 } });
    if (any === null) return;
    const storageKeys = await withTransaction(ctx.db.client, (session) =>
      deleteInvoiceAttachments(ctx, invoiceId, session),
    );
    await removeAttachmentFiles(ctx, storageKeys);
  } catch (error) {
    ctx.log.error(
      { err: error, invoiceId: invoiceId.toHexString() },
      'attachments uploaded while their draft was deleted could not be swept',
    );
  }
}
