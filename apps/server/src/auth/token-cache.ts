import { hash } from 'node:crypto';
import type { AuthUser } from '@invoice/api';
import { InvalidTokenError, type TokenVerifier } from './token-verifier.js';

/** What one real verification established: the caller, and when the token stops being valid. */
export interface VerifiedToken {
  user: AuthUser;
  /** The token's `exp` claim, in epoch milliseconds. */
  expiresAtMs: number;
}

/** One real verification (firebase-admin, bounded by its timeout); throws like TokenVerifier. */
export type VerifyToken = (idToken: string, checkRevoked: boolean) => Promise<VerifiedToken>;

export interface TokenCacheOptions {
  /** Most tokens remembered; the least recently used goes first. */
  maxEntries?: number;
  /** Longest a verdict is reused, whatever the token's own expiry. */
  ttlMs?: number;
  /** Clock in epoch milliseconds (tests move it). */
  now?: () => number;
}

export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;
export const DEFAULT_TOKEN_CACHE_TTL_MS = 3 * 60_000;

interface Entry {
  /** Settles with the verdict; pending while the first verification of the token runs. */
  verdict: Promise<VerifiedToken>;
  /** Reuse deadline, epoch ms: min(token exp, verified at + ttl); Infinity while pending. */
  validUntilMs: number;
}

function keyOf(idToken: string): string {
  return hash('sha256', idToken, 'base64url');
}

/**
 * Remembers successful verifications so repeated requests with the same ID token skip the
 * verifier (in emulator mode an HTTP call to the emulator per request). Exactly what it reuses:
 *
 * - only verifications without `checkRevoked`: a revocation check (sensitive mutations,
 *   AUTH_CHECK_REVOKED=always) always goes to the verifier, live;
 * - only successes: a rejected token or a verifier failure is never stored, so the next
 *   request with it verifies again;
 * - until the token's own `exp` or `ttlMs` after the verification, whichever is first;
 * - keyed by a SHA-256 of the token, so the cache holds no bearer credential.
 *
 * A live check that rejects the token (revoked, disabled, deleted) evicts it, so its later
 * ordinary requests are verified again rather than served from the cache. Concurrent requests
 * with a token not yet cached share one verification.
 */
export function createCachingVerifier(
  verifyToken: VerifyToken,
  {
    maxEntries = DEFAULT_TOKEN_CACHE_ENTRIES,
    ttlMs = DEFAULT_TOKEN_CACHE_TTL_MS,
    now = Date.now,
  }: TokenCacheOptions = {},
): TokenVerifier {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries < 1');
  if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  // A Map iterates in insertion order: re-inserting on each hit keeps the oldest use first.
  const entries = new Map<string, Entry>();

  function remember(key: string, entry: Entry): void {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
  }

  /** Removes `key` only if it still maps to `entry` (a newer verification may have replaced it). */
  function forget(key: string, entry?: Entry): void {
    if (entry === undefined || entries.get(key) === entry) entries.delete(key);
  }

  async function verifyLive(key: string, idToken: string): Promise<AuthUser> {
    try {
      return (await verifyToken(idToken, true)).user;
    } catch (error) {
      if (error instanceof InvalidTokenError) forget(key);
      throw error;
    }
  }

  return {
    async verify(idToken, { checkRevoked }) {
      const key = keyOf(idToken);
      if (checkRevoked) return verifyLive(key, idToken);
      const cached = entries.get(key);
      if (cached && now() < cached.validUntilMs) {
        remember(key, cached);
        return (await cached.verdict).user;
      }
      const entry: Entry = { verdict: verifyToken(idToken, false), validUntilMs: Infinity };
      remember(key, entry);
      try {
        const verified = await entry.verdict;
        entry.validUntilMs = Math.min(verified.expiresAtMs, now() + ttlMs);
        if (!(now() < entry.validUntilMs)) forget(key, entry);
        return verified.user;
      } catch (error) {
        forget(key, entry);
        throw error;
      }
    },
  };
}
