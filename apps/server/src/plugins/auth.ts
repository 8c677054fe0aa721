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
    /**
     * True when the token could not be checked at all (key source or emulator unreachable,
     * verification timed out): routes answer 503, not 401, so clients retry instead of
     * signing the user out.
     */
    authUnavailable: boolean;
  }
}

export interface AuthPluginOptions {
  config: Config;
  verifier: TokenVerifier;
}

/** `rejected` (the caller's credentials are bad) or `error` (ours: the SLO counts these). */
export function verificationOutcome(error: unknown): 'rejected' | 'error' {
  return error instanceof InvalidTokenError ? 'rejected' : 'error';
}

/**
 * Verifies the bearer token once per request, before rate limiting (which keys on the uid)
 * and before any route. It never answers by itself: tRPC turns `authRejected` into
 * UNAUTHORIZED and `authUnavailable` into SERVICE_UNAVAILABLE, the upload routes into 401 and
 * 503, and public routes ignore both.
 */
const authPlugin: FastifyPluginAsync<AuthPluginOptions> = async (app, { config, verifier }) => {
  app.decorateRequest('user', null);
  app.decorateRequest('idToken', null);
  app.decorateRequest('authRejected', false);
  app.decorateRequest('authUnavailable', false);
  const verifications = new Counter({
    name: 'auth_token_verifications_total',
    help: 'Bearer tokens checked, by outcome: ok, rejected (bad credentials) or error (verifier failed)',
    labelNames: ['outcome'] as const,
    registers: [app.metrics.registry],
  });
  for (const outcome of ['ok', 'rejected', 'error'] as const) verifications.inc({ outcome }, 0);
  // Callback style: an async hook would cost two more promises on every request.
  app.addHook('onRequest', (req, reply, done) => {
    const header = req.headers.authorization;
    // Already answered by an earlier hook: shed under load (under-pressure calls next() after
    // its handler sent the 503, and the answer is still in the onSend hooks), or refused.
    if (req.shed || reply.sent || header === undefined || req.url.startsWith('/health')) {
      done();
      return;
    }
    const token = bearerToken(header);
    if (token === null) {
      req.authRejected = true;
      verifications.inc({ outcome: 'rejected' });
      done();
      return;
    }
    verifier.verify(token, { checkRevoked: config.AUTH_CHECK_REVOKED === 'always' }).then(
      (user) => {
        req.user = user;
        req.idToken = token;
        verifications.inc({ outcome: 'ok' });
        done();
      },
      (error: unknown) => {
        verifications.inc({ outcome: verificationOutcome(error) });
        const reason = (error as { reason?: string }).reason;
        if (error instanceof InvalidTokenError) {
          req.authRejected = true;
          req.log.info({ reason }, 'token rejected');
        } else {
          req.authUnavailable = true;
          req.log.warn({ reason, err: error }, 'token verification unavailable');
        }
        done();
      },
    );
  });
};

export default fp(authPlugin, { name: 'auth', fastify: '5.x', dependencies: ['metrics'] });
