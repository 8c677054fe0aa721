import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SHEDDING_MESSAGE } from '@invoice/validators';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../env.js';
import { TRPC_ROUTE } from './trpc.js';

const NEVER_SHED = new Set(['/health/live', '/metrics']);

declare module 'fastify' {
  interface FastifyRequest {
    /** Answered 503 by load shedding; later onRequest hooks (token verification) skip it. */
    shed: boolean;
  }
}

export interface SecurityPluginOptions {
  config: Config;
}

export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
  contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-site' },
};

/**
 * The headers helmet sets, recorded from one run of its middleware. With static options (no
 * directive functions, no nonces) they are the same for every request, so each reply gets this
 * object through Fastify's `reply.headers()` instead of helmet's ~12 `res.setHeader` calls, each
 * validated by Node on every request (~2% of an invoice.byId request). Throws at start-up if
 * helmet reads the request, answers asynchronously or fails.
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return recorder;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const noRequest = new Proxy({} as IncomingMessage, {
    get(_target, key) {
      throw new Error(`helmet read the request (${String(key)}): its headers are not static`);
    },
  });
  let finished = false;
  helmet(options)(noRequest, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) {
      throw error instanceof Error ? error : new Error('helmet failed', { cause: error });
    }
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously: its headers are not static');
  return Object.freeze(headers);
}

/**
 * 5xx answers carry a fixed message (the error, with its stack, goes to the log with the
 * request id); 4xx keep theirs, which describe the request. Encapsulated routes with their
 * own handler (uploads) and tRPC's own error shapes are unaffected.
 */
async function genericServerErrors(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status =
    typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  if (status < 500) {
    req.log.info({ err: error }, 'request refused');
    return reply.code(status).send({
      statusCode: status,
      code: error.code ?? STATUS_CODES[status],
      error: STATUS_CODES[status],
      message: error.message,
    });
  }
  req.log.error({ err: error }, 'request failed');
  return status === 503
    ? reply.code(503).send({
        statusCode: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'The service is temporarily unavailable',
      })
    : reply
        .code(status)
        .send({ statusCode: status, code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' });
}

/**
 * Headers, CORS allowlist, per-user rate limiting and load shedding. Rate limiting runs in
 * preHandler so the auth hook (onRequest) has already identified the caller: the bucket is the
 * uid when verified, the client IP otherwise. Health endpoints are exempt from both limits.
 */
const securityPlugin: FastifyPluginAsync<SecurityPluginOptions> = async (app, { config }) => {
  app.setErrorHandler(genericServerErrors);
  app.decorateRequest('shed', false);
  // Helmet's headers, computed once (see helmetHeaders) and stored on each reply.
  const securityHeaders = helmetHeaders(HELMET_OPTIONS);
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(securityHeaders);
    done();
  });
  const allowed = new Set(config.CORS_ORIGINS);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin === undefined || allowed.has(origin)),
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-request-id',
      'trpc-accept',
      'idempotency-key',
    ],
    // Beyond the CORS-safelisted response headers, what a browser frontend needs to read: when
    // to retry (429/503), the request id to quote, the rate limit's state, a download's name.
    exposedHeaders: [
      'retry-after',
      'x-request-id',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'content-disposition',
    ],
    maxAge: 600,
    strictPreflight: true,
  });
  // @fastify/cors answers a preflight from an allowed origin (204) but passes one from any other
  // origin on to the routes, where it met the rate limit (spending its IP's budget: any web page
  // could make its visitors' browsers do that) and tRPC's 415. Refused here instead, before the
  // rate limit, token verification and load shedding, as cheaply as CORS's own 204: no route,
  // no body, no database. Floods of them are the edge's job, as for any unauthenticated request.
  app.addHook('onRequest', (req, reply, done) => {
    const origin = req.headers.origin;
    if (
      req.method !== 'OPTIONS' ||
      origin === undefined ||
      req.headers['access-control-request-method'] === undefined ||
      allowed.has(origin)
    ) {
      done();
      return;
    }
    void reply.code(403).send({
      statusCode: 403,
      code: 'CORS_ORIGIN_NOT_ALLOWED',
      error: STATUS_CODES[403],
      message: 'Cross-origin requests from this origin are not allowed',
    });
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
      // Liveness never sheds (no restarts for being busy); /metrics neither, so monitoring sees
      // the overload it alerts on.
      if (NEVER_SHED.has(req.routeOptions.url ?? '')) return undefined;
      req.log.warn({ type, value }, 'shedding load');
      req.shed = true;
      void reply.header('retry-after', '10');
      // tRPC clients read errors in tRPC's shape: the tRPC scope's error handler answers this
      // one as SERVICE_UNAVAILABLE (plugins/trpc.ts, hookErrorAsTrpc).
      if (req.routeOptions.url === TRPC_ROUTE) {
        return Promise.reject(Object.assign(new Error(SHEDDING_MESSAGE), { statusCode: 503 }));
      }
      void reply.code(503).send({
        statusCode: 503,
        error: 'Service Unavailable',
        message: SHEDDING_MESSAGE,
      });
      return undefined;
    },
  });
};

/**
 * Registered before the auth plugin: its onRequest hooks (headers, CORS, the prototype-key
 * guard, load shedding) run before any token is verified, so an overloaded instance spends
 * nothing on verification. The rate limit runs at preHandler, after auth, and keys on the user.
 */
export default fp(securityPlugin, { name: 'security', fastify: '5.x' });
