import type { AuditEventDoc, Database, EntityType } from '@invoice/db';
import { ObjectId, type ClientSession } from 'mongodb';
import type { AuthUser } from '../context.js';

export interface AuditEntry {
  orgId: ObjectId;
  actor: AuthUser;
  action: string;
  entity: { type: EntityType; id: ObjectId };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  at: Date;
  requestId: string | null;
}

/** Appends an audit event inside the caller's transaction; the log is never updated. */
export async function recordAudit(
  db: Database,
  entry: AuditEntry,
  { session }: { session: ClientSession },
): Promise<void> {
  const event: AuditEventDoc = {
    _id: new ObjectId(),
    orgId: entry.orgId,
    actor: { uid: entry.actor.uid, email: entry.actor.email },
    action: entry.action,
    entity: entry.entity,
    before: entry.before ?? null,
    after: entry.after ?? null,
    at: entry.at,
    requestId: entry.requestId,
  };
  await db.collections.auditEvents.insertOne(event, { session });
}
