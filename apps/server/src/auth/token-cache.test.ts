import { initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { ObjectId } from 'mongodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorSignIn, type EmulatorUser } from '../dev/emulator-tokens.js';
import { createCachingVerifier, type VerifyToken } from './token-cache.js';
import {
  createFirebaseTokenCheck,
  InvalidTokenError,
  VerifierUnavailableError,
} from './token-verifier.js';
import { foreignToken } from '../../test/foreign-token.js';

/**
 * The verified-token cache in front of the REAL firebase-admin check against the real Auth
 * emulator. The check is wrapped only to count its calls: every verdict is firebase-admin's.
 */
const PROJECT_ID = 'demo-invoices';

let emulatorHost: string;
let realCheck: VerifyToken;

beforeAll(() => {
  emulatorHost = inject('firebaseAuthEmulatorHost');
  process.env.FIREBASE_AUTH_EMULATOR_HOST = emulatorHost;
  realCheck = createFirebaseTokenCheck(PROJECT_ID);
});

/** The real check, recording the `checkRevoked` flag of each call. */
function counted(check: VerifyToken = realCheck): { check: VerifyToken; calls: boolean[] } {
  const calls: boolean[] = [];
  return {
    calls,
    check: (idToken, checkRevoked) => {
      calls.push(checkRevoked);
      return check(idToken, checkRevoked);
    },
  };
}

function signIn(name: string): Promise<EmulatorUser> {
  return emulatorSignIn(
    emulatorHost,
    PROJECT_ID,
    `${name}-${new ObjectId().toHexString()}@ex.test`,
  );
}

function claims(idToken: string): { exp: number; iat: number; auth_time: number } {
  return JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    exp: number;
    iat: number;
    auth_time: number;
  };
}

describe('verified-token cache (real firebase-admin, real Auth emulator)', () => {
  it('verifies a token once for repeated ordinary requests, with the same user', async () => {
    const user = await signIn('twice');
    const { check, calls } = counted();
    const verifier = createCachingVerifier(check);
    const first = await verifier.verify(user.idToken, { checkRevoked: false });
    const second = await verifier.verify(user.idToken, { checkRevoked: false });
    expect(first).toEqual({ uid: user.uid, email: user.email.toLowerCase(), emailVerified: true });
    expect(second).toEqual(first);
    expect(calls).toEqual([false]);
  });

  it('shares one verification between concurrent requests with a new token', async () => {
    const user = await signIn('concurrent');
    const { check, calls } = counted();
    const verifier = createCachingVerifier(check);
    const users = await Promise.all(
      Array.from({ length: 8 }, () => verifier.verify(user.idToken, { checkRevoked: false })),
    );
    expect(new Set(users.map((u) => u.uid))).toEqual(new Set([user.uid]));
    expect(calls).toEqual([false]);
  });

  it('keeps tokens apart: another token is verified on its own', async () => {
    const [a, b] = await Promise.all([signIn('apart-a'), signIn('apart-b')]);
    const { check, calls } = counted();
    const verifier = createCachingVerifier(check);
    expect((await verifier.verify(a.idToken, { checkRevoked: false })).uid).toBe(a.uid);
    expect((await verifier.verify(b.idToken, { checkRevoked: false })).uid).toBe(b.uid);
    expect((await verifier.verify(a.idToken, { checkRevoked: false })).uid).toBe(a.uid);
    expect(calls).toEqual([false, false]);
  });

  it('verifies again once the entry is older than the ttl', async () => {
    const user = await signIn('ttl');
    const { check, calls } = counted();
    let clock = Date.now();
    const verifier = createCachingVerifier(check, { ttlMs: 60_000, now: () => clock });
    await verifier.verify(user.idToken, { checkRevoked: false });
    clock += 59_999;
    await verifier.verify(user.idToken, { checkRevoked: false });
    expect(calls).toEqual([false]);
    clock += 1;
    await verifier.verify(user.idToken, { checkRevoked: false });
    expect(calls).toEqual([false, false]);
  });

  it('never reuses a verdict past the token’s own exp, whatever the ttl', async () => {
    const user = await signIn('exp');
    const expMs = claims(user.idToken).exp * 1000;
    const { check, calls } = counted();
    let clock = Date.now();
    const verifier = createCachingVerifier(check, { ttlMs: 24 * 3_600_000, now: () => clock });
    await verifier.verify(user.idToken, { checkRevoked: false });
    clock = expMs - 1;
    await verifier.verify(user.idToken, { checkRevoked: false });
    expect(calls).toEqual([false]);
    clock = expMs;
    // Past exp by the cache's clock: firebase-admin decides again (its clock is the real one).
    await verifier.verify(user.idToken, { checkRevoked: false });
    expect(calls).toEqual([false, false]);
  });

  it('does not store a token the check says is already expired', async () => {
    const user = await signIn('stale');
    const { check, calls } = counted();
    // The cache's clock is past the token's exp at verification time.
    const verifier = createCachingVerifier(check, {
      now: () => claims(user.idToken).exp * 1000 + 1,
    });
    await verifier.verify(user.idToken, { checkRevoked: false });
    await verifier.verify(user.idToken, { checkRevoked: false });
    expect(calls).toEqual([false, false]);
  });

  it('forgets the least recently used token beyond maxEntries', async () => {
    const [a, b, c] = await Promise.all([signIn('lru-a'), signIn('lru-b'), signIn('lru-c')]);
    const { check, calls } = counted();
    const verifier = createCachingVerifier(check, { maxEntries: 2 });
    const verify = (u: EmulatorUser) => verifier.verify(u.idToken, { checkRevoked: false });
    await verify(a);
    await verify(b);
    await verify(a); // a is now the most recent; b the least
    expect(calls).toHaveLength(2);
    await verify(c); // evicts b
    expect(calls).toHaveLength(3);
    await verify(a);
    await verify(c);
    expect(calls).toHaveLength(3);
    await verify(b);
    expect(calls).toHaveLength(4);
  });

  it('never caches a rejected token: each request is refused by firebase-admin', async () => {
    const user = await signIn('bad');
    const [header, payload] = user.idToken.split('.');
    const forged = `${header}.${Buffer.from(
      JSON.stringify({ ...claims(user.idToken), aud: 'another-project' }),
    ).toString('base64url')}.`;
    const hostile = [
      foreignToken(),
      forged,
      'not.a.jwt',
      '',
      'x'.repeat(4096),
      `${header}.${payload}.${'A'.repeat(10_000)}`,
    ];
    const { check, calls } = counted();
    const verifier = createCachingVerifier(check);
    for (const token of hostile) {
      for (let i = 0; i < 2; i += 1) {
        await expect(verifier.verify(token, { checkRevoked: false })).rejects.toBeInstanceOf(
          InvalidTokenError,
        );
      }
    }
    expect(calls).toHaveLength(hostile.length * 2);
  });

  it('never caches a verifier failure: the next request verifies again', async () => {
    const user = await signIn('outage');
    let failing = true;
    const { check, calls } = counted((idToken, checkRevoked) =>
      failing
        ? Promise.reject(new VerifierUnavailableError('app/network-error'))
        : realCheck(idToken, checkRevoked),
    );
    const verifier = createCachingVerifier(check);
    await expect(verifier.verify(user.idToken, { checkRevoked: false })).rejects.toBeInstanceOf(
      VerifierUnavailableError,
    );
    failing = false;
    expect((await verifier.verify(user.idToken, { checkRevoked: false })).uid).toBe(user.uid);
    expect(calls).toEqual([false, false]);
  });

  it('checks revocation live on every checkRevoked call, cached or not', async () => {
    const user = await signIn('live');
    const { check, calls } = counted();
    const verifier = createCachingVerifier(check);
    await verifier.verify(user.idToken, { checkRevoked: false });
    await verifier.verify(user.idToken, { checkRevoked: true });
    await verifier.verify(user.idToken, { checkRevoked: true });
    await verifier.verify(user.idToken, { checkRevoked: false });
    expect(calls).toEqual([false, true, true]);
  });

  it('refuses a revoked token on the live check, and then stops serving it from the cache', async () => {
    const user = await signIn('revoked');
    const { check, calls } = counted();
    const verifier = createCachingVerifier(check);
    await verifier.verify(user.idToken, { checkRevoked: false });
    const { iat, auth_time } = claims(user.idToken);
    // Revocation is compared in whole seconds with the token's auth_time.
    const wait = (Math.max(iat, auth_time) + 1) * 1000 - Date.now() + 50;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const admin: App = initializeApp({ projectId: PROJECT_ID }, `revoker-${user.uid}`);
    await getAuth(admin).revokeRefreshTokens(user.uid);

    await expect(verifier.verify(user.idToken, { checkRevoked: true })).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
    // Evicted: the ordinary request goes back to firebase-admin, which (in emulator mode)
    // refuses the revoked token too.
    await expect(verifier.verify(user.idToken, { checkRevoked: false })).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
    expect(calls).toEqual([false, true, false]);
  });

  it('refuses nonsensical options', () => {
    expect(() => createCachingVerifier(realCheck, { maxEntries: 0 })).toThrow(RangeError);
    expect(() => createCachingVerifier(realCheck, { maxEntries: 1.5 })).toThrow(RangeError);
    expect(() => createCachingVerifier(realCheck, { ttlMs: 0 })).toThrow(RangeError);
    expect(() => createCachingVerifier(realCheck, { ttlMs: Number.NaN })).toThrow(RangeError);
  });
});
