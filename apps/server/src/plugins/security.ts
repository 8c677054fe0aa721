import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../env.js';

export interface SecurityPluginOptions {
  config: Config;
}

/**
 * Headers, CORS allowlist, per-user rate limiting and load shedding. Rate limiting runs in
 * preHandler so the auth hook (onRequest) has already identified the caller: the bucket is the
 * uid when verified, the client IP otherwise. Health endpoints are exempt from both limits.
 */
const securityPlugin: FastifyPluginAsync<SecurityPluginOptions> = async (app, { config }) => {
  await app.register(helmet, {
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  const allowed = new Set(config.CORS_ORIGINS);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin === undefined || allowed.has(origin)),
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'trpc-accept'],
    maxAge: 600,
    strictPreflight: true,
  });
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.user ? `uid:${req.user.uid}` : `ip:${req.ip}`),
    allowList: (req) => req.url.startsWith('/health') || req.url === '/metrics',
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Rate limit exceeded, retry in ${context.after}`,
    }),
  });
  await app.register(underPressure, {
    maxEventLoopDelay: config.SHED_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: config.SHED_MAX_HEAP_USED_BYTES,
    retryAfter: 10,
    exposeStatusRoute: false,
    pressureHandler: (req, reply, type, value) => {
      if (req.url.startsWith('/health/live')) return; // liveness never sheds
      req.log.warn({ type, value }, 'shedding load');
      void reply.code(503).header('retry-after', '10').send({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Server overloaded, retry later',
      });
    },
  });
};

export default fp(securityPlugin, { name: 'security', fastify: '5.x', dependencies: ['auth'] });
