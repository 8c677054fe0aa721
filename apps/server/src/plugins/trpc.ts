import {
  appRouter,
  createContextInner,
  type AppRouter,
  type AuthUser,
  type Context,
} from '@invoice/api';
import type { Database } from '@invoice/db';
import { TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { bearerToken, type TokenVerifier } from '../auth/token-verifier.js';
import type { Config } from '../env.js';

export interface TrpcPluginOptions {
  config: Config;
  db: Database;
  verifier: TokenVerifier;
}

/**
 * Builds the request context: the bearer token is verified once per HTTP request (a batch
 * shares it). A missing token gives `user: null` (public procedures still work; the rest
 * answer UNAUTHORIZED); a bad one is UNAUTHORIZED for every call, without detail.
 */
async function contextFor(req: FastifyRequest, options: TrpcPluginOptions): Promise<Context> {
  const header = req.headers.authorization;
  const token = bearerToken(header);
  let user: AuthUser | null = null;
  if (header !== undefined) {
    if (token === null)
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Invalid authorization header' });
    try {
      user = await options.verifier.verify(token, {
        checkRevoked: options.config.AUTH_CHECK_REVOKED === 'always',
      });
    } catch (error) {
      req.log.info({ reason: (error as { reason?: string }).reason }, 'token rejected');
      throw new TRPCError({
        code: 'UNAUTHORIZED',
        message: 'Invalid or expired authentication token',
      });
    }
    req.user = user;
  }
  return createContextInner({
    db: options.db,
    log: req.log as unknown as Logger,
    user,
    requestId: req.id,
    assertTokenNotRevoked: async () => {
      if (token === null) return;
      try {
        await options.verifier.verify(token, { checkRevoked: true });
      } catch {
        throw new TRPCError({
          code: 'UNAUTHORIZED',
          message: 'Invalid or expired authentication token',
        });
      }
    },
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, once the tRPC context has checked the token (rate limiting keys on it). */
    user?: AuthUser | null;
  }
}

/** tRPC at /trpc in its own encapsulated scope (the adapter replaces the body parsers there). */
export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (
  app: FastifyInstance,
  options,
) => {
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: options.config.TRPC_MAX_BATCH,
      createContext: ({ req }) => contextFor(req, options),
      onError({ error, path, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          req.log.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
        } else {
          req.log.info({ code: error.code, path }, 'tRPC call refused');
        }
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
};
