import { createHash } from 'node:crypto';
import { IDEMPOTENCY_RETENTION_MS, withTransaction, type Database } from '@invoice/db';
import type { ClientSession } from 'mongodb';
import superjson from 'superjson';
import { conflict } from '../domain/errors.js';
import { isDuplicateKey } from './duplicate-key.js';

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
}

async function replay<T>(
  db: Database,
  id: string,
  fingerprint: string,
): Promise<{ found: true; value: T } | { found: false }> {
  const stored = await db.collections.idempotencyKeys.findOne({ _id: id });
  if (!stored) return { found: false };
  if (stored.fingerprint !== fingerprint) {
    throw conflict('This idempotency key was already used with a different input');
  }
  return { found: true, value: superjson.parse<T>(stored.result) };
}

/**
 * Runs a mutation at most once per (orgId, procedure, key). The key is recorded in the same
 * transaction as the mutation, first, so concurrent retries collide on it: the losers' transactions
 * conflict and are retried by the driver, then fail on the committed key and return the stored
 * result unchanged.
 * The same key with a different input is refused with CONFLICT.
 */
export async function runIdempotent<T>(run: IdempotentRun<T>): Promise<T> {
  if (run.key === undefined) return withTransaction(run.db.client, run.work);
  const id = sha256(`${run.scope}\u0000${run.procedure}\u0000${run.key}`);
  const fingerprint = fingerprintOf(run.input);
  const first = await replay<T>(run.db, id, fingerprint);
  if (first.found) return first.value;
  try {
    return await withTransaction(run.db.client, async (session) => {
      // No read of the key first: a key committed since the check above makes this insert fail
      // with a duplicate key (answered below from the stored result), and one another
      // transaction holds uncommitted makes it a write conflict, which the driver retries. One
      // round trip fewer inside the transaction, which is what serializes issues of one org.
      await run.db.collections.idempotencyKeys.insertOne(
        {
          _id: id,
          scope: run.scope,
          procedure: run.procedure,
          fingerprint,
          result: '',
          createdAt: run.now,
          // Retention is storage housekeeping done by the TTL monitor on the real clock, so
          // it counts from the real time, not the (possibly simulated) request clock.
          expiresAt: new Date(Math.max(Date.now(), run.now.getTime()) + IDEMPOTENCY_RETENTION_MS),
        },
        { session },
      );
      const value = await run.work(session);
      await run.db.collections.idempotencyKeys.updateOne(
        { _id: id },
        { $set: { result: superjson.stringify(value) } },
        { session },
      );
      return value;
    });
  } catch (error) {
    // Another request committed the same key between our check and our insert.
    if (isDuplicateKey(error) && /idempotency_keys/.test(error.message)) {
      const again = await replay<T>(run.db, id, fingerprint);
      if (again.found) return again.value;
    }
    throw error;
  }
}
