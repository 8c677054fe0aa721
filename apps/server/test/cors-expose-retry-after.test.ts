import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';

/**
 * SECURITY.md promises `429 with Retry-After` (rate limiting) and `503 with Retry-After` (load
 * shedding, dependencies down) so that clients know when to retry; DOMAIN.md's first users are
 * browser frontends calling the API cross-origin (CORS_ORIGINS). `Retry-After` is not a
 * CORS-safelisted response header, so a browser hides it from the frontend unless the answer
 * lists it in `Access-Control-Expose-Headers`. src/plugins/security.ts registers @fastify/cors
 * without `exposedHeaders`: the header is sent, and no frontend can read it.
 *
 * Now CORS exposes retry-after, x-request-id, the rate-limit headers and content-disposition. (This test failed before.)
 */

const ORIGIN = 'https://app.example.test';

function listOf(value: string | string[] | number | undefined): string[] {
  return String(value ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

describe('Retry-After reaches a browser frontend', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer('cors-expose', {
      CORS_ORIGINS: ORIGIN,
      RATE_LIMIT_PER_MINUTE: '1',
    });
  });
  afterAll(() => s.close());

  it('exposes Retry-After on a 429 answered to an allowed origin', async () => {
    const user = await s.signIn('cors-expose@example.test');
    const call = () =>
      s.app.inject({
        method: 'GET',
        url: '/trpc/organization.list',
        headers: { origin: ORIGIN, authorization: `Bearer ${user.idToken}` },
      });
    expect((await call()).statusCode).toBe(200);
    const limited = await call();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(listOf(limited.headers['access-control-expose-headers'])).toContain('retry-after');
  });
});
