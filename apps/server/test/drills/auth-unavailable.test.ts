/**
 * Fault drill: the Firebase Auth emulator goes away.
 *
 * Policy (apps/server/src/auth/token-verifier.ts): a token that is wrong is 401; a token that
 * could not be checked (key source, accounts API or emulator unreachable, or silent past
 * AUTH_VERIFY_TIMEOUT_MS) is 503 SERVICE_UNAVAILABLE with Retry-After, never a hang.
 * firebase-admin 13 looks the user up in the emulator on EVERY verification in emulator mode
 * (`verifyIdToken` calls getUser when `checkRevoked || isEmulator`), so with the emulator down
 * every token the server has not verified yet is 503, and so is every revocation check
 * (sensitive mutations). A token verified before the outage stays accepted for ordinary calls
 * until its cache entry ends (auth/token-cache.ts: token exp or a few minutes), as in
 * production, where the signature is checked against Google's cached public keys and only a
 * key refresh or a checkRevoked lookup needs the network.
 *
 * This file runs its OWN emulator (the suite's shared one must stay up for other files) and
 * points firebase-admin at it before the app's first verification (firebase-admin fixes the
 * emulator URL on first use).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthEmulator, type AuthEmulator } from '../../src/dev/auth-emulator.js';
import { emulatorSignIn, type EmulatorUser } from '../../src/dev/emulator-tokens.js';
import { PROJECT_ID, startTestServer, type TestServer } from '../server.js';
import { callProcedure, summarize } from './http-drill.js';
import { foreignToken } from '../foreign-token.js';

const VERIFY_TIMEOUT_MS = 1_500;

/** A TCP endpoint that accepts connections and never answers: a hung dependency. */
async function silentHost(): Promise<{ host: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    host: `127.0.0.1:${address.port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('drill: Firebase Auth emulator down', () => {
  let emulator: AuthEmulator;
  let server: TestServer;
  let baseUrl: string;
  let user: EmulatorUser;
  let orgId: string;
  const latencies: number[] = [];

  beforeAll(async () => {
    emulator = await startAuthEmulator({ projectId: PROJECT_ID });
    server = await startTestServer('drill-auth-down', {
      AUTH_VERIFY_TIMEOUT_MS: String(VERIFY_TIMEOUT_MS),
    });
    // startTestServer points at the suite's emulator; this drill's app uses its own.
    process.env.FIREBASE_AUTH_EMULATOR_HOST = emulator.host;
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
    user = await emulatorSignIn(emulator.host, PROJECT_ID, 'drill-auth@example.test');
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await emulator?.stop();
  });

  it('while the emulator is up: a valid token is 200, a foreign or garbage token 401', async () => {
    const org = await callProcedure(
      baseUrl,
      'organization.create',
      {
        name: 'Auth Drill',
        currency: 'EUR',
        timezone: 'UTC',
      },
      user.idToken,
    );
    expect(org.status).toBe(200);
    orgId = (org.data as { id: string }).id;
    expect(
      (await callProcedure(baseUrl, 'organization.list', undefined, user.idToken, 'query')).status,
    ).toBe(200);
    for (const bad of [foreignToken(), 'not.a.jwt']) {
      const res = await callProcedure(baseUrl, 'organization.list', undefined, bad, 'query');
      expect(res).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    }
  });

  it('with the emulator stopped: unverified tokens and revocation checks get 503 + Retry-After at once, bad tokens stay 401', async () => {
    // A user whose token the server has never verified (so it is not in the token cache).
    const unseen = await emulatorSignIn(
      emulator.host,
      PROJECT_ID,
      'drill-auth-unseen@example.test',
    );
    await emulator.stop();

    const list = await callProcedure(
      baseUrl,
      'organization.list',
      undefined,
      unseen.idToken,
      'query',
    );
    // checkRevoked path: invoice.void is a sensitive mutation (re-checks revocation).
    const voided = await callProcedure(
      baseUrl,
      'invoice.void',
      {
        orgId,
        invoiceId: '0123456789abcdef01234567',
        reason: 'drill',
      },
      user.idToken,
    );
    for (const res of [list, voided]) {
      expect(res).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(res.retryAfter).toMatch(/^\d+$/);
      expect(res.message).not.toMatch(/ECONN|127\.0\.0\.1|firebase|emulator/i);
      latencies.push(res.ms);
    }

    // The upload routes follow the same policy.
    const upload = await fetch(
      `${baseUrl}/v1/orgs/${orgId}/invoices/0123456789abcdef01234567/attachments`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${unseen.idToken}`,
          'content-type': 'multipart/form-data; boundary=x',
        },
        body: '--x--\r\n',
        signal: AbortSignal.timeout(45_000),
      },
    );
    expect(upload.status).toBe(503);
    expect(upload.headers.get('retry-after')).toMatch(/^\d+$/);

    // The token verified while the emulator was up is served from the token cache for
    // ordinary calls (its revocation check above is live, hence 503).
    expect(
      (await callProcedure(baseUrl, 'organization.list', undefined, user.idToken, 'query')).status,
    ).toBe(200);

    // A bad token is decided from its claims: still 401, not 503, outage or not.
    for (const bad of [foreignToken(), 'not.a.jwt']) {
      const res = await callProcedure(baseUrl, 'organization.list', undefined, bad, 'query');
      expect(res).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    }
    // Liveness never depends on Firebase.
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
  });

  it('with an auth endpoint that accepts and never answers: 503 after the verify timeout, not a hang', async () => {
    const silent = await silentHost();
    // A fresh app (firebase-admin fixes the emulator URL at its first verification).
    const hung = await startTestServer('drill-auth-silent', {
      AUTH_VERIFY_TIMEOUT_MS: String(VERIFY_TIMEOUT_MS),
    });
    process.env.FIREBASE_AUTH_EMULATOR_HOST = silent.host;
    try {
      const url = await hung.app.listen({ host: '127.0.0.1', port: 0 });
      const res = await callProcedure(url, 'organization.list', undefined, user.idToken, 'query');
      expect(res).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(res.retryAfter).toMatch(/^\d+$/);
      process.stdout.write(
        `drill auth: emulator stopped → 503 in ${summarize(latencies)}; ` +
          `silent endpoint → 503 in ${res.ms} ms (AUTH_VERIFY_TIMEOUT_MS=${VERIFY_TIMEOUT_MS})\n`,
      );
    } finally {
      await hung.close();
      await silent.close();
    }
  });
});
