import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './env.js';
import healthPlugin from './plugins/health.js';

export interface BuildAppOptions {
  config: Config;
}

/** Builds the Fastify app without listening or touching process state, so tests can inject requests. */
export async function buildApp({ config }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  });
  await app.register(healthPlugin);
  return app;
}
