import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { bearer, createOrgOverHttp, queryUrl } from './http.js';

/**
 * SECURITY.md "Security headers and CORS", beyond src/plugins/security.test.ts (HSTS and
 * nosniff on /health/live; a preflight from an unknown origin gets no allow-origin): the
 * headers are on every kind of answer — tRPC success and error, 401, 404, 413, 415, metrics —
 * and CORS grants nothing to an unknown origin, `null`, or a look-alike, on simple requests too.
 */

const ALLOWED = 'https://app.example.test';

describe('security headers and CORS on every answer', () => {
  let s: TestServer;
  let token: string;
  let orgId: string;
  beforeAll(async () => {
    s = await startTestServer('security-headers', {
      CORS_ORIGINS: ALLOWED,
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    token = (await s.signIn('headers-owner@example.test')).idToken;
    orgId = await createOrgOverHttp(s, token);
  });
  afterAll(() => s.close());

  it('sends HSTS, nosniff, a deny-all CSP and no X-Powered-By on every kind of answer', async () => {
    const answers = {
      'tRPC 200': await s.app.inject({ url: '/trpc/organization.list', headers: bearer(token) }),
      'tRPC 400': await s.app.inject({
        url: queryUrl('customer.list', { orgId, limit: 1e6 }),
        headers: bearer(token),
      }),
      'tRPC 401': await s.app.inject({ url: '/trpc/organization.list' }),
      'tRPC 404': await s.app.inject({ url: '/trpc/no.such', headers: bearer(token) }),
      'route 401': await s.app.inject({ url: `/v1/orgs/${orgId}/attachments/${orgId}` }),
      'route 404': await s.app.inject({ url: '/nowhere' }),
      'body 413': await s.app.inject({
        method: 'POST',
        url: '/trpc/customer.create',
        headers: { 'content-type': 'application/json', ...bearer(token) },
        payload: `{"json":{"name":"${'x'.repeat(2 * 1024 * 1024)}"}}`,
      }),
      'body 415': await s.app.inject({
        method: 'POST',
        url: '/trpc/customer.create',
        headers: { 'content-type': 'multipart/form-data; boundary=b', ...bearer(token) },
        payload: '--b--\r\n',
      }),
      metrics: await s.app.inject({ url: '/metrics' }),
      ready: await s.app.inject({ url: '/health/ready' }),
    };
    for (const [name, res] of Object.entries(answers)) {
      expect(res.headers['strict-transport-security'], name).toMatch(
        /max-age=31536000; includeSubDomains/,
      );
      expect(res.headers['x-content-type-options'], name).toBe('nosniff');
      expect(res.headers['content-security-policy'], name).toMatch(/default-src 'none'/);
      expect(res.headers['content-security-policy'], name).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-powered-by'], name).toBeUndefined();
      expect(res.headers['cross-origin-resource-policy'], name).toBe('same-site');
      expect(res.headers['cross-origin-opener-policy'], name).toBe('same-origin');
      expect(res.headers['x-frame-options'], name).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy'], name).toBe('no-referrer');
    }
    // The same header set on every answer (the middleware is built once, not per request).
    const headerSets = Object.values(answers).map((res) =>
      ['content-security-policy', 'strict-transport-security', 'cross-origin-resource-policy']
        .map((h) => String(res.headers[h]))
        .join('|'),
    );
    expect(new Set(headerSets).size).toBe(1);
    expect(answers['tRPC 400'].statusCode).toBe(400);
    expect(answers['body 413'].statusCode).toBe(413);
    expect(answers['body 415'].statusCode).toBe(415);
  });

  it('grants CORS to the allowed origin only, on preflights and simple requests', async () => {
    const preflight = (origin: string) =>
      s.app.inject({
        method: 'OPTIONS',
        url: '/trpc/customer.create',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight(ALLOWED);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(allowed.headers['access-control-allow-headers']).toMatch(/authorization/);
    expect(allowed.headers.vary).toMatch(/origin/i);
    for (const origin of [
      'https://evil.example.test',
      'null',
      'https://app.example.test.evil.test',
      'http://app.example.test',
      'https://APP.example.test.',
    ]) {
      const refused = await preflight(origin);
      expect(refused.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(refused.headers['access-control-allow-credentials'], origin).toBeUndefined();
      const simple = await s.app.inject({
        url: '/trpc/organization.list',
        headers: { origin, ...bearer(token) },
      });
      expect(simple.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
    const simpleAllowed = await s.app.inject({
      url: '/trpc/organization.list',
      headers: { origin: ALLOWED, ...bearer(token) },
    });
    expect(simpleAllowed.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('allows only the methods and headers the API uses', async () => {
    const res = await s.app.inject({
      method: 'OPTIONS',
      url: '/trpc/customer.create',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'x-custom-secret',
      },
    });
    const methods = String(res.headers['access-control-allow-methods'] ?? '');
    expect(methods.split(/,\s*/).sort()).toEqual(['DELETE', 'GET', 'OPTIONS', 'POST']);
    expect(String(res.headers['access-control-allow-headers'] ?? '')).not.toMatch(/x-custom/);
  });
});
