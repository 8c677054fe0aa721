import type { AttachmentDoc } from '@invoice/db';
import {
  attachmentDeleteInput,
  attachmentDeleteOutput,
  attachmentListInput,
  attachmentListOutput,
} from '@invoice/validators';
import { ObjectId, type Filter } from 'mongodb';
import { notFound } from '../domain/errors.js';
import { toAttachment } from '../mappers/attachment.js';
import { afterCursorFilter, decodeCursor, toPage } from '../services/cursor.js';
import { auditAttachmentDelete, removeAttachmentFiles } from '../services/attachments.js';
import { runOrgMutation } from '../services/org-mutation.js';
import { orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

/** Upload and download are HTTP routes (multipart, streaming); metadata lives here. */
export const attachmentRouter = router({
  /** Newest first. The invoice must belong to the caller's org, as for every id in an input. */
  list: orgProcedure('viewer')
    .input(attachmentListInput)
    .output(checkedOutput(attachmentListOutput))
    .query(async ({ ctx, input }) => {
      const invoiceId = new ObjectId(input.invoiceId);
      const invoice = await ctx.db.collections.invoices.findOne(
        { _id: invoiceId, orgId: ctx.org._id },
        { projection: { _id: 1 } },
      );
      if (!invoice) throw notFound('Invoice');
      const clauses: Filter<AttachmentDoc>[] = [{ orgId: ctx.org._id, invoiceId }];
      if (input.cursor !== undefined) {
        const position = decodeCursor(input.cursor, 'createdAt', 'desc');
        clauses.push(afterCursorFilter('createdAt', position, { nullable: false }));
      }
      const docs = await ctx.db.collections.attachments
        .find({ $and: clauses })
        .sort({ createdAt: -1, _id: -1 })
        .limit(input.limit + 1)
        .toArray();
      return toPage(docs, input.limit, 'createdAt', 'desc', (doc) => doc.createdAt, toAttachment);
    }),

  /**
   * Removes the metadata and writes the audit event in one transaction, then the file
   * (removeAttachmentFiles: outside the transaction, an orphan at worst).
   */
  delete: orgProcedure('accountant')
    .input(attachmentDeleteInput)
    .output(checkedOutput(attachmentDeleteOutput))
    .mutation(async ({ ctx, input }) => {
      let removedKey: string | null = null;
      const result = await runOrgMutation(ctx, 'attachment.delete', input, async (session) => {
        removedKey = null;
        const doc = await ctx.db.collections.attachments.findOneAndDelete(
          { _id: new ObjectId(input.attachmentId), orgId: ctx.org._id },
          { session },
        );
        if (!doc) throw notFound('Attachment');
        await auditAttachmentDelete(ctx, session, doc);
        removedKey = doc.storageKey;
        return { deleted: true as const, id: doc._id.toHexString() };
      });
      // Null when a replay answered without running `work`. Set when the answer is a recorded
      // key after `work` ran: most likely this run's own commit reported as failed, or a rolled
      // back attempt while a run with the same key (same attachment) committed. Either way the
      // attachment's metadata is gone, so its file goes.
      const storageKey: string | null = removedKey;
      await removeAttachmentFiles(ctx, storageKey === null ? [] : [storageKey]);
      return result;
    }),
});
