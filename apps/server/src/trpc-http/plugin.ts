import type { AnyTRPCRouter } from '@trpc/server';
import {
  fastifyRequestHandler,
  fastifyTRPCPlugin,
  type FastifyTRPCPluginOptions,
} from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import { answerFastPath, fastPathPlan, unsupportedFastPathOptions } from './fast-path.js';

export interface TrpcHttpOptions<TRouter extends AnyTRPCRouter> {
  /** Where the router is served, e.g. `/trpc`. */
  prefix: string;
  trpcOptions: FastifyTRPCPluginOptions<TRouter>['trpcOptions'];
  /** false: every request goes through the official adapter (`fastifyTRPCPlugin` itself). */
  fastPath: boolean;
}

/**
 * Serves a router over HTTP at `prefix`. With `fastPath`, one route (the same `/:path` route
 * and body parsers `fastifyTRPCPlugin` registers, so hooks, metrics labels and limits are the
 * same) answers ordinary JSON queries and mutations itself and passes everything else to the
 * official adapter's `fastifyRequestHandler` with the same options.
 */
export async function registerTrpcHttp<TRouter extends AnyTRPCRouter>(
  app: FastifyInstance,
  { prefix, trpcOptions, fastPath }: TrpcHttpOptions<TRouter>,
): Promise<void> {
  if (!fastPath) {
    await app.register(fastifyTRPCPlugin<TRouter>, { prefix, trpcOptions });
    return;
  }
  const unsupported = unsupportedFastPathOptions(trpcOptions);
  if (unsupported.length > 0) {
    throw new Error(`The tRPC fast path does not support ${unsupported.join(', ')}`);
  }
  await app.register(
    async (scope) => {
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
