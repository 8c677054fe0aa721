/**
 * Fault drill: the database stops answering without closing its sockets (SIGSTOP: a frozen
 * process, or a network path that silently drops packets). Unlike kill -9, nothing tells the
 * driver: the calls in flight and the next ones wait on sockets that stay open. The promise is
 * the same as for a dead database: 503 SERVICE_UNAVAILABLE with Retry-After within
 * `MONGODB_CONNECT_TIMEOUT_MS` + the driver's 10 s heartbeat wait + the selection timeout,
 * readiness 503, and recovery without a restart once the database answers again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startEmbeddedProcess,
  type EmbeddedProcess,
} from '@invoice/mongo-embedded/testing/child-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { callProcedure, summarize, type CallOutcome } from './http-drill.js';

const SELECTION_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;
/** The driver's heartbeatFrequencyMS: how long a streaming monitor check waits for a reply. */
const HEARTBEAT_MS = 10_000;
/**
 * The longest a call may wait: the monitor's check fails after the heartbeat wait plus the
 * connect timeout, then a call waits at most one selection timeout; 5 s for a loaded machine.
 * With the driver's default connect timeout (30 s) calls waited about 40 s.
 */
const BOUND_MS = HEARTBEAT_MS + CONNECT_TIMEOUT_MS + SELECTION_TIMEOUT_MS + 5_000;

describe('drill: the database freezes (SIGSTOP) with requests in flight', () => {
  let dbPath: string;
  let mongo: EmbeddedProcess;
  let server: TestServer;
  let baseUrl: string;

  beforeAll(async () => {
    dbPath = await mkdtemp(join(tmpdir(), 'invoice-drill-frozen-'));
    mongo = await startEmbeddedProcess(dbPath);
    server = await startTestServer('drill-frozen', {
      MONGODB_URI: mongo.uri,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: String(SELECTION_TIMEOUT_MS),
      MONGODB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'silent',
    });
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    mongo?.child.kill('SIGCONT');
    await server?.close();
    await mongo?.terminate();
    if (dbPath) await rm(dbPath, { recursive: true, force: true });
  });

  it('answers 503 within the connect timeout plus a heartbeat, and recovers when it thaws', async () => {
    const user = await server.signIn('drill-frozen@example.test');
    const call = (path: string, input: unknown, type: 'query' | 'mutation' = 'mutation') =>
      callProcedure(baseUrl, path, input, user.idToken, type);
    const org = await call('organization.create', {
      name: 'Frozen',
      currency: 'EUR',
      timezone: 'UTC',
    });
    const orgId = String((org.data as { id: string }).id);
    const customer = await call('customer.create', { orgId, name: 'Frozen Customer' });
    const customerId = String((customer.data as { id: string }).id);
    const create = (n: number) =>
      call('invoice.create', {
        orgId,
        customerId,
        lines: [{ description: `frozen ${n}`, quantity: 1, unitPrice: 100 }],
        idempotencyKey: `frozen-${n}`,
      });
    expect((await create(0)).status).toBe(200);

    mongo.child.kill('SIGSTOP');
    const during: CallOutcome[] = await Promise.all([
      create(1),
      create(2),
      call('invoice.list', { orgId, limit: 5 }, 'query'),
      call('customer.list', { orgId }, 'query'),
    ]);
    // Calls made once the freeze is known fail at once (server selection).
    const after = await create(3);
    const ready = await fetch(`${baseUrl}/health/ready`);
    process.stdout.write(
      `frozen database: in flight ${summarize(during.map((o) => o.ms))}; next call ${after.ms} ms\n`,
    );
    for (const outcome of [...during, after]) {
      expect(outcome).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(outcome.retryAfter).not.toBeNull();
      expect(outcome.ms).toBeLessThan(BOUND_MS);
    }
    expect(ready.status).toBe(503);

    mongo.child.kill('SIGCONT');
    await expect
      .poll(async () => (await create(4)).status, { timeout: 60_000, interval: 250 })
      .toBe(200);
    const listed = await call('invoice.list', { orgId, limit: 50 }, 'query');
    expect(listed.status).toBe(200);
  }, 120_000);
});
