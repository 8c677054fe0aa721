import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { trpc, waitPastTokenSecond } from './http.js';

/**
 * SECURITY.md "Rate limiting", beyond src/plugins/security.test.ts (one user's burst is 429
 * with Retry-After while another user is served): the bucket is the user, not the token (a
 * fresh sign-in does not reset it) and not the connection; callers without a valid token
 * share their IP's bucket, so a flood of bad tokens is limited too; the 429 says nothing more.
 */

const LIMIT = 4;

describe('rate limiting keys', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('rate-limiting', { RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  });
  afterAll(() => s.close());

  const list = (token: string | null, ip = '127.0.0.1') =>
    s.app.inject({
      method: 'GET',
      url: '/trpc/organization.list',
      remoteAddress: ip,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('counts a user across tokens and client addresses, and answers 429 with Retry-After', async () => {
    const first = await s.signIn('rate-user@example.test');
    for (let i = 0; i < LIMIT; i++) {
      expect((await list(first.idToken, `10.0.0.${i + 1}`)).statusCode).toBe(200);
    }
    // A new ID token for the same user, from yet another address: same bucket.
    await waitPastTokenSecond(first.idToken);
    const second = await s.signIn('rate-user@example.test');
    expect(second.idToken).not.toBe(first.idToken);
    const limited = await list(second.idToken, '10.0.0.99');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ statusCode: 429 });
    expect(limited.body).not.toMatch(/rate-user|uid:|ip:|"stack"/);
    // Another user behind the very same address is served.
    const other = await s.signIn('rate-other@example.test');
    expect((await list(other.idToken, '10.0.0.99')).statusCode).toBe(200);
  });

  it('limits a flood of bad tokens by client address, without touching signed-in users there', async () => {
    const ip = '10.1.0.1';
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      statuses.push((await list(`not-a-valid-token-${i}`, ip)).statusCode);
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array.from({ length: LIMIT }, () => 401));
    expect(statuses[LIMIT]).toBe(429);
    expect((await list(null, ip)).statusCode).toBe(429);
    // Another address still gets its own answer, and a signed-in user at the flooded one too.
    expect((await list(null, '10.1.0.2')).statusCode).toBe(401);
    const user = await s.signIn('rate-flooded-neighbour@example.test');
    expect((await trpc(s.app, 'query', 'organization.list', undefined, user.idToken)).status).toBe(
      200,
    );
    expect((await list(user.idToken, ip)).statusCode).toBe(200);
  });

  it('never limits the health probes', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await s.app.inject({
        method: 'GET',
        url: '/health/live',
        remoteAddress: '10.1.0.1',
      });
      expect(res.statusCode).toBe(200);
    }
  });
});
