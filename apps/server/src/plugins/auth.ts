import type { AuthUser } from '@invoice/api';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier.js';
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
 * Verifies the bearer token once per request, before rate limiting (which keys on the uid)
 * and before any route. It never answers by itself: tRPC turns `authRejected` into
 * UNAUTHORIZED, the upload routes into 401, and public routes ignore it.
 */
const authPlugin: FastifyPluginAsync<AuthPluginOptions> = async (app, { config, verifier }) => {
  app.decorateRequest('user', null);
  app.decorateRequest('idToken', null);
  app.decorateRequest('authRejected', false);
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    if (header === undefined || req.url.startsWith('/health')) return;
    const token = bearerToken(header);
    if (token === null) {
      req.authRejected = true;
      return;
    }
    try {
      req.user = await verifier.verify(token, {
        checkRevoked: config.AUTH_CHECK_REVOKED === 'always',
      });
      req.idToken = token;
    } catch (error) {
      req.authRejected = true;
      req.log.info({ reason: (error as { reason?: string }).reason }, 'token rejected');
    }
  });
};

export default fp(authPlugin, { name: 'auth', fastify: '5.x' });
