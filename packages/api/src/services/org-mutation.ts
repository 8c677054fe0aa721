import type { EntityType } from '@invoice/db';
import type { ClientSession, ObjectId } from 'mongodb';
import type { DocumentSeries } from '../domain/numbering.js';
import { recordAudit } from './audit.js';
import { replayIdempotent, runIdempotent } from './idempotency.js';
import { serializePerKey } from './invoices/serialize.js';
import { retryAfterNumberCollision } from './number-collision.js';
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
  options: { replayChecked?: boolean } = {},
): Promise<T> {
  return runIdempotent({
    db: ctx.db,
    scope: ctx.org._id.toHexString(),
    procedure,
    key: input.idempotencyKey,
    input,
    now: ctx.clock.now(),
    work,
    replayChecked: options.replayChecked,
  });
}

/** The queue (serializePerKey) of the mutations that take numbers of one series of one org. */
export function numberQueueKey(orgId: ObjectId, series: DocumentSeries): string {
  return `${orgId.toHexString()}:${series}-number`;
}

/**
 * An org mutation that takes the next number of one of the org's series (invoice.issue,
 * creditNote.create). In this process they run one per org and series at a time, so concurrent
 * ones do not all conflict on the series' counter; a repeat of a recorded idempotency key is
 * answered before it waits its turn, and the transaction that waited does not look the key up
 * again (one round trip fewer in the part that runs one at a time). A number found already
 * printed is dealt with by retryAfterNumberCollision; `work` gets the context it then runs with.
 */
export async function runNumberedMutation<T>(
  ctx: OrgCallContext,
  series: DocumentSeries,
  procedure: string,
  input: Record<string, unknown> & { idempotencyKey?: string | undefined },
  work: (ctx: OrgCallContext, session: ClientSession) => Promise<T>,
): Promise<T> {
  const done = await replayIdempotent<T>({
    db: ctx.db,
    scope: ctx.org._id.toHexString(),
    procedure,
    key: input.idempotencyKey,
    input,
  });
  if (done.found) return done.value;
  return serializePerKey(ctx.db, numberQueueKey(ctx.org._id, series), () =>
    retryAfterNumberCollision(ctx, series, (current) =>
      runOrgMutation(current, procedure, input, (session) => work(current, session), {
        replayChecked: true,
      }),
    ),
  );
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
