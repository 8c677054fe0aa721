import { statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '@invoice/db';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';

export interface HealthPluginOptions {
  db: Database;
  uploadDir: string;
  /** Readiness fails below this much free space on the upload volume. */
  minFreeBytes: number;
  /** How long the database ping may take before readiness fails. */
  pingTimeoutMs?: number;
}

type CheckResult =
  { ok: true; ms: number; detail?: string } | { ok: false; ms: number; error: string };

async function timed(
  run: () => Promise<string | undefined>,
  timeoutMs: number,
): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const ms = Math.round(performance.now() - started);
    return detail === undefined ? { ok: true, ms } : { ok: true, ms, detail };
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Flips readiness to 503 (called first thing on shutdown). */
    markShuttingDown(): void;
  }
}

/**
 * Liveness (`/health/live`): the process answers; never touches dependencies, so a database
 * outage never gets healthy pods restarted. Readiness (`/health/ready`): MongoDB answers a ping,
 * the upload directory is writable, the upload volume has free space, and we are not shutting
 * down; 200 or 503 with every check named, so the load balancer and the on-call see why.
 */
const healthPlugin: FastifyPluginAsync<HealthPluginOptions> = async (app, options) => {
  const startedAt = Date.now();
  let shuttingDown = false;
  app.decorate('markShuttingDown', () => {
    shuttingDown = true;
  });

  // The disk check as metrics, so alerts fire before readiness fails (read at scrape time).
  new Gauge({
    name: 'upload_dir_free_bytes',
    help: 'Free bytes available to the server on the upload volume (statfs of UPLOAD_DIR)',
    registers: [app.metrics.registry],
    async collect() {
      const stats = await statfs(options.uploadDir).catch(() => null);
      if (stats) this.set(stats.bavail * stats.bsize);
    },
  });
  new Gauge({
    name: 'upload_dir_min_free_bytes',
    help: 'Readiness fails below this many free bytes on the upload volume (MIN_FREE_DISK_BYTES)',
    registers: [app.metrics.registry],
  }).set(options.minFreeBytes);

  app.get('/health/live', { logLevel: 'warn' }, async () => ({
    status: 'ok' as const,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get('/health/ready', { logLevel: 'warn' }, async (_req, reply) => {
    const timeout = options.pingTimeoutMs ?? 2_000;
    const [mongo, uploadDir, disk] = await Promise.all([
      timed(async () => {
        await options.db.db.command({ ping: 1 });
        return undefined;
      }, timeout),
      timed(async () => {
        // A real write, not access(): root passes permission checks, and a file is not a dir.
        const probe = join(options.uploadDir, `.ready-probe-${process.pid}`);
        await writeFile(probe, '');
        await unlink(probe);
        return undefined;
      }, timeout),
      timed(async () => {
        const stats = await statfs(options.uploadDir);
        const free = stats.bavail * stats.bsize;
        if (free < options.minFreeBytes)
          throw new Error(`only ${free} bytes free (minimum ${options.minFreeBytes})`);
        return `${free} bytes free`;
      }, timeout),
    ]);
    const checks = {
      shutdown: shuttingDown
        ? ({ ok: false, ms: 0, error: 'shutting down' } as const)
        : ({ ok: true, ms: 0 } as const),
      mongo,
      uploadDir,
      disk,
    };
    const ready = Object.values(checks).every((check) => check.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
};

export default fp(healthPlugin, { name: 'health', fastify: '5.x', dependencies: ['metrics'] });
