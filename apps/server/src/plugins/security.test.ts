import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELMET_OPTIONS, helmetHeaders } from './security.js';
import { startTestServer, type TestServer } from '../../test/server.js';

describe('security headers, CORS and rate limiting', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('security', {
      CORS_ORIGINS: 'https://app.example.test',
      RATE_LIMIT_PER_MINUTE: '5',
    });
  });
  afterAll(() => s.close());

  it("sends helmet's headers on every response: health, tRPC success and error, 404", async () => {
    const expected = helmetHeaders(HELMET_OPTIONS);
    const responses = await Promise.all([
      s.app.inject({ method: 'GET', url: '/health/live' }),
      s.app.inject({ method: 'GET', url: '/trpc/system.ping' }),
      s.app.inject({ method: 'GET', url: '/trpc/organization.list' }),
      s.app.inject({ method: 'GET', url: '/no/such/route' }),
    ]);
    expect(responses.map((res) => res.statusCode)).toEqual([200, 200, 401, 404]);
    for (const res of responses) {
      expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      for (const [name, value] of Object.entries(expected)) expect(res.headers[name]).toBe(value);
    }
  });

  it('answers a preflight from an allowed origin and refuses an unknown one', async () => {
    const preflight = (origin: string) =>
      s.app.inject({
        method: 'OPTIONS',
        url: '/trpc/organization.list',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const allowed = await preflight('https://app.example.test');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.test');
    const unknown = await preflight('https://evil.example.test');
    expect(unknown.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits a burst from one user with 429 and Retry-After, leaving another user unaffected', async () => {
    const [alice, bob] = await Promise.all([
      s.signIn('limit-a@example.test'),
      s.signIn('limit-b@example.test'),
    ]);
    const call = (token: string) =>
      s.app.inject({
        method: 'GET',
        url: '/trpc/organization.list',
        headers: { authorization: `Bearer ${token}` },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(alice.idToken)).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await call(alice.idToken);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(bob.idToken)).statusCode).toBe(200);
    // Health stays reachable for load balancers whatever the limits.
    expect((await s.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});
