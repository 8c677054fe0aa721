import { attachmentSummary, recordAudit, type AuthUser } from '@invoice/api';
import { withTransaction, type AttachmentDoc, type Database } from '@invoice/db';

/**
 * The upload half of the race with `invoice.deleteDraft`. The upload's transaction re-reads the
 * invoice, which refuses an upload whose draft was deleted while it streamed. A deleteDraft
 * committing while that transaction runs is not seen by it, and does not see the new
 * attachment either: snapshot reads do not conflict, and making the upload write the invoice
 * to force a conflict made concurrent uploads to one invoice conflict with each other (376
 * failed commands in one bench run). So each side checks again after its commit: whichever
 * commits later sees the other. This is the upload's check: when the invoice is gone, the new
 * attachment is withdrawn (deleted and audited), and the caller removes its file and answers
 * 404. deleteDraft sweeps the invoice's attachments once more after its own commit.
 */
export async function withdrawIfInvoiceDeleted(
  db: Database,
  doc: AttachmentDoc,
  actor: AuthUser,
  requestId: string,
): Promise<boolean> {
  const invoice = await db.collections.invoices.findOne(
    { _id: doc.invoiceId, orgId: doc.orgId },
    { projection: { _id: 1 } },
  );
  if (invoice !== null) return false;
  await withTransaction(db.client, async (session) => {
    const removed = await db.collections.attachments.deleteOne({ _id: doc._id }, { session });
    // deleteDraft's sweep may have deleted (and audited) it first.
    if (removed.deletedCount === 0) return;
    await recordAudit(
      db,
      {
        orgId: doc.orgId,
        actor,
        action: 'attachment.delete',
        entity: { type: 'attachment', id: doc._id },
        before: attachmentSummary(doc),
        after: null,
        at: new Date(),
        requestId,
      },
      { session },
    );
  });
  return true;
}
