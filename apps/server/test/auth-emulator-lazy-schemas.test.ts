import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

/**
 * patches/firebase-tools@15.34.2.patch: the Auth emulator compiled the JSON schemas of every
 * Identity Toolkit operation with Ajv before it answered: ~9 s of CPU per start, 13 s to answer
 * on this 2-core machine and over 100 s under `pnpm check`'s parallel load (the CI runs that
 * timed out waiting for it). The patch turns on exegesis' `lazyCompileValidationSchemas`: each
 * operation's schemas are compiled on its first request. Measured: 13.3 s → 2.1–2.5 s to answer,
 * 16 s → 2.6–3.2 s of CPU (one-off measurements of a bare `emulators:start`).
 */
const require = createRequire(import.meta.url);
const emulatorServer = join(
  dirname(require.resolve('firebase-tools/package.json')),
  'lib/emulator/auth/server.js',
);

describe('the Auth emulator compiles its request schemas lazily', () => {
  it('the installed firebase-tools passes lazyCompileValidationSchemas to exegesis', () => {
    const source = readFileSync(emulatorServer, 'utf8');
    // The option sits in the one exegesis options object of createApp.
    const options = source.slice(source.indexOf('exegesisExpress.middleware('));
    expect(options.slice(0, options.indexOf('customFormats'))).toMatch(
      /\n\s*lazyCompileValidationSchemas: true,\n/,
    );
  });

  it('still refuses a request its schema does not allow, with its own error', async () => {
    const host = inject('firebaseAuthEmulatorHost');
    const url = `http://${host}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake-api-key`;
    const send = (body: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // password is a string in the operation's schema, compiled on this first use.
    const refused = await send(JSON.stringify({ password: { not: 'a string' } }));
    expect(refused.status).toBe(400);
    const error = (await refused.json()) as { error: { message: string } };
    expect(error.error.message).toBe('Invalid JSON payload received. /password must be string');
    // And a valid request of the same operation is answered (its validator compiled once).
    const created = await send(JSON.stringify({ returnSecureToken: true }));
    expect(created.status).toBe(200);
    expect(((await created.json()) as { idToken?: unknown }).idToken).toEqual(expect.any(String));
  });
});
