import type { IndexDefinition } from './index-spec.js';

/** First result of a mutation for (scope, procedure, key), kept at least 24 h. */
export interface IdempotencyKeyDoc {
  /** sha256(scope, procedure, key) — fixed length, no user text as a key. */
  _id: string;
  /** The organization's id, or `user:<uid>` for mutations outside an org (organization.create). */
  scope: string;
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
