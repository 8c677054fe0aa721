import type { AnyTRPCRouter } from '@trpc/server';
import {
  fastifyRequestHandler,
  fastifyTRPCPlugin,
  type FastifyTRPCPluginOptions,
} from '@trpc/server/adapters/fastify';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { answerFastPath, fastPathPlan, unsupportedFastPathOptions } from './fast-path.js';

const VARIES_ON_ORIGIN = /(^|,)\s*origin\s*(,|$)/i;

export interface TrpcHttpOptions<TRouter extends AnyTRPCRouter> {
  /** Where the router is served, e.g. `/trpc`. */
  prefix: string;
  trpcOptions: FastifyTRPCPluginOptions<TRouter>['trpcOptions'];
  /** false: every request goes through the official adapter (`fastifyTRPCPlugin` itself). */
  fastPath: boolean;
  /**
   * Adds hooks to the scope that holds only the tRPC route, before the route: they run for
   * every request the router sends there, however its URL was spelled.
   */
  scopeHooks?: (scope: FastifyInstance) => void;
  /**
   * For an error thrown before the route's handler (a hook such as the rate limit): the tRPC
   * error to answer it with, in tRPC's own shape (single or batch, status from its code), or
   * null to leave it to the app's error handler.
   */
  hookErrorAsTrpc?: (error: FastifyError, req: FastifyRequest) => TRPCError | null;
}

/**
 * Serves a router over HTTP at `prefix`, in its own encapsulated scope. With `fastPath`, one
 * route (the same `/:path` route and body parsers `fastifyTRPCPlugin` registers, so hooks,
 * metrics labels and limits are the same) answers ordinary JSON queries and mutations itself and
 * passes everything else to the official adapter's `fastifyRequestHandler` with the same options.
 */
export async function registerTrpcHttp<TRouter extends AnyTRPCRouter>(
  app: FastifyInstance,
  { prefix, trpcOptions, fastPath, scopeHooks, hookErrorAsTrpc }: TrpcHttpOptions<TRouter>,
): Promise<void> {
  const unsupported = fastPath ? unsupportedFastPathOptions(trpcOptions) : [];
  if (unsupported.length > 0) {
    throw new Error(`The tRPC fast path does not support ${unsupported.join(', ')}`);
  }
  await app.register(
    async (scope) => {
      scopeHooks?.(scope);
      // tRPC sets its own `vary: trpc-accept, accept` (both transports), replacing the
      // `Vary: Origin` of the CORS hook: a cache could then serve one origin's answer to another.
      // The adapter's answer is a Fetch Response whose headers Fastify applies after this hook.
      scope.addHook('onSend', (_req, reply, payload, done) => {
        const fetchHeaders = payload instanceof Response ? payload.headers : null;
        const vary = fetchHeaders ? fetchHeaders.get('vary') : reply.getHeader('vary');
        if (typeof vary === 'string' && !VARIES_ON_ORIGIN.test(vary)) {
          if (fetchHeaders) fetchHeaders.set('vary', `Origin, ${vary}`);
          else reply.header('vary', `Origin, ${vary}`);
        }
        done(null, payload);
      });
      scope.setErrorHandler(async (error: FastifyError, req, reply) => {
        // Thrown by the official adapter before it resolves any call (a Host header it cannot
        // make a URL of): a refusal of the request, answered with its status, not a 500.
        if (error instanceof TRPCError) {
          const status = getHTTPStatusCodeFromError(error);
          if (status >= 500) throw error;
          req.log.info({ err: error }, 'request refused');
          return reply
            .code(status)
            .send({ statusCode: status, code: error.code, message: error.message });
        }
        const trpcError = reply.sent ? null : (hookErrorAsTrpc?.(error, req) ?? null);
        if (trpcError === null) throw error; // to the app's error handler
        // The official adapter answers it, with a context that fails with this error: the body,
        // status and onError call are the ones tRPC gives any call refused that way.
        const path = (req.params as { path?: string }).path ?? '';
        const failing = {
          ...trpcOptions,
          createContext: (): never => {
            throw trpcError;
          },
        } as typeof trpcOptions;
        await fastifyRequestHandler({ ...failing, req, res: reply, path });
        return reply;
      });
      if (!fastPath) {
        await scope.register(fastifyTRPCPlugin<TRouter>, { trpcOptions });
        return;
      }
      // Exactly fastifyTRPCPlugin's parsers: the raw JSON text, and form data left unread.
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        done(null, body);
      });
      scope.removeContentTypeParser('multipart/form-data');
      scope.addContentTypeParser('multipart/form-data', {}, (_req, body, done) => {
        done(null, body);
      });
      scope.all('/:path', async (req, reply) => {
        const path = (req.params as { path: string }).path;
        const plan = await fastPathPlan(req, path, trpcOptions);
        if (plan === null) {
          await fastifyRequestHandler({ ...trpcOptions, req, res: reply, path });
        } else {
          await answerFastPath(req, reply, plan, trpcOptions);
        }
        return reply;
      });
    },
    { prefix },
  );
}
