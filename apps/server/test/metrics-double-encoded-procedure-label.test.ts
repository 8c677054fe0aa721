import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { TRPC_TRANSPORTS } from './security/http.js';
import { metricSample } from './uploads.js';

/**
 * `http_request_duration_seconds{procedure}` is "a procedure of the router as is, `batch` for a
 * batched call, `unknown` for anything else (no such procedure, no path)" (src/plugins/
 * metrics.ts), and src/plugins/metrics.test.ts promises "Real procedures keep their own label,
 * also through the batch link and percent-encoded". The label is computed from Fastify's route
 * parameter, which find-my-way has decoded once; tRPC (adapter and fast path alike) decodes that
 * parameter once more (`decodeURIComponent(path)` in resolveResponse / fast-path.ts). So a path
 * encoded twice (`organization%252Elist`, `a%252Cb`) runs the real procedure, or a real batch,
 * with 200, and is counted as `unknown`: real traffic disappears from its procedure's latency
 * and error ratios (and anyone can hide calls there).
 *
 * Now the label decodes the route parameter once more, as tRPC does. (This test failed before.)
 */

const METRIC = 'http_request_duration_seconds_count';

describe.each(TRPC_TRANSPORTS)(
  'procedure label of a twice-encoded path (%s)',
  (_transport, transport) => {
    let s: TestServer;

    beforeAll(async () => {
      s = await startTestServer(`metrics-encoded-${transport.TRPC_FAST_PATH}`, {
        ...transport,
        RATE_LIMIT_PER_MINUTE: '1000000',
      });
    });
    afterAll(() => s.close());

    it('counts the call under the procedure (or batch) that ran, not unknown', async () => {
      const user = await s.signIn(`metrics-encoded-${transport.TRPC_FAST_PATH}@example.test`);
      const auth = { authorization: `Bearer ${user.idToken}` };
      const single = await s.app.inject({
        method: 'GET',
        url: '/trpc/organization%252Elist',
        headers: auth,
      });
      expect(single.statusCode, single.body).toBe(200); // tRPC ran organization.list
      const batch = await s.app.inject({
        method: 'GET',
        url: '/trpc/organization.list%252Corganization.list?batch=1',
        headers: auth,
      });
      expect(batch.statusCode, batch.body).toBe(200);
      expect(JSON.parse(batch.body)).toHaveLength(2); // a real two-call batch

      const labels = (procedure: string) =>
        metricSample(s.app, METRIC, {
          method: 'GET',
          route: '/trpc/:path',
          procedure,
          status_class: '2xx',
        });
      expect(await labels('unknown')).toBe(0);
      expect(await labels('organization.list')).toBe(1);
      expect(await labels('batch')).toBe(1);
    });
  },
);
