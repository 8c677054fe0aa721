import { findAll, type AuditEventDoc } from '@invoice/db';
import { auditListInput, auditListOutput } from '@invoice/validators';
import { ObjectId, type Filter } from 'mongodb';
import { toAuditEvent, toStoredEntityType } from '../mappers/audit.js';
import { afterCursorFilter, decodeCursor, toPage } from '../services/cursor.js';
import { orgProcedure, router } from '../trpc.js';
import { checkedOutput } from '../output.js';

export const auditRouter = router({
  /** Newest first (`at`, then `_id`), optionally for one entity type or one entity. */
  list: orgProcedure('viewer')
    .input(auditListInput)
    .output(checkedOutput(auditListOutput))
    .query(async ({ ctx, input }) => {
      const clauses: Filter<AuditEventDoc>[] = [{ orgId: ctx.org._id }];
      if (input.entityType !== undefined) {
        clauses.push({ 'entity.type': toStoredEntityType(input.entityType) });
      }
      if (input.entityId !== undefined) {
        clauses.push({ 'entity.id': new ObjectId(input.entityId) });
      }
      if (input.cursor !== undefined) {
        const position = decodeCursor(input.cursor, 'at', 'desc');
        clauses.push(afterCursorFilter('at', position, { nullable: false }));
      }
      const docs = await findAll(
        ctx.db.collections.auditEvents,
        { $and: clauses },
        { sort: { at: -1, _id: -1 }, limit: input.limit + 1 },
      );
      return toPage(docs, input.limit, 'at', 'desc', (doc) => doc.at, toAuditEvent);
    }),
});
