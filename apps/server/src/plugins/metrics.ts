import { METHODS } from 'node:http';
import { appRouter } from '@invoice/api';
import type { Database } from '@invoice/db';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TRPC_ROUTE } from './trpc.js';

/**
 * Why an upload failed, as `upload_failures_total{reason}`: over the size limit, client went
 * away, type refused, malformed request, volume full, MongoDB failed while storing the metadata,
 * anything else.
 */
export const UPLOAD_FAILURE_REASONS = [
  'limit',
  'aborted',
  'type',
  'invalid',
  'enospc',
  'db',
  'internal',
] as const;
export type UploadFailureReason = (typeof UPLOAD_FAILURE_REASONS)[number];

export interface Metrics {
  registry: Registry;
  /**
   * Counts a tRPC error by procedure and code (the handler's onError calls it with tRPC's
   * `path`, which is the caller's text for a call to no procedure: see `procedureLabel`).
   */
  trpcError(path: string | undefined, code: TRPC_ERROR_CODE_KEY): void;
  /** Upload outcomes, reported by the attachment route once per upload that reached the file. */
  upload: {
    stored(bytes: number, seconds: number): void;
    failed(reason: UploadFailureReason, seconds: number): void;
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export interface MetricsPluginOptions {
  db: Database;
}

/** Every procedure path of the router: the only caller-supplied text a label may carry. */
const PROCEDURES: ReadonlySet<string> = new Set(Object.keys(appRouter._def.procedures));
const HTTP_METHODS: ReadonlySet<string> = new Set(METHODS);

/**
 * The `procedure` label of a tRPC path, from a closed set so that callers cannot create time
 * series: a procedure of the router as is, `batch` for a batched call (`a.b,c.d`, counted once
 * whatever it carries), `unknown` for anything else (no such procedure, no path).
 */
export function procedureLabel(path: string | undefined): string {
  return path?.includes(',') ? 'batch' : callLabel(path);
}

/** The `procedure` label of one call: a procedure of the router as is, else `unknown`. */
function callLabel(path: string | undefined): string {
  return path !== undefined && PROCEDURES.has(path) ? path : 'unknown';
}

/** tRPC decodes the (already decoded) route parameter once more before resolving calls. */
function trpcPath(param: string | undefined): string | undefined {
  if (param === undefined || !param.includes('%')) return param;
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}

/** Requests outside the tRPC route have an empty `procedure`. */
function procedureOf(req: FastifyRequest): string {
  if (req.routeOptions.url !== TRPC_ROUTE) return '';
  // The path the adapter resolves the call from: the route parameter, decoded as tRPC does.
  return procedureLabel(trpcPath((req.params as { path?: string } | undefined)?.path));
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics at GET /metrics, one registry per app (tests build several apps):
 * request duration by route, tRPC procedure and status class (the SLO's p95 and 5xx rate),
 * tRPC errors by code, MongoDB command durations from the driver's command monitoring
 * (database time), upload bytes, failures by reason and durations, open connections, and
 * Node's defaults (event-loop lag, heap, GC).
 */
const metricsPlugin: FastifyPluginAsync<MetricsPluginOptions> = async (app, { db }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route, tRPC procedure and status class',
    labelNames: ['method', 'route', 'procedure', 'status_class'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const trpcErrors = new Counter({
    name: 'trpc_errors_total',
    help: 'tRPC calls that ended in an error, by procedure and tRPC code',
    labelNames: ['procedure', 'code'] as const,
    registers: [registry],
  });
  const mongoDuration = new Histogram({
    name: 'mongodb_command_duration_seconds',
    help: 'MongoDB command duration seen by the driver, by command and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const uploadBytes = new Counter({
    name: 'upload_bytes_total',
    help: 'Bytes of attachment files stored (successful uploads only)',
    registers: [registry],
  });
  const uploadFailures = new Counter({
    name: 'upload_failures_total',
    help: 'Attachment uploads that failed while receiving or storing the file, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Every reason is exported from the start, so rate() and alerts see 0 rather than nothing.
  for (const reason of UPLOAD_FAILURE_REASONS) uploadFailures.inc({ reason }, 0);
  const uploadDuration = new Histogram({
    name: 'upload_duration_seconds',
    help: 'Attachment upload request duration by outcome (stored or failed)',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  new Gauge({
    name: 'http_open_connections',
    help: 'Open TCP connections to the HTTP server',
    registers: [registry],
    async collect() {
      const count = await new Promise<number>((resolve) => {
        app.server.getConnections((error, n) => resolve(error ? 0 : n));
      });
      this.set(count);
    },
  });

  db.client.on('commandSucceeded', (event) => {
    mongoDuration.observe({ command: event.commandName, outcome: 'ok' }, event.duration / 1000);
  });
  db.client.on('commandFailed', (event) => {
    mongoDuration.observe({ command: event.commandName, outcome: 'error' }, event.duration / 1000);
  });

  app.decorate('metrics', {
    registry,
    // One call's path (a batch reports each call on its own): a procedure or `unknown`, never
    // `batch`, even for a single call to a made-up path with a comma in it.
    trpcError: (path: string | undefined, code: TRPC_ERROR_CODE_KEY) =>
      trpcErrors.inc({ procedure: callLabel(path), code }),
    upload: {
      stored: (bytes: number, seconds: number) => {
        uploadBytes.inc(bytes);
        uploadDuration.observe({ outcome: 'stored' }, seconds);
      },
      failed: (reason: UploadFailureReason, seconds: number) => {
        uploadFailures.inc({ reason });
        uploadDuration.observe({ outcome: 'failed' }, seconds);
      },
    },
  });

  /** One observation per request: at its answer, or when the client gave up before it. */
  const observe = (req: FastifyRequest, statusClass: string, seconds: number) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    requestDuration.observe(
      {
        // Node only parses the methods it knows, but the label must not depend on that.
        method: HTTP_METHODS.has(req.method) ? req.method : 'other',
        route,
        procedure: procedureOf(req),
        status_class: statusClass,
      },
      seconds,
    );
  };
  // A client (or a load balancer's timeout) that closes the connection before the server has
  // written its answer gets none, and Fastify runs onResponse only for a finished answer: such
  // a request was missing from the latency and error ratios, though it is exactly their slow
  // tail. It is counted when the connection closes, with how long it had run, as
  // `status_class="aborted"` (the answer written later to the closed connection is not counted).
  app.addHook('onRequest', (req, reply, done) => {
    reply.raw.once('close', () => {
      if (!reply.raw.writableEnded) observe(req, 'aborted', reply.elapsedTime / 1000);
    });
    done();
  });
  // Synchronous (done callback): an async hook costs a promise on every answer.
  app.addHook('onResponse', (req, reply, done) => {
    observe(req, `${Math.floor(reply.statusCode / 100)}xx`, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
};

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x' });
