import type { Database } from '@invoice/db';
import Fastify, { type FastifyInstance } from 'fastify';
import type { TokenVerifier } from './auth/token-verifier.js';
import type { Config } from './env.js';
import authPlugin from './plugins/auth.js';
import healthPlugin from './plugins/health.js';
import metricsPlugin from './plugins/metrics.js';
import securityPlugin from './plugins/security.js';
import { trpcPlugin } from './plugins/trpc.js';

export interface BuildAppOptions {
  config: Config;
  db: Database;
  verifier: TokenVerifier;
}

/** Builds the Fastify app without listening or touching process state, so tests can inject requests. */
export async function buildApp({
  config,
  db,
  verifier,
}: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.idToken', '*.token'],
        censor: '[redacted]',
      },
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: 'x-request-id',
    // Batched tRPC paths (`a.b,c.d,...`) are long.
    routerOptions: { maxParamLength: 5000 },
  });
  await app.register(metricsPlugin, { db });
  await app.register(authPlugin, { config, verifier });
  await app.register(securityPlugin, { config });
  await app.register(healthPlugin, {
    db,
    uploadDir: config.UPLOAD_DIR,
    minFreeBytes: config.MIN_FREE_DISK_BYTES,
  });
  await app.register(trpcPlugin, { config, db, verifier });
  return app;
}
