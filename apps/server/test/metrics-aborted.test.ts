import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startEmbeddedProcess,
  type EmbeddedProcess,
} from '@invoice/mongo-embedded/testing/child-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { createOrgOverHttp, queryUrl, TRPC_TRANSPORTS } from './security/http.js';
import { eventually, listeningPort, metricSample } from './uploads.js';

/**
 * performance_monitoring.md: `http_request_duration_seconds` covers "every HTTP request except
 * /metrics", and the latency SLO (p95 < 500 ms) and the 5xx ratio are computed from it. A caller
 * (or a load balancer with a request timeout) that gives up on a slow request is exactly the
 * tail the SLO must see; here the database freezes, the client gives up after 1 s, then the
 * database comes back and the server finishes the request.
 */
describe.each(TRPC_TRANSPORTS)(
  'a request the client abandoned is still measured (%s)',
  (name, env) => {
    const tag = name.replace(/\W/g, '');
    let dbPath: string;
    let mongo: EmbeddedProcess;
    let s: TestServer;
    let token: string;
    let orgId: string;
    beforeAll(async () => {
      dbPath = await mkdtemp(join(tmpdir(), 'metrics-abort-'));
      mongo = await startEmbeddedProcess(dbPath);
      s = await startTestServer(`metrics-abort-${tag}`, { ...env, MONGODB_URI: mongo.uri });
      token = (await s.signIn(`metrics-abort-${tag}@example.test`)).idToken;
      orgId = await createOrgOverHttp(s, token);
    }, 60_000);
    afterAll(async () => {
      mongo.child.kill('SIGCONT');
      await s.close().catch(() => undefined);
      await mongo.terminate();
      await rm(dbPath, { recursive: true, force: true });
    });

    it('counts an invoice.list the client abandoned after 1 s while the database was frozen', async () => {
      const labels = { method: 'GET', route: '/trpc/:path', procedure: 'invoice.list' };
      const countOf = async () => {
        let total = 0;
        for (const status_class of ['2xx', '4xx', '5xx', 'aborted'])
          total += await metricSample(s.app, 'http_request_duration_seconds_count', {
            ...labels,
            status_class,
          });
        return total;
      };
      const finds = () =>
        metricSample(s.app, 'mongodb_command_duration_seconds_count', {
          command: 'aggregate',
          outcome: 'ok',
        });
      const before = await countOf();
      const findsBefore = await finds();
      const port = await listeningPort(s.app);
      let finished = false;
      mongo.child.kill('SIGSTOP');
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'GET',
        path: queryUrl('invoice.list', { orgId, limit: 5 }),
        headers: { authorization: `Bearer ${token}` },
      });
      req.on('error', () => undefined);
      req.on('response', () => (finished = true));
      req.end();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(finished).toBe(false);
      req.destroy();
      mongo.child.kill('SIGCONT');
      // The server finishes the request once the database answers again (well within 10 s).
      await new Promise((r) => setTimeout(r, 3_000));
      // The procedure did run to its end: its database commands completed after the thaw.
      expect(await eventually(async () => (await finds()) > findsBefore)).toBe(true);
      const counted = await eventually(async () => (await countOf()) === before + 1, 250);
      expect(
        counted,
        `http_request_duration_seconds_count for invoice.list: ${await countOf()} (was ${before})`,
      ).toBe(true);
      // Counted once, as abandoned, with the time the client waited (the request's own
      // answer, written to a closed connection after the thaw, is not counted again).
      const aborted = { ...labels, status_class: 'aborted' };
      expect(await metricSample(s.app, 'http_request_duration_seconds_count', aborted)).toBe(1);
      expect(
        await metricSample(s.app, 'http_request_duration_seconds_sum', aborted),
      ).toBeGreaterThanOrEqual(0.9);
    }, 60_000);
  },
);
