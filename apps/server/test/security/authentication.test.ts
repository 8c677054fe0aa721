import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, PROJECT_ID, type TestServer } from '../../test/server.js';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned token shaped like the emulator's, with chosen claims. */
function forgedToken(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://securetoken.google.com/${PROJECT_ID}`,
    aud: PROJECT_ID,
    auth_time: now,
    user_id: 'forged-user',
    sub: 'forged-user',
    iat: now,
    exp: now + 3600,
    email: 'forged@example.test',
    email_verified: true,
    firebase: { identities: {}, sign_in_provider: 'password' },
    ...claims,
  };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

describe('authentication on /trpc', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('auth');
  });
  afterAll(() => s.close());

  const call = (authorization?: string) =>
    s.app.inject({
      method: 'GET',
      url: '/trpc/organization.list',
      headers: authorization === undefined ? {} : { authorization },
    });

  it('accepts a real emulator ID token and sees the caller', async () => {
    const user = await s.signIn('auth-ok@example.test');
    const res = await call(`Bearer ${user.idToken}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ result: { data: { json: [] } } });
  });

  it.each([
    ['no token', undefined],
    ['garbage', 'Bearer not-a-jwt'],
    ['wrong scheme', 'Basic dXNlcjpwYXNz'],
    ['empty bearer', 'Bearer '],
    [
      'expired',
      `Bearer ${forgedToken({ exp: Math.floor(Date.now() / 1000) - 60, iat: Math.floor(Date.now() / 1000) - 7200 })}`,
    ],
    ['wrong audience', `Bearer ${forgedToken({ aud: 'someone-elses-project' })}`],
    ['wrong issuer', `Bearer ${forgedToken({ iss: 'https://evil.example/demo-invoices' })}`],
    ['oversized', `Bearer ${'a'.repeat(10_000)}`],
  ])('answers 401 UNAUTHORIZED for %s, without detail', async (_name, authorization) => {
    const res = await call(authorization);
    expect(res.statusCode).toBe(401);
    const body = res.json<{
      error: { json: { message: string; data: { code: string; stack?: unknown } } };
    }>();
    expect(body.error.json.data.code).toBe('UNAUTHORIZED');
    expect(body.error.json.data.stack).toBeUndefined();
    expect(body.error.json.message).not.toMatch(/aud|iss|expired at|Firebase ID token has/i);
  });

  it('refuses alg:none tokens when not in emulator mode', async () => {
    const user = await s.signIn('auth-none@example.test');
    const saved = process.env.FIREBASE_AUTH_EMULATOR_HOST;
    delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
    try {
      const res = await call(`Bearer ${user.idToken}`);
      expect(res.statusCode).toBe(401);
    } finally {
      process.env.FIREBASE_AUTH_EMULATOR_HOST = saved;
    }
  });
});
