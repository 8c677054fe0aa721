import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { TRPC_TRANSPORTS } from './security/http.js';

/**
 * performance_monitoring.md: "`procedure` on `trpc_errors_total` is per call, also inside a
 * batch: the router's procedure path, or `unknown` for a call to no procedure (`NOT_FOUND`)".
 * A single (non-batch) call whose path contains a comma is one call to no procedure; it is
 * once counted as procedure="batch", a value this metric is documented never to take.
 */
describe.each(TRPC_TRANSPORTS)('trpc_errors_total procedure label (%s)', (name, env) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(`metrics-error-label-${name.replace(/\W/g, '')}`, env);
  });
  afterAll(() => s.close());

  it('labels a call to a made-up comma path `unknown`, never `batch`', async () => {
    for (const req of [
      { method: 'GET' as const, url: '/trpc/zqx1,zqx2' },
      {
        method: 'POST' as const,
        url: '/trpc/zqx3,zqx4',
        payload: '{}',
        headers: { 'content-type': 'application/json' },
      },
    ]) {
      const res = await s.app.inject(req);
      expect(res.statusCode).toBe(404);
    }
    const body = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    const errorLabels = [
      ...body.matchAll(/^trpc_errors_total\{procedure="([^"]*)",code="([^"]*)"\} (\S+)$/gm),
    ]
      .filter((m) => Number(m[3]) > 0)
      .map((m) => `${m[1]}/${m[2]}=${m[3]}`);
    expect(errorLabels).toEqual(['unknown/NOT_FOUND=2']);
  });
});
