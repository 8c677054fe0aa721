import { createHash } from 'node:crypto';
import { IDEMPOTENCY_RETENTION_MS, withTransaction, type Database } from '@invoice/db';
import type { ClientSession } from 'mongodb';
import superjson from 'superjson';
import { conflict } from '../domain/errors.js';

/** Canonical JSON: object keys sorted, so the same input always hashes the same. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function fingerprintOf(input: Record<string, unknown>): string {
  const { idempotencyKey: _key, ...rest } = input;
  return sha256(canonical(rest));
}

export interface IdempotentRun<T> {
  db: Database;
  /** Organization id, or `user:<uid>` outside an organization. */
  scope: string;
  procedure: string;
  key: string | undefined;
  input: Record<string, unknown>;
  now: Date;
  /** The mutation; runs inside the transaction that also records the key. */
  work: (session: ClientSession) => Promise<T>;
  /**
   * Runs the transaction (a queue it must wait in, say), keyed or not. The key's lookups, before
   * it and after a failure, stay outside.
   */
  exclusive?: ((transaction: () => Promise<T>) => Promise<T>) | undefined;
}

type Replay<T> = { found: true; value: T } | { found: false };

/** The stored key's id: one per (scope, procedure, key). */
function keyId(scope: string, procedure: string, key: string): string {
  return sha256(`${scope}\u0000${procedure}\u0000${key}`);
}

/** How stored results are read (majority: see `replay`). */
const MAJORITY = { readConcern: { level: 'majority' } } as const;

/**
 * Whether a run with this key has committed, whatever its input. For a caller that must read
 * a large input before it knows the input's fingerprint (an upload's file): a recorded key lets
 * it read the input without keeping it, and `runIdempotent` then answers the stored result or
 * CONFLICT. Read like `replay`, so a key found here is one `runIdempotent` finds too, unless
 * its retention ran out in between.
 */
export async function isIdempotencyKeyRecorded({
  db,
  scope,
  procedure,
  key,
}: Pick<IdempotentRun<unknown>, 'db' | 'scope' | 'procedure'> & { key: string }): Promise<boolean> {
  const stored = await db.collections.idempotencyKeys.findOne(
    { _id: keyId(scope, procedure, key) },
    { ...MAJORITY, projection: { _id: 1 } },
  );
  return stored !== null;
}

/**
 * The key's stored result. Read with majority read concern: a result is only answered once its
 * commit can no longer be rolled back by a failover (an issue's number, once told, stays).
 */
async function replay<T>(db: Database, id: string, fingerprint: string): Promise<Replay<T>> {
  const stored = await db.collections.idempotencyKeys.findOne({ _id: id }, MAJORITY);
  if (!stored) return { found: false };
  if (stored.fingerprint !== fingerprint) {
    throw conflict('This idempotency key was already used with a different input');
  }
  return { found: true, value: superjson.parse<T>(stored.result) };
}

/**
 * Runs a mutation at most once per (orgId, procedure, key). The key is recorded with the
 * mutation's result at the end of the mutation's own transaction, in one insert: the key and
 * the effects commit together or not at all. A concurrent run with the same key fails somewhere
 * in its transaction: on the key's insert (a duplicate key once the first has committed, a write
 * conflict the driver retries while it has not), or earlier, on the state the first one left
 * (e.g. a draft already issued). It then finds the key recorded and answers the stored result
 * unchanged. The same key with a different input is refused with CONFLICT.
 */
export async function runIdempotent<T>(run: IdempotentRun<T>): Promise<T> {
  const exclusive = run.exclusive ?? ((transaction) => transaction());
  if (run.key === undefined) return exclusive(() => withTransaction(run.db.client, run.work));
  const id = keyId(run.scope, run.procedure, run.key);
  const fingerprint = fingerprintOf(run.input);
  const first = await replay<T>(run.db, id, fingerprint);
  if (first.found) return first.value;
  try {
    return await exclusive(() =>
      withTransaction(run.db.client, async (session) => {
        const value = await run.work(session);
        await run.db.collections.idempotencyKeys.insertOne(
          {
            _id: id,
            scope: run.scope,
            procedure: run.procedure,
            fingerprint,
            result: superjson.stringify(value),
            createdAt: run.now,
            // Retention is storage housekeeping done by the TTL monitor on the real clock, so
            // it counts from the real time, not the (possibly simulated) request clock.
            expiresAt: new Date(Math.max(Date.now(), run.now.getTime()) + IDEMPOTENCY_RETENTION_MS),
          },
          { session },
        );
        return value;
      }),
    );
  } catch (error) {
    // The key recorded means a run with it committed: another run with the same key that
    // committed while this one ran, or this very run, whose commit the driver reported as failed
    // (an unknown commit result). Its result is the answer; a recorded key with another input is
    // CONFLICT. Not recorded: this run's own error. A lookup that fails is what the caller gets
    // (a database error, retryable), not this run's error, which may be a PRECONDITION_FAILED
    // caused by the other run's effects.
    const again = await replay<T>(run.db, id, fingerprint);
    if (again.found) return again.value;
    throw error;
  }
}
