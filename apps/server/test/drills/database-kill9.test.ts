/**
 * Fault drill: kill -9 the database during a stream of API writes.
 *
 * The MongoDB-compatible server runs as a child process on a data directory (as in production
 * it is another process); the real app listens on a socket with real emulator tokens and a
 * stream of `invoice.create` calls. The drill SIGKILLs the database mid-stream and checks that
 * the API answers 503 SERVICE_UNAVAILABLE (never 500, never a hang), that readiness fails while
 * liveness holds, that the same app recovers when the database is restarted on the same data
 * directory and port, and that every invoice acknowledged with a 200 is still there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startEmbeddedProcess,
  type EmbeddedProcess,
} from '@invoice/mongo-embedded/testing/child-process';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { startTestServer, type TestServer } from '../server.js';
import { callProcedure, summarize, type CallOutcome } from './http-drill.js';

const WORKERS = 4;
/** Short, so each call made while the database is gone fails within about a second. */
const SELECTION_TIMEOUT_MS = 1_000;

type Phase = 'up' | 'down' | 'restarted';

interface Outcome extends CallOutcome {
  phase: Phase;
  invoiceId: string | null;
  endedAt: number;
}

describe('drill: kill -9 the database during API writes', () => {
  let dbPath: string;
  let port: number;
  let mongo: EmbeddedProcess;
  let server: TestServer;
  let baseUrl: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    dbPath = await mkdtemp(join(tmpdir(), 'invoice-drill-kill9-'));
    port = await freePort();
    mongo = await startEmbeddedProcess(dbPath, { port });
    server = await startTestServer(
      'drill-kill9',
      {
        MONGODB_URI: mongo.uri,
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: String(SELECTION_TIMEOUT_MS),
        RATE_LIMIT_PER_MINUTE: '1000000',
        LOG_LEVEL: 'warn',
      },
      { stream: { write: (line: string) => void logLines.push(line) } },
    );
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await mongo?.kill9();
    if (dbPath) await rm(dbPath, { recursive: true, force: true });
  });

  it('answers 503 while the database is gone, recovers without a restart, loses no acknowledged invoice', async () => {
    const user = await server.signIn('drill-kill9@example.test');
    const call = (path: string, input: unknown) =>
      callProcedure(baseUrl, path, input, user.idToken);

    const org = await call('organization.create', {
      name: 'Drill Org',
      currency: 'EUR',
      timezone: 'UTC',
    });
    const orgId = String((org.data as { id: string }).id);
    const customer = await call('customer.create', { orgId, name: 'Drill Customer' });
    const customerId = String((customer.data as { id: string }).id);

    let phase: Phase = 'up';
    let restartedAt: number | undefined;
    let stopped = false;
    const outcomes: Outcome[] = [];
    const worker = async (w: number) => {
      for (let n = 0; !stopped; n++) {
        const startedIn = phase;
        const result = await call('invoice.create', {
          orgId,
          customerId,
          lines: [{ description: `drill ${w}-${n}`, quantity: 1, unitPrice: 100 + n }],
          idempotencyKey: `drill-${w}-${n}`,
        });
        const invoiceId = result.status === 200 ? String((result.data as { id: string }).id) : null;
        // A call that started before the kill and ended after it counts as `down`.
        outcomes.push({
          ...result,
          phase: startedIn === phase ? phase : 'down',
          invoiceId,
          endedAt: performance.now(),
        });
      }
    };
    const countWhere = (predicate: (o: Outcome) => boolean) => outcomes.filter(predicate).length;

    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    try {
      await expect
        .poll(() => countWhere((o) => o.status === 200), { timeout: 60_000, interval: 50 })
        .toBeGreaterThanOrEqual(40);

      phase = 'down'; // before the kill: calls answered while it lands already count as down
      await mongo.kill9();
      await expect
        .poll(() => countWhere((o) => o.phase === 'down' && o.status === 503), {
          timeout: 60_000,
          interval: 50,
        })
        .toBeGreaterThanOrEqual(2 * WORKERS);

      const ready = await fetch(`${baseUrl}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ checks: { mongo: { ok: false } } });
      const live = await fetch(`${baseUrl}/health/live`);
      expect(live.status).toBe(200);

      // Same data directory and port: the app's existing client must find it again.
      mongo = await startEmbeddedProcess(dbPath, { port });
      phase = 'restarted';
      restartedAt = performance.now();
      await expect
        .poll(() => countWhere((o) => o.phase === 'restarted' && o.status === 200), {
          timeout: 60_000,
          interval: 50,
        })
        .toBeGreaterThanOrEqual(2 * WORKERS);
      await expect
        .poll(async () => (await fetch(`${baseUrl}/health/ready`)).status, {
          timeout: 30_000,
          interval: 200,
        })
        .toBe(200);
    } finally {
      stopped = true;
      await Promise.all(workers);
    }

    // While the database was gone every failure was a clean, retryable 503; never a 500.
    const failures = outcomes.filter((o) => o.status !== 200);
    expect(failures.length).toBeGreaterThan(0);
    // A 500 is logged as "tRPC procedure failed" with its cause: shown when one occurs.
    const errors = logLines.filter((line) => line.includes('tRPC procedure failed'));
    for (const failure of failures) {
      expect(failure, errors.join('\n')).toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
      expect(failure.retryAfter).toMatch(/^\d+$/);
      expect(failure.message).not.toMatch(/mongo|127\.0\.0\.1|selection|ECONN/i);
    }
    expect(outcomes.filter((o) => o.phase === 'up').every((o) => o.status === 200)).toBe(true);

    // The on-call sees why: each 503 is logged as a warning with the driver's error as cause.
    const warnings = logLines.filter((line) => line.includes('dependency unavailable'));
    expect(warnings.length).toBe(failures.length);
    expect(warnings.every((line) => /Mongo\w*Error/.test(line))).toBe(true);

    // Every acknowledged invoice survived the crash.
    const acknowledged = outcomes.flatMap((o) => (o.invoiceId ? [o.invoiceId] : []));
    const stored = await server.db.collections.invoices
      .find({ _id: { $in: acknowledged.map((id) => new ObjectId(id)) } })
      .project<{ _id: ObjectId }>({ _id: 1 })
      .toArray();
    const storedIds = new Set(stored.map((d) => d._id.toHexString()));
    expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([]);

    process.stdout.write(
      `drill kill-9: ${acknowledged.length} acknowledged invoices, all present; ` +
        `503 latency while down ${summarize(failures.map((o) => o.ms))}; ` +
        `first 200 ${Math.round(
          Math.min(
            ...outcomes
              .filter((o) => o.phase === 'restarted' && o.status === 200)
              .map((o) => o.endedAt),
          ) - restartedAt,
        )} ms after the database was listening again; ` +
        `200 latency after restart ${summarize(
          outcomes.filter((o) => o.phase === 'restarted' && o.status === 200).map((o) => o.ms),
        )}\n`,
    );
  }, 240_000);
});
