import type { AuthUser } from '@invoice/api';
import { initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';

/** Verifies a Firebase ID token; throws InvalidTokenError for anything it does not accept. */
export interface TokenVerifier {
  verify(idToken: string, options: { checkRevoked: boolean }): Promise<AuthUser>;
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super('Invalid or expired authentication token');
    this.name = 'InvalidTokenError';
  }
}

let appCounter = 0;

/**
 * firebase-admin verifier with the project id pinned: the token's audience and issuer must
 * name this project, its signature must be Google's (unless FIREBASE_AUTH_EMULATOR_HOST is set,
 * which the production config refuses), and it must not be expired.
 */
export function createFirebaseVerifier(projectId: string): TokenVerifier {
  appCounter += 1;
  const app: App = initializeApp({ projectId }, `invoice-auth-${appCounter}`);
  const auth = getAuth(app);
  return {
    async verify(idToken, { checkRevoked }) {
      try {
        const decoded = await auth.verifyIdToken(idToken, checkRevoked);
        return {
          uid: decoded.uid,
          email: typeof decoded.email === 'string' ? decoded.email.toLowerCase() : null,
          emailVerified: decoded.email_verified === true,
        };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw new InvalidTokenError(typeof code === 'string' ? code : 'auth/invalid-id-token');
      }
    },
  };
}

const BEARER = /^Bearer ([A-Za-z0-9._-]{1,4096})$/;

/** The token of an `Authorization: Bearer <token>` header, or null (absent or malformed). */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  return BEARER.exec(header)?.[1] ?? null;
}
