import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createFirebaseVerifier } from '../src/auth/token-verifier.js';
import { PROJECT_ID, startTestServer, type TestServer } from './server.js';

/**
 * The fast path must answer ordinary JSON requests exactly as tRPC's official fastify adapter
 * does (src/trpc-http/fast-path.ts). The adapter hands the body text to a Fetch `Request` and
 * reads it back with `req.text()`, whose UTF-8 decode drops a leading byte order mark; the fast
 * path runs `JSON.parse` on Fastify's string, BOM included. So a JSON body that starts with a BOM
 * (Windows tooling and some .NET/PowerShell clients write one; RFC 8259 §8.1 lets parsers ignore
 * it) runs the mutation through the adapter and is refused with 400 "Unexpected token" by the
 * fast path (the default transport). Two instances of the real app on one database, as in
 * src/trpc-http/compat.test.ts.
 *
 * Now the fast path drops the BOM before parsing, as the adapter does. (This test failed before.)
 */

const BOM = '\uFEFF';

describe('a JSON body starting with a byte order mark', () => {
  let base: TestServer;
  let fastApp: FastifyInstance;
  let token: string;

  beforeAll(async () => {
    base = await startTestServer('fast-path-bom', {
      TRPC_FAST_PATH: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    fastApp = await buildApp({
      config: { ...base.config, TRPC_FAST_PATH: true },
      db: base.db,
      verifier: createFirebaseVerifier(PROJECT_ID),
    });
    await fastApp.ready();
    token = (await base.signIn('fast-path-bom@example.test')).idToken;
  });
  afterAll(async () => {
    await fastApp.close();
    await base.close();
  });

  const post = (app: FastifyInstance, body: string) =>
    app.inject({
      method: 'POST',
      url: '/trpc/organization.create',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: Buffer.from(body, 'utf8'),
    });

  it('gets the same answer from the fast path as from the official adapter', async () => {
    // Same idempotency key and input: the second call replays the first, so both answers match.
    const valid = `${BOM}{"json":{"name":"Bom Co","currency":"EUR","timezone":"UTC","idempotencyKey":"bom-1"}}`;
    const viaAdapter = await post(base.app, valid);
    const viaFast = await post(fastApp, valid);
    expect(viaAdapter.statusCode, viaAdapter.body).toBe(200);
    expect(viaFast.statusCode, viaFast.body).toBe(viaAdapter.statusCode);
    expect(viaFast.body).toBe(viaAdapter.body);

    const invalid = `${BOM}{"json":{"name":"","currency":"XXX","timezone":"UTC"}}`;
    const refusedByAdapter = await post(base.app, invalid);
    const refusedByFast = await post(fastApp, invalid);
    expect(refusedByFast.statusCode).toBe(refusedByAdapter.statusCode);
    expect(refusedByFast.body).toBe(refusedByAdapter.body);
  });
});
