import type { Database } from '@invoice/db';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TokenVerifier } from './auth/token-verifier.js';
import type { Config } from './env.js';
import { loggerOptions, requestIdFor, type LoggingOptions } from './logger.js';
import authPlugin from './plugins/auth.js';
import healthPlugin from './plugins/health.js';
import metricsPlugin from './plugins/metrics.js';
import securityPlugin from './plugins/security.js';
import { trpcPlugin } from './plugins/trpc.js';
import { uploadsPlugin } from './uploads/plugin.js';

export interface BuildAppOptions {
  config: Config;
  db: Database;
  verifier: TokenVerifier;
  logging?: LoggingOptions;
}

/** Builds the Fastify app without listening or touching process state, so tests can inject requests. */
export async function buildApp({
  config,
  db,
  verifier,
  logging = {},
}: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(config, logging),
    genReqId: requestIdFor,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    trustProxy: config.TRUST_PROXY,
    // genReqId reads and checks x-request-id itself.
    requestIdHeader: false,
    // Batched tRPC paths (`a.b,c.d,...`) are long.
    routerOptions: { maxParamLength: 5000 },
  });
  // Node checks requestTimeout only while headersTimeout (60 s) is not above it; Fastify sets the
  // first alone. Incomplete requests are checked every 30 s (Node's connectionsCheckingInterval).
  app.server.headersTimeout = Math.min(app.server.headersTimeout, config.REQUEST_TIMEOUT_MS);
  // Node's server.close() (Fastify's close) closes the keep-alive connections idle at that moment
  // only. A connection whose answer was still being written (the end of a file download) turned
  // idle a moment later and held close() until its keep-alive timeout (72 s): past the shutdown
  // budget. Until the server has closed, such connections are closed as they turn idle.
  app.addHook('preClose', (done) => {
    const timer = setInterval(() => app.server.closeIdleConnections(), 100);
    timer.unref();
    app.server.once('close', () => clearInterval(timer));
    done();
  });
  // Synchronous (done callback): an async hook costs a promise on every answer.
  app.addHook('onSend', (req, reply, payload, done) => {
    void reply.header('x-request-id', req.id);
    // Every 503 (database or token-key source unreachable, shutting down) says when to retry.
    if (reply.statusCode === 503 && !reply.hasHeader('retry-after'))
      void reply.header('retry-after', '5');
    done(null, payload);
  });
  await app.register(metricsPlugin, { db });
  // Security first: shedding, CORS preflights and hostile-input refusals happen before tokens are verified.
  await app.register(securityPlugin, { config });
  await app.register(authPlugin, { config, verifier });
  await app.register(healthPlugin, {
    db,
    uploadDir: config.UPLOAD_DIR,
    minFreeBytes: config.MIN_FREE_DISK_BYTES,
  });
  await app.register(trpcPlugin, { config, db, verifier });
  await app.register(uploadsPlugin, { config, db });
  return app;
}
