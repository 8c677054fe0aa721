import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { TRPC_TRANSPORTS } from './security/http.js';

/**
 * @fastify/cors answers a preflight from an allowed origin in its onRequest hook (204), but one
 * from an origin not in CORS_ORIGINS it passes on to the routes: on /trpc/* the tRPC route took
 * the OPTIONS request and answered 415 (unsupported method), after the rate limit's preHandler
 * had counted it against the caller's IP. A page on any origin could make its visitors' browsers
 * spend the API budget of their address (an office behind one NAT), and the answer read like a
 * bug rather than a refusal.
 *
 * Now such a preflight is refused in onRequest, right after CORS: 403 without any CORS allow
 * header, before the rate limit, token verification or routing. (This test failed before.)
 */

const ALLOWED = 'https://app.example.test';
const UNKNOWN = 'https://evil.example.test';
const RATE_LIMIT = 3;

const preflight = (s: TestServer, url: string, origin: string) =>
  s.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe.each(TRPC_TRANSPORTS)('a preflight from an unknown origin (%s)', (_name, transport) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(`cors-preflight-${transport.TRPC_FAST_PATH}`, {
      ...transport,
      CORS_ORIGINS: ALLOWED,
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    });
  });
  afterAll(() => s.close());

  it('is refused with 403 and no CORS allow headers, on every kind of route', async () => {
    for (const url of [
      '/trpc/customer.create',
      '/trpc/organization.list,customer.list?batch=1',
      '/v1/orgs/000000000000000000000000/attachments',
      '/nowhere',
    ]) {
      const res = await preflight(s, url, UNKNOWN);
      expect(res.statusCode, url).toBe(403);
      expect(res.json(), url).toMatchObject({ statusCode: 403, code: 'CORS_ORIGIN_NOT_ALLOWED' });
      for (const header of Object.keys(res.headers)) {
        expect(header, url).not.toMatch(/^access-control-/);
      }
      // A shared cache must not give this refusal to an allowed origin, nor its 204 to this one.
      expect(res.headers.vary, url).toMatch(/\borigin\b/i);
      // Security headers as on every answer.
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it('spends none of the rate-limit budget of API calls from the same address', async () => {
    const unknown: number[] = [];
    const allowed: number[] = [];
    for (let i = 0; i < RATE_LIMIT * 3; i++) {
      unknown.push((await preflight(s, '/trpc/customer.create', UNKNOWN)).statusCode);
      // Allowed preflights never reached the rate limit (CORS answers them in onRequest).
      allowed.push((await preflight(s, '/trpc/customer.create', ALLOWED)).statusCode);
    }
    const call = await s.app.inject({ method: 'GET', url: '/trpc/system.ping' });
    expect({ status: call.statusCode, remaining: call.headers['x-ratelimit-remaining'] }).toEqual({
      status: 200,
      remaining: String(RATE_LIMIT - 1),
    });
    expect(new Set(allowed)).toEqual(new Set([204]));
    expect(new Set(unknown)).toEqual(new Set([403]));
  });

  it('keeps refusing a malformed preflight (no Access-Control-Request-Method) as before', async () => {
    // Not a browser preflight: an OPTIONS with an Origin only is an ordinary request to the route.
    const res = await s.app.inject({
      method: 'OPTIONS',
      url: '/nowhere',
      headers: { origin: UNKNOWN },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
