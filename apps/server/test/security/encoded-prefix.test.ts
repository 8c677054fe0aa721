import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { TRPC_TRANSPORTS } from './http.js';
import { listeningPort } from '../uploads.js';

/**
 * The router decodes percent-escapes in the path, so `/%74rpc/<procedure>` ("t" escaped) is
 * served by the tRPC route. Its input guards (plugins/trpc-input-guard.ts) once tested the raw
 * `req.url.startsWith('/trpc/')` and let such a request through: form data reached the tRPC
 * adapter, which buffered the whole body (no size limit: the scope's multipart parser hands the
 * raw stream over) and ran the procedure on it; the prototype-key guard was skipped too. The
 * guards now live in the tRPC route's own scope.
 */
describe.each(TRPC_TRANSPORTS)('tRPC under a percent-encoded prefix (%s)', (_name, transport) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer('encoded-prefix', transport);
    token = (await s.signIn('encoded-prefix@example.test')).idToken;
  });
  afterAll(() => s.close());

  /** Over a real socket, as a client sends it (inject's request is no IncomingMessage). */
  const post = async (prefix: string, contentType: string, payload: string) => {
    const port = await listeningPort(s.app);
    const res = await fetch(`http://127.0.0.1:${port}${prefix}/organization.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: payload,
    });
    return { status: res.status, body: await res.text() };
  };

  it('is the tRPC route (control)', async () => {
    const res = await s.app.inject({
      method: 'GET',
      url: '/%74rpc/organization.list',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it('refuses form data far over the body limit as under /trpc, without reading it', async () => {
    const big = 'a'.repeat(5 * s.config.BODY_LIMIT_BYTES);
    const body = `--x\r\nContent-Disposition: form-data; name="name"\r\n\r\n${big}\r\n--x--\r\n`;
    const plain = await post('/trpc', 'multipart/form-data; boundary=x', body);
    expect(plain.status).toBe(415);
    const encoded = await post('/%74rpc', 'multipart/form-data; boundary=x', body);
    expect([413, 415], encoded.body.slice(0, 300)).toContain(encoded.status);
  });
  it('refuses prototype keys as under /trpc', async () => {
    const body =
      '{"json":{"__proto__":{"polluted":"yes"},"name":"P","currency":"EUR","timezone":"UTC"}}';
    for (const prefix of ['/trpc', '/%74rpc']) {
      const res = await post(prefix, 'application/json', body);
      expect(res.status, prefix).toBe(400);
      expect(res.body, prefix).toContain(
        'Input must not contain __proto__, constructor or prototype keys',
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
