import type { AuthUser } from '@invoice/api';
import { initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { createCachingVerifier, type TokenCacheOptions, type VerifyToken } from './token-cache.js';

/**
 * Verifies a Firebase ID token. Throws InvalidTokenError when the token is not acceptable (401)
 * and VerifierUnavailableError when no verdict could be reached in time (503): Google's keys,
 * the accounts API or the emulator unreachable, or slower than the timeout.
 */
export interface TokenVerifier {
  verify(idToken: string, options: { checkRevoked: boolean }): Promise<AuthUser>;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super('Invalid or expired authentication token');
    this.name = 'InvalidTokenError';
  }
}

export class VerifierUnavailableError extends Error {
  constructor(readonly reason: string) {
    super('Token verification is temporarily unavailable');
    this.name = 'VerifierUnavailableError';
  }
}

/**
 * firebase-admin codes that say the verifier could not do its job (Google or the emulator
 * unreachable or failing, our own service-account credentials refused or lacking permission,
 * the project misconfigured, a quota hit), not that the caller's token is bad.
 */
const VERIFIER_FAILURES = new Set([
  'app/network-error',
  'app/network-timeout',
  'app/invalid-credential',
  'app/unable-to-parse-response',
  'auth/internal-error',
  'auth/invalid-credential',
  'auth/insufficient-permission',
  'auth/project-not-found',
  'auth/quota-exceeded',
]);

/**
 * firebase-admin 13 reports a failed download of Google's public keys as `auth/argument-error`,
 * the code of a malformed token, with the HTTP client's message ("Error while making request:
 * ..." or "Error fetching public keys for Google certs: ..."); only the message tells them apart.
 */
const KEY_FETCH_FAILURE = /^Error (while making request|fetching public keys)/;

/** What a firebase-admin rejection means: a verdict on the token, or a verifier failure. */
export function toVerificationError(error: unknown): InvalidTokenError | VerifierUnavailableError {
  if (error instanceof InvalidTokenError || error instanceof VerifierUnavailableError) return error;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const reason = typeof code === 'string' ? code : 'auth/invalid-id-token';
  if (VERIFIER_FAILURES.has(reason)) return new VerifierUnavailableError(reason);
  if (reason === 'auth/argument-error' && typeof message === 'string') {
    if (KEY_FETCH_FAILURE.test(message)) return new VerifierUnavailableError('key-fetch-error');
  }
  return new InvalidTokenError(reason);
}

/** Default bound on one verification (firebase-admin's own: 25 s per call, retried). */
export const DEFAULT_VERIFY_TIMEOUT_MS = 5_000;

let appCounter = 0;

/**
 * One firebase-admin verification with the project id pinned: the token's audience and issuer
 * must name this project, its signature must be Google's (unless FIREBASE_AUTH_EMULATOR_HOST is
 * set, which the production config refuses), and it must not be expired.
 *
 * Every verification is bounded by `timeoutMs`: firebase-admin's HTTP calls wait 25 s and retry
 * timeouts up to four times, and its public-key download has no timeout at all, so without a
 * bound a silent network would hold requests for minutes. In emulator mode firebase-admin looks
 * the user up in the emulator on every verification (not only with checkRevoked), so an
 * emulator that is down makes every uncached verification 503.
 */
export function createFirebaseTokenCheck(
  projectId: string,
  { timeoutMs = DEFAULT_VERIFY_TIMEOUT_MS }: { timeoutMs?: number } = {},
): VerifyToken {
  appCounter += 1;
  const app: App = initializeApp({ projectId }, `invoice-auth-${appCounter}`);
  const auth = getAuth(app);
  return async (idToken, checkRevoked) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new VerifierUnavailableError('timeout')), timeoutMs);
    });
    const verification = auth.verifyIdToken(idToken, checkRevoked);
    // It may settle after the timeout has answered; its late rejection is expected.
    verification.catch(() => undefined);
    try {
      const decoded = await Promise.race([verification, timedOut]);
      return {
        user: {
          uid: decoded.uid,
          email: typeof decoded.email === 'string' ? decoded.email.toLowerCase() : null,
          emailVerified: decoded.email_verified === true,
        },
        expiresAtMs: decoded.exp * 1000,
      };
    } catch (error) {
      throw toVerificationError(error);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * The server's verifier: firebase-admin (createFirebaseTokenCheck) behind the verified-token
 * cache (token-cache.ts): an ordinary request with a token already verified skips
 * firebase-admin; revocation checks are always live. `cache: false` verifies every call.
 */
export function createFirebaseVerifier(
  projectId: string,
  {
    timeoutMs = DEFAULT_VERIFY_TIMEOUT_MS,
    cache = {},
  }: { timeoutMs?: number; cache?: TokenCacheOptions | false } = {},
): TokenVerifier {
  const check = createFirebaseTokenCheck(projectId, { timeoutMs });
  if (cache === false) {
    return {
      verify: async (idToken, { checkRevoked }) => (await check(idToken, checkRevoked)).user,
    };
  }
  return createCachingVerifier(check, cache);
}

// The scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer ([A-Za-z0-9._-]{1,4096})$/i;

/** The token of an `Authorization: Bearer <token>` header, or null (absent or malformed). */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  return BEARER.exec(header)?.[1] ?? null;
}
