import {
  appRouter,
  createContextInner,
  type AppRouter,
  type AttachmentStore,
  type Context,
} from '@invoice/api';
import type { Database } from '@invoice/db';
import { TRPCError } from '@trpc/server';
import type { FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { InvalidTokenError, type TokenVerifier } from '../auth/token-verifier.js';
import type { Config } from '../env.js';
import { registerTrpcHttp } from '../trpc-http/plugin.js';
import { guardTrpcInput } from './trpc-input-guard.js';
import { createDiskAttachmentStore } from '../uploads/disk-store.js';

/** Where tRPC is mounted. */
export const TRPC_PREFIX = '/trpc';
/** The Fastify route every tRPC call is served on (registerTrpcHttp's `/:path` under the prefix). */
export const TRPC_ROUTE = `${TRPC_PREFIX}/:path`;

export interface TrpcPluginOptions {
  config: Config;
  db: Database;
  verifier: TokenVerifier;
}

function authError(unavailable: boolean): TRPCError {
  return unavailable
    ? new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: 'Authentication is temporarily unavailable; retry shortly',
      })
    : new TRPCError({ code: 'UNAUTHORIZED', message: 'Invalid or expired authentication token' });
}

/**
 * Builds the request context from what the auth hook established (the token is verified once
 * per HTTP request; a batch shares it). No token: `user: null`, so protected procedures answer
 * UNAUTHORIZED; a rejected token: UNAUTHORIZED for every call, without detail; a token that
 * could not be checked (verifier unreachable or too slow): SERVICE_UNAVAILABLE, retryable.
 */
function contextFor(
  req: FastifyRequest,
  options: TrpcPluginOptions,
  attachmentStore: AttachmentStore,
): Context {
  if (req.authRejected || req.authUnavailable) throw authError(req.authUnavailable);
  const token = req.idToken;
  // One live revocation check per HTTP request, shared by the sensitive calls of a batch, and
  // none when the auth hook already checked revocation (AUTH_CHECK_REVOKED=always).
  let revocationCheck: Promise<void> | undefined =
    options.config.AUTH_CHECK_REVOKED === 'always' ? Promise.resolve() : undefined;
  return createContextInner({
    db: options.db,
    log: req.log as unknown as Logger,
    user: req.user,
    requestId: req.id,
    attachmentStore,
    assertTokenNotRevoked: () => {
      if (token === null) return Promise.resolve();
      revocationCheck ??= options.verifier.verify(token, { checkRevoked: true }).then(
        () => undefined,
        (error: unknown) => {
          throw authError(!(error instanceof InvalidTokenError));
        },
      );
      return revocationCheck;
    },
  });
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? '');
}

/** Statuses of refusals before any procedure runs, as tRPC error codes (hookErrorAsTrpc). */
const HOOK_ERROR_CODES = new Map<number, TRPCError['code']>([
  [429, 'TOO_MANY_REQUESTS'],
  [413, 'PAYLOAD_TOO_LARGE'],
  [503, 'SERVICE_UNAVAILABLE'],
]);

/**
 * tRPC at /trpc in its own encapsulated scope (the adapter replaces the body parsers there).
 * With TRPC_FAST_PATH ordinary JSON calls skip the adapter's Fetch conversion (trpc-http/);
 * both paths share these options, so context, onError logging and metrics are the same.
 */
export const trpcPlugin: FastifyPluginAsync<TrpcPluginOptions> = async (
  app: FastifyInstance,
  options,
) => {
  // attachment.delete removes the file from the same directory the upload routes write to.
  const attachmentStore = createDiskAttachmentStore(options.config.UPLOAD_DIR);
  await registerTrpcHttp(app, {
    prefix: TRPC_PREFIX,
    fastPath: options.config.TRPC_FAST_PATH,
    scopeHooks: guardTrpcInput,
    // Refusals before any procedure runs reach tRPC clients in tRPC's shape, not as Fastify's
    // error body (which @trpc/client reads as a malformed answer, no code): the rate limit
    // (429, Retry-After kept), a JSON body over BODY_LIMIT_BYTES (413), load shedding (503). An
    // oversized body of a type tRPC does not take stays Fastify's 413 (the adapter would
    // answer its 415 instead).
    hookErrorAsTrpc: (error, req) => {
      const code = HOOK_ERROR_CODES.get(error.statusCode ?? 0);
      if (!code) return null;
      if (code === 'PAYLOAD_TOO_LARGE' && !isJson(req.headers['content-type'])) return null;
      return new TRPCError({ code, message: error.message });
    },
    trpcOptions: {
      router: appRouter,
      maxBatchSize: options.config.TRPC_MAX_BATCH,
      createContext: ({ req }) => contextFor(req, options, attachmentStore),
      onError({ error, path, req }) {
        app.metrics.trpcError(path, error.code);
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          req.log.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
        } else if (error.code === 'SERVICE_UNAVAILABLE') {
          // A dependency is down (MongoDB, Firebase): the on-call needs the cause, callers retry.
          req.log.warn(
            { err: error.cause ?? error, path },
            'tRPC call failed: dependency unavailable',
          );
        } else {
          req.log.info({ code: error.code, path }, 'tRPC call refused');
        }
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
  });
};
