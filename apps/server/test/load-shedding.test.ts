import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { injectUpload, orgWithAccountant, PNG, type Member, type Org } from './uploads.js';

/** Shedding starts past this mean event-loop delay (the default is 1000 ms). */
const MAX_DELAY_MS = 100;
/** Each block of the event loop lasts this long: a sample's mean stays far above MAX_DELAY_MS. */
const BLOCK_MS = 300;
const MB = 1024 * 1024;

/** Keeps the event loop blocked most of the time until stopped. */
function blockEventLoop(): () => void {
  const timer = setInterval(() => {
    const until = performance.now() + BLOCK_MS;
    while (performance.now() < until) {
      // busy: nothing else runs on this thread
    }
  }, 10);
  return () => clearInterval(timer);
}

/** A full collection, on demand (the flag only exposes `gc`; nothing else changes). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * SECURITY.md "Load shedding": with the event loop blocked or the heap past its bound,
 * ordinary routes answer 503 with Retry-After without running their handler, readiness
 * answers 503 (the load balancer stops sending), liveness stays 200 (no restart for being
 * busy), and everything recovers once the pressure is gone. Thresholds come from config;
 * the pressure is made, not waited for.
 */
describe('load shedding', () => {
  let s: TestServer;
  let member: Member;
  let org: Org;
  let maxHeapUsed: number;

  const get = (url: string, token?: string) =>
    s.app.inject({
      method: 'GET',
      url,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  const createOrgCall = (name: string) =>
    s.app.inject({
      method: 'POST',
      url: '/trpc/organization.create',
      headers: { authorization: `Bearer ${member.idToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ json: { name, currency: 'EUR', timezone: 'UTC' } }),
    });
  const orgsNamed = (name: string) => s.db.collections.organizations.countDocuments({ name });

  /** auth_token_verifications_total over every outcome, from a real scrape. */
  async function tokenVerifications(): Promise<number> {
    const text = (await get('/metrics')).body;
    return [...text.matchAll(/^auth_token_verifications_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  }

  async function expectShedding(): Promise<void> {
    // Shed before the token is checked: a busy server spends nothing on verification.
    const verificationsBefore = await tokenVerifications();
    const list = await get('/trpc/organization.list', member.idToken);
    expect(list.statusCode).toBe(503);
    expect(list.headers['retry-after']).toBe('10');
    // In tRPC's shape, so @invoice/client gives callers the code (client-refusal-codes.test.ts).
    expect(list.json()).toMatchObject({
      error: {
        json: {
          message: 'Server overloaded, retry later',
          data: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503, path: 'organization.list' },
        },
      },
    });
    // Shed before the handler: the mutation did not happen.
    const name = `Shed ${new ObjectId().toHexString()}`;
    expect((await createOrgCall(name)).statusCode).toBe(503);
    expect(await orgsNamed(name)).toBe(0);
    expect((await injectUpload(s.app, org, member.idToken, PNG)).statusCode).toBe(503);
    expect((await get('/health/ready')).statusCode).toBe(503);
    expect((await get('/health/live')).statusCode).toBe(200);
    expect(await tokenVerifications()).toBe(verificationsBefore);
    // Monitoring keeps seeing the overload it is meant to alert on.
    const metrics = await get('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('nodejs_eventloop_lag');
  }

  async function expectRecovered(): Promise<void> {
    await expect
      .poll(() => s.app.isUnderPressure(), { timeout: 20_000, interval: 100 })
      .toBe(false);
    expect((await get('/trpc/organization.list', member.idToken)).statusCode).toBe(200);
    const name = `Served ${new ObjectId().toHexString()}`;
    expect((await createOrgCall(name)).statusCode).toBe(200);
    expect(await orgsNamed(name)).toBe(1);
    expect((await get('/health/ready')).statusCode).toBe(200);
  }

  beforeAll(async () => {
    collectGarbage();
    // Far above what this worker uses, below what the heap test holds.
    maxHeapUsed = process.memoryUsage().heapUsed + 256 * MB;
    s = await startTestServer('load-shedding', {
      SHED_MAX_EVENT_LOOP_DELAY_MS: String(MAX_DELAY_MS),
      SHED_MAX_HEAP_USED_BYTES: String(maxHeapUsed),
    });
    ({ org, accountant: member } = await orgWithAccountant(s.db, s.signIn, 'shedding'));
  });
  afterAll(() => s.close());

  it('serves normally below the thresholds', async () => {
    await expectRecovered();
    expect(s.app.memoryUsage().eventLoopDelay).toBeLessThanOrEqual(MAX_DELAY_MS);
  });

  it('sheds while the event loop is blocked and recovers after', async () => {
    const unblock = blockEventLoop();
    try {
      await expect
        .poll(() => s.app.isUnderPressure(), { timeout: 20_000, interval: 50 })
        .toBe(true);
      expect(s.app.memoryUsage().eventLoopDelay).toBeGreaterThan(MAX_DELAY_MS);
      await expectShedding();
    } finally {
      unblock();
    }
    await expectRecovered();
  });

  it('sheds while the heap is past its bound and recovers once it is freed', async () => {
    // 512 MiB of live doubles, referenced until the shedding has been checked.
    const ballast: number[][] = Array.from({ length: 512 }, () =>
      new Array<number>(MB / 8).fill(0.5),
    );
    try {
      // Allocating it pauses the loop too; wait for a sample where the heap is the only reason.
      await expect
        .poll(
          () => {
            const usage = s.app.memoryUsage();
            return usage.heapUsed > maxHeapUsed && usage.eventLoopDelay <= MAX_DELAY_MS;
          },
          { timeout: 20_000, interval: 50 },
        )
        .toBe(true);
      expect(s.app.isUnderPressure()).toBe(true);
      await expectShedding();
      expect(ballast).toHaveLength(512);
    } finally {
      ballast.length = 0;
      collectGarbage();
    }
    await expectRecovered();
  });
});
