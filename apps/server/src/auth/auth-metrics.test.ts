import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verificationOutcome } from '../plugins/auth.js';
import { toVerificationError } from './token-verifier.js';
import { startTestServer, type TestServer } from '../../test/server.js';

/** The auth SLO counts verifier failures, never callers' bad credentials. */
describe('auth_token_verifications_total', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('auth-metrics', { AUTH_CHECK_REVOKED: 'always' });
  });
  afterAll(() => s.close());

  async function counts(): Promise<Record<string, number>> {
    const body = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    const result: Record<string, number> = {};
    for (const match of body.matchAll(
      /^auth_token_verifications_total\{outcome="(\w+)"\} (\d+)$/gm,
    )) {
      result[match[1] ?? ''] = Number(match[2]);
    }
    return result;
  }

  const call = (authorization: string) =>
    s.app.inject({ method: 'GET', url: '/trpc/organization.list', headers: { authorization } });

  it('counts a good token as ok and bad credentials as rejected', async () => {
    expect(await counts()).toEqual({ ok: 0, rejected: 0, error: 0 });
    const user = await s.signIn('auth-metrics@example.test');
    expect((await call(`Bearer ${user.idToken}`)).statusCode).toBe(200);
    expect((await call('Bearer not-a-jwt')).statusCode).toBe(401);
    expect((await call('Basic dXNlcjpwYXNz')).statusCode).toBe(401);
    expect(await counts()).toEqual({ ok: 1, rejected: 2, error: 0 });
  });

  it.each([
    ['app/network-error', 'error'],
    ['app/network-timeout', 'error'],
    ['auth/internal-error', 'error'],
    ['auth/invalid-credential', 'error'],
    ['auth/id-token-expired', 'rejected'],
    ['auth/id-token-revoked', 'rejected'],
    ['auth/argument-error', 'rejected'],
    ['auth/user-disabled', 'rejected'],
  ])('classifies a verifier failure %s as %s', (reason, outcome) => {
    const firebaseError = Object.assign(new Error('firebase-admin'), { code: reason });
    expect(verificationOutcome(toVerificationError(firebaseError))).toBe(outcome);
  });

  it('classifies anything that is not a token verdict as error', () => {
    expect(verificationOutcome(new TypeError('fetch failed'))).toBe('error');
  });
});
