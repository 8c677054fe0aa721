import type { AddressInfo } from 'node:net';
import type { AppRouter } from '@invoice/api';
import { createTRPCUntypedClient, httpLink, TRPCClientError } from '@trpc/client';
import { ObjectId } from 'mongodb';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { filesUnder, injectUpload, orgWithAccountant, PNG } from '../uploads.js';
import { trpc, TRPC_TRANSPORTS, waitPastTokenSecond } from './http.js';

/**
 * SECURITY.md "Rate limiting", beyond src/plugins/security.test.ts (one user's burst is 429
 * with Retry-After while another user is served): the bucket is the user, not the token (a
 * fresh sign-in does not reset it) and not the connection; callers without a valid token
 * share their IP's bucket, so a flood of bad tokens is limited too; the 429 says nothing more.
 * A tRPC call refused this way is TOO_MANY_REQUESTS to @trpc/client (DOMAIN.md's error codes);
 * the attachment routes answer 429 too (their error handler once turned it into a 400).
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
    // tRPC's own error shape (superjson envelope), so @trpc/client sees the code.
    expect(limited.json()).toMatchObject({
      error: { json: { data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } } },
    });
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

describe.each(TRPC_TRANSPORTS)('a rate-limited tRPC call (%s)', (_name, transport) => {
  let s: TestServer;
  let url: string;
  beforeAll(async () => {
    s = await startTestServer('rate-limiting-client', { ...transport, RATE_LIMIT_PER_MINUTE: '2' });
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}/trpc`;
  });
  afterAll(() => s.close());

  it('reaches the tRPC client as TOO_MANY_REQUESTS, with a 429 and Retry-After', async () => {
    const user = await s.signIn('rate-client@example.test');
    const client = createTRPCUntypedClient<AppRouter>({
      links: [
        httpLink({
          url,
          transformer: superjson,
          headers: { authorization: `Bearer ${user.idToken}` },
        }),
      ],
    });
    await client.query('organization.list');
    await client.query('organization.list');
    const raw = await fetch(`${url}/organization.list`, {
      headers: { authorization: `Bearer ${user.idToken}` },
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThan(0);
    const error = await client.query('organization.list').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<AppRouter>).data as { code?: string } | undefined;
    expect(data?.code).toBe('TOO_MANY_REQUESTS');
  });
});

describe('rate limiting on the attachment routes', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('rate-limiting-uploads', { RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(() => s.close());

  it('answers an upload burst above the limit with 429 and Retry-After, storing nothing', async () => {
    const { org, accountant } = await orgWithAccountant(s.db, s.signIn, 'rate-upload');
    for (let i = 0; i < 2; i++) {
      expect((await injectUpload(s.app, org, accountant.idToken, PNG)).statusCode).toBe(201);
    }
    const stored = await filesUnder(s.config.UPLOAD_DIR);
    const limited = await injectUpload(s.app, org, accountant.idToken, PNG);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect({ status: limited.statusCode, code: limited.json<{ code: string }>().code }).toEqual({
      status: 429,
      code: 'TOO_MANY_REQUESTS',
    });
    expect(await filesUnder(s.config.UPLOAD_DIR)).toEqual(stored);
  });

  it('answers a download burst above the limit with 429 and Retry-After', async () => {
    const viewer = await s.signIn('rate-download@example.test');
    const url = `/v1/orgs/${new ObjectId().toHexString()}/attachments/${new ObjectId().toHexString()}`;
    const get = () =>
      s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${viewer.idToken}` } });
    for (let i = 0; i < 2; i++) expect((await get()).statusCode).toBe(404);
    const limited = await get();
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.statusCode).toBe(429);
  });
});
