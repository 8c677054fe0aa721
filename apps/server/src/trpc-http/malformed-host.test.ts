import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ID, startTestServer, type TestServer } from '../../test/server.js';
import { buildApp } from '../app.js';
import { createFirebaseVerifier } from '../auth/token-verifier.js';

/**
 * A Host header that `new URL()` refuses although it looks plain (a port above 65535, an IPv4
 * literal out of range, five dotted numbers). The fast path once turned `requestURL`'s TypeError
 * into a tRPC INTERNAL_SERVER_ERROR while the official adapter threw BAD_REQUEST from
 * `createURL` into Fastify's error handler (a generic 500): two different 500s for a bad request
 * header. Now the fast path leaves such a request to the adapter, and the tRPC scope's error
 * handler answers the adapter's refusal with its status (DOMAIN.md: a 5xx is never bad input).
 */

const HOSTS = ['localhost:99999', '999.1.1.1', '1.2.3.4.5'];

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

function get(port: number, host: string, path: string, token: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'GET',
      setHost: false,
      headers: { host, authorization: `Bearer ${token}` },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tRPC with a malformed Host header (real HTTP)', () => {
  let base: TestServer;
  let fast: FastifyInstance;
  let token: string;
  const ports = { adapter: 0, fast: 0 };

  beforeAll(async () => {
    base = await startTestServer('malformed-host', { TRPC_FAST_PATH: 'false' });
    fast = await buildApp({
      config: { ...base.config, TRPC_FAST_PATH: true },
      db: base.db,
      verifier: createFirebaseVerifier(PROJECT_ID),
    });
    for (const [name, app] of [
      ['adapter', base.app],
      ['fast', fast],
    ] as const) {
      await app.listen({ port: 0, host: '127.0.0.1' });
      ports[name] = (app.server.address() as AddressInfo).port;
    }
    token = (await base.signIn('malformed-host@example.test')).idToken;
  });
  afterAll(async () => {
    await fast.close();
    await base.close();
  });

  it('is served normally with a good Host (control)', async () => {
    const a = await get(ports.adapter, 'localhost:3000', '/trpc/organization.list', token);
    const f = await get(ports.fast, 'localhost:3000', '/trpc/organization.list', token);
    expect([a.status, f.status]).toEqual([200, 200]);
  });

  it.each(HOSTS)('Host %s: the fast path answers exactly as the official adapter', async (host) => {
    const a = await get(ports.adapter, host, '/trpc/organization.list', token);
    const f = await get(ports.fast, host, '/trpc/organization.list', token);
    expect(f).toEqual(a);
  });

  it.each(HOSTS)('Host %s: answered 400 BAD_REQUEST on both transports', async (host) => {
    for (const port of [ports.adapter, ports.fast]) {
      const answer = await get(port, host, '/trpc/organization.list', token);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
    }
  });
});
