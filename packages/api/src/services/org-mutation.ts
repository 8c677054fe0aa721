import type { EntityType } from '@invoice/db';
import type { ClientSession, ObjectId } from 'mongodb';
import type { DocumentSeries } from '../domain/numbering.js';
import { notFound } from '../domain/errors.js';
import { recordAudit } from './audit.js';
import { runIdempotent, type IdempotentRun } from './idempotency.js';
import { serializePerKey } from './invoices/serialize.js';
import { retryAfterNumberCollision } from './number-collision.js';
import type { OrgCallContext } from '../context.js';

type OrgMutationInput = Record<string, unknown> & { idempotencyKey?: string | undefined };

/** runIdempotent's run for an org-scoped mutation: keyed under the org, on the request's clock. */
function orgRun<T>(
  ctx: OrgCallContext,
  procedure: string,
  input: OrgMutationInput,
  work: (session: ClientSession) => Promise<T>,
): IdempotentRun<T> {
  return {
    db: ctx.db,
    scope: ctx.org._id.toHexString(),
    procedure,
    key: input.idempotencyKey,
    input,
    now: ctx.clock.now(),
    work,
  };
}

/**
 * An org-scoped mutation: one transaction, idempotent under the org's scope when the input
 * carries an `idempotencyKey`. The work must be re-runnable (the driver retries it).
 */
export function runOrgMutation<T>(
  ctx: OrgCallContext,
  procedure: string,
  input: OrgMutationInput,
  work: (session: ClientSession) => Promise<T>,
): Promise<T> {
  return runIdempotent(orgRun(ctx, procedure, input, work));
}

/** The queue (serializePerKey) of the mutations that take numbers of one series of one org. */
export function numberQueueKey(orgId: ObjectId, series: DocumentSeries): string {
  return `${orgId.toHexString()}:${series}-number`;
}

/**
 * An org mutation that takes the next number of one of the org's series (invoice.issue,
 * creditNote.create). In this process its transactions run one per org and series at a time,
 * so concurrent ones do not all conflict on the series' counter; a repeat of a recorded
 * idempotency key is answered before it waits its turn (runIdempotent's lookups stay outside
 * the queue). `work` gets the context with the organization read in its own transaction: the
 * one the access check read came before the wait, and a change committed meanwhile (a new
 * prefix, the seller's name or tax id) would have been printed the old way after it. A number
 * found already printed is dealt with by retryAfterNumberCollision, which runs it again.
 */
export function runNumberedMutation<T>(
  ctx: OrgCallContext,
  series: DocumentSeries,
  procedure: string,
  input: OrgMutationInput,
  work: (ctx: OrgCallContext, session: ClientSession) => Promise<T>,
): Promise<T> {
  return runIdempotent({
    ...orgRun(ctx, procedure, input, async (session) =>
      work(await withOrgAsRead(ctx, session), session),
    ),
    exclusive: (transaction) =>
      serializePerKey(ctx.db, numberQueueKey(ctx.org._id, series), () =>
        retryAfterNumberCollision(ctx, series, transaction),
      ),
  });
}

/** The context with the organization as the transaction of `session` reads it. */
async function withOrgAsRead(ctx: OrgCallContext, session: ClientSession): Promise<OrgCallContext> {
  const org = await ctx.db.collections.organizations.findOne({ _id: ctx.org._id }, { session });
  if (org === null) throw notFound('Organization');
  return { ...ctx, org };
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
