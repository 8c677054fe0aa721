import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/** Liveness: the process answers. It never touches dependencies, so a database outage never restarts pods. */
const healthPlugin: FastifyPluginAsync = async (app) => {
  const startedAt = Date.now();
  app.get('/health/live', { logLevel: 'warn' }, async () => ({
    status: 'ok' as const,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));
};

export default fp(healthPlugin, { name: 'health', fastify: '5.x' });
