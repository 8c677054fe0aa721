import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { createOrgOverHttp, trpcRaw, TRPC_TRANSPORTS } from './security/http.js';
import { listeningPort } from './uploads.js';

/**
 * The tRPC input guard (src/plugins/trpc-input-guard.ts) promises that a `__proto__`,
 * `constructor` or `prototype` key in `?input=` is refused with 400 before any procedure runs
 * (SECURITY.md "Prototype pollution"; test/security/prototype-pollution.test.ts asserts it for the
 * plain spelling). The guard reads Fastify's `req.query`, but tRPC reads `new URL(req.url)
 * .searchParams`, and the two decode the query differently:
 *
 * - fast-querystring (Fastify's parser) gives up on a value with one malformed escape (`%ZZ`)
 *   and keeps it undecoded, so the guard sees percent-encoded text that is not JSON; the WHATWG
 *   parser decodes every valid escape and leaves `%ZZ` as is, so tRPC reads valid JSON;
 * - find-my-way keeps a `#fragment` in the query string, so the guard's text ends with `#x` and
 *   is not JSON; the URL parser drops the fragment, so tRPC reads the JSON before it.
 *
 * - a POST body that starts with a UTF-8 byte order mark is not JSON to the guard's
 *   `JSON.parse(req.body)`, but the official adapter reads the body back through Fetch's
 *   `Request.text()`, which drops the BOM (TRPC_FAST_PATH=false; the fast path happens to refuse
 *   the BOM itself, see fast-path-json-bom.test.ts).
 *
 * Either way the hostile key reaches the router. Same request without the trick: 400.
 *
 * Now the guard reads the query with URLSearchParams (fragment cut) and the body without its BOM. (This test failed before.)
 */

const POLLUTE = '{"polluted":"yes"}';

function rawGet(port: number, path: string, token: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each(TRPC_TRANSPORTS)(
  'prototype-key guard against query-decoding differences (%s)',
  (_transport, transport) => {
    let s: TestServer;
    let token: string;
    let orgId: string;

    beforeAll(async () => {
      s = await startTestServer(`guard-decoding-${transport.TRPC_FAST_PATH}`, {
        ...transport,
        RATE_LIMIT_PER_MINUTE: '1000000',
      });
      token = (await s.signIn('guard-decoding@example.test')).idToken;
      orgId = await createOrgOverHttp(s, token);
    });
    afterAll(() => s.close());

    const hostile = () => `{"json":{"orgId":"${orgId}","__proto__":${POLLUTE}}}`;

    it('refuses the plain spelling with 400 (the control)', async () => {
      const res = await trpcRaw(s.app, {
        method: 'GET',
        url: `/trpc/customer.list?input=${encodeURIComponent(hostile())}`,
        token,
      });
      expect(res.statusCode).toBe(400);
    });

    it('refuses it when one malformed escape (%ZZ) elsewhere in the input hides it', async () => {
      // {"json":{..."__proto__":{...}},"x":"%ZZ"}: valid JSON once URLSearchParams decodes it.
      const before = hostile().slice(0, -1) + ',"x":"';
      const url =
        `/trpc/customer.list?input=${encodeURIComponent(before)}%ZZ` + encodeURIComponent('"}');
      const res = await trpcRaw(s.app, { method: 'GET', url, token });
      expect(res.statusCode, res.body).toBe(400);
      const batched = await trpcRaw(s.app, {
        method: 'GET',
        url:
          `/trpc/customer.list?batch=1&input=${encodeURIComponent(`{"0":${before}`)}%ZZ` +
          encodeURIComponent('"}}'),
        token,
      });
      expect(batched.statusCode, batched.body).toBe(400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses it in a POST body that starts with a byte order mark, storing nothing', async () => {
      const before = await s.db.collections.customers.countDocuments({});
      const res = await s.app.inject({
        method: 'POST',
        url: '/trpc/customer.create',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: Buffer.from(
          `\uFEFF{"json":{"orgId":"${orgId}","name":"Hostile","__proto__":${POLLUTE}}}`,
          'utf8',
        ),
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(await s.db.collections.customers.countDocuments({})).toBe(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses it when a #fragment follows the input (real socket)', async () => {
      const port = await listeningPort(s.app);
      const res = await rawGet(
        port,
        `/trpc/customer.list?input=${encodeURIComponent(hostile())}#x`,
        token,
      );
      expect(res.status, res.body).toBe(400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  },
);
