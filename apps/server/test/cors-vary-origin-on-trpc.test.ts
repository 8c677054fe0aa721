import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { TRPC_TRANSPORTS } from './security/http.js';

/**
 * CORS with an allowlist of several origins reflects the caller's origin in
 * `Access-Control-Allow-Origin`, so every such answer must say `Vary: Origin` (Fetch standard,
 * "CORS protocol and HTTP caches"): otherwise a cache may hand the answer made for one origin to
 * another. @fastify/cors sets it in its onRequest hook, and the health and upload routes keep it,
 * but every tRPC answer replaces it with tRPC's own `vary: trpc-accept, accept` (the fast path's
 * `reply.headers({ vary })`, the adapter's Response headers copied over the reply's), on both
 * transports. The answer should vary on all three.
 *
 * Now the tRPC scope's onSend hook puts Origin back in front of tRPC's vary. (This test failed before.)
 */

const APP = 'https://app.example.test';
const ADMIN = 'https://admin.example.test';

function varyList(value: string | string[] | number | undefined): string[] {
  return String(value ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

describe.each(TRPC_TRANSPORTS)('Vary: Origin on tRPC answers (%s)', (_transport, transport) => {
  let s: TestServer;
  let token: string;

  beforeAll(async () => {
    s = await startTestServer(`vary-${transport.TRPC_FAST_PATH}`, {
      ...transport,
      CORS_ORIGINS: `${APP},${ADMIN}`,
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    token = (await s.signIn('vary@example.test')).idToken;
  });
  afterAll(() => s.close());

  it('keeps Vary: Origin beside trpc-accept and accept, as a non-tRPC route does', async () => {
    const health = await s.app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { origin: APP },
    });
    expect(varyList(health.headers.vary)).toContain('origin'); // the control

    for (const [origin, authorization] of [
      [APP, `Bearer ${token}`],
      [ADMIN, `Bearer ${token}`],
      [APP, undefined], // a tRPC error answer (401)
    ] as const) {
      const res = await s.app.inject({
        method: 'GET',
        url: '/trpc/organization.list',
        headers: { origin, ...(authorization ? { authorization } : {}) },
      });
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      const vary = varyList(res.headers.vary);
      expect(vary, `${res.statusCode} from ${origin}`).toContain('origin');
      expect(vary).toEqual(expect.arrayContaining(['trpc-accept', 'accept']));
    }
  });
});
