import type { AuthUser } from '@invoice/api';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { bearerToken, InvalidTokenError, type TokenVerifier } from '../auth/token-verifier.js';
import type { Config } from '../env.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller; null without an Authorization header. */
    user: AuthUser | null;
    /** The raw bearer token, kept to re-check revocation before sensitive mutations. */
    idToken: string | null;
    /** True when an Authorization header was sent but rejected. */
    authRejected: boolean;
  }
}

export interface AuthPluginOptions {
  config: Config;
  verifier: TokenVerifier;
}

/**
 * firebase-admin codes that say the verifier could not do its job (Google or the emulator
 * unreachable, our own service-account credentials refused), not that the caller's token is bad.
 */
const VERIFIER_FAILURES = new Set([
  'app/network-error',
  'app/network-timeout',
  'app/invalid-credential',
  'auth/internal-error',
  'auth/invalid-credential',
]);

/** `ok`, `rejected` (the caller's credentials are bad) or `error` (ours: the SLO counts these). */
export function verificationOutcome(error: unknown): 'rejected' | 'error' {
  if (!(error instanceof InvalidTokenError)) return 'error';
  return VERIFIER_FAILURES.has(error.reason) ? 'error' : 'rejected';
}

/**
 * Verifies the bearer token once per request, before rate limiting (which keys on the uid)
 * and before any route. It never answers by itself: tRPC turns `authRejected` into
 * UNAUTHORIZED, the upload routes into 401, and public routes ignore it.
 */
const authPlugin: FastifyPluginAsync<AuthPluginOptions> = async (app, { config, verifier }) => {
  app.decorateRequest('user', null);
  app.decorateRequest('idToken', null);
  app.decorateRequest('authRejected', false);
  const verifications = new Counter({
    name: 'auth_token_verifications_total',
    help: 'Bearer tokens checked, by outcome: ok, rejected (bad credentials) or error (verifier failed)',
    labelNames: ['outcome'] as const,
    registers: [app.metrics.registry],
  });
  for (const outcome of ['ok', 'rejected', 'error'] as const) verifications.inc({ outcome }, 0);
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    if (header === undefined || req.url.startsWith('/health')) return;
    const token = bearerToken(header);
    if (token === null) {
      req.authRejected = true;
      verifications.inc({ outcome: 'rejected' });
      return;
    }
    try {
      req.user = await verifier.verify(token, {
        checkRevoked: config.AUTH_CHECK_REVOKED === 'always',
      });
      req.idToken = token;
      verifications.inc({ outcome: 'ok' });
    } catch (error) {
      req.authRejected = true;
      verifications.inc({ outcome: verificationOutcome(error) });
      req.log.info({ reason: (error as { reason?: string }).reason }, 'token rejected');
    }
  });
};

export default fp(authPlugin, { name: 'auth', fastify: '5.x', dependencies: ['metrics'] });
