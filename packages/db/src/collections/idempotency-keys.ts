import type { ObjectId } from 'mongodb';
import type { IndexDefinition } from './index-spec.js';

/** First result of a mutation for (orgId, procedure, key), kept at least 24 h. */
export interface IdempotencyKeyDoc {
  /** sha256(orgId, procedure, key) — fixed length, no user text as a key. */
  _id: string;
  orgId: ObjectId;
  procedure: string;
  /** sha256 of the canonical input (without the key). */
  fingerprint: string;
  /** The serialized result (superjson), replayed on retries. */
  result: string;
  createdAt: Date;
  expiresAt: Date;
}

export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export const idempotencyKeyIndexes: IndexDefinition[] = [
  { name: 'expires_ttl', key: { expiresAt: 1 }, options: { expireAfterSeconds: 0 } },
];
