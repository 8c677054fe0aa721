import type { EntityType } from '@invoice/db';
import type { ClientSession, ObjectId } from 'mongodb';
import { recordAudit } from './audit.js';
import { runIdempotent } from './idempotency.js';
import type { OrgCallContext } from '../context.js';

/**
 * An org-scoped mutation: one transaction, idempotent under the org's scope when the input
 * carries an `idempotencyKey`. The work must be re-runnable (the driver retries it).
 */
export function runOrgMutation<T>(
  ctx: OrgCallContext,
  procedure: string,
  input: Record<string, unknown> & { idempotencyKey?: string | undefined },
  work: (session: ClientSession) => Promise<T>,
): Promise<T> {
  return runIdempotent({
    db: ctx.db,
    scope: ctx.org._id.toHexString(),
    procedure,
    key: input.idempotencyKey,
    input,
    now: ctx.clock.now(),
    work,
  });
}

/** Audit event by the caller, in the caller's transaction, with small before/after summaries. */
export async function auditChange(
  ctx: OrgCallContext,
  session: ClientSession,
  action: string,
  entity: { type: EntityType; id: ObjectId },
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): Promise<void> {
  await recordAudit(
    ctx.db,
    {
      orgId: ctx.org._id,
      actor: ctx.user,
      action,
      entity,
      before,
      after,
      at: ctx.clock.now(),
      requestId: ctx.requestId,
    },
    { session },
  );
}
