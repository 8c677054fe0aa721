import { randomUUID } from 'node:crypto';
import { mkdir, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '@invoice/db';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { tempDir } from '../uploads/disk-store.js';

export interface HealthPluginOptions {
  db: Database;
  uploadDir: string;
  /** Readiness fails below this much free space on the upload volume. */
  minFreeBytes: number;
  /** How long the database ping may take before readiness fails. */
  pingTimeoutMs?: number;
}

type CheckResult =
  | { ok: true; ms: number; detail?: string }
  | { ok: false; ms: number; error: string; cause?: unknown };

/** A check's own verdict, safe to show as is (no host names, paths or driver text). */
class CheckFailed extends Error {}

/**
 * What the public readiness body says about a failure: our own verdicts and timeouts as they
 * are, otherwise only the error's class and code (`MongoServerSelectionError`, `EACCES`). The
 * load balancer's probe is unauthenticated; the full error goes to the log.
 */
function publicReason(error: unknown): string {
  if (error instanceof CheckFailed) return error.message;
  if (!(error instanceof Error)) return 'failed';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}

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
        timer = setTimeout(
          () => reject(new CheckFailed(`timed out after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    const ms = Math.round(performance.now() - started);
    return detail === undefined ? { ok: true, ms } : { ok: true, ms, detail };
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      error: publicReason(error),
      cause: error,
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

  // Probes every few seconds would drown the info log: warn and above, or quieter if configured.
  const quieter = (['error', 'fatal', 'silent'] as const).find((level) => level === app.log.level);
  const logLevel = quieter ?? 'warn';

  app.get('/health/live', { logLevel }, async () => ({
    status: 'ok' as const,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get('/health/ready', { logLevel }, async (req, reply) => {
    const timeout = options.pingTimeoutMs ?? 2_000;
    const [mongo, uploadDir, disk] = await Promise.all([
      timed(async () => {
        await options.db.db.command({ ping: 1 });
        return undefined;
      }, timeout),
      timed(async () => {
        // A real write, not access(): root passes permission checks, and a file is not a dir.
        // One name per probe: overlapping probes (balancer and blackbox exporter) sharing a name
        // deleted each other's file, and a healthy instance answered 503 (ENOENT). Written where
        // uploads are (.tmp, made again if a volume mounted after boot lacks it).
        const temp = tempDir(options.uploadDir);
        await mkdir(temp, { recursive: true });
        const probe = join(temp, `.ready-probe-${process.pid}-${randomUUID()}`);
        await writeFile(probe, '', { flag: 'wx' });
        await unlink(probe);
        return undefined;
      }, timeout),
      timed(async () => {
        const stats = await statfs(options.uploadDir);
        const free = stats.bavail * stats.bsize;
        if (free < options.minFreeBytes)
          throw new CheckFailed(`only ${free} bytes free (minimum ${options.minFreeBytes})`);
        return `${free} bytes free`;
      }, timeout),
    ]);
    const checks: Record<string, CheckResult> = {
      shutdown: shuttingDown ? { ok: false, ms: 0, error: 'shutting down' } : { ok: true, ms: 0 },
      mongo,
      uploadDir,
      disk,
    };
    for (const [name, check] of Object.entries(checks)) {
      if (check.ok || check.cause === undefined) continue;
      req.log.warn({ check: name, err: check.cause }, `readiness check ${name} failed`);
      delete check.cause;
    }
    const ready = Object.values(checks).every((check) => check.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
};

export default fp(healthPlugin, { name: 'health', fastify: '5.x', dependencies: ['metrics'] });
