import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeDevSession } from './dev-session.js';
import { devUserUid } from './emulator-tokens.js';

const cli = fileURLToPath(new URL('./token-cli.ts', import.meta.url));
const PROJECT_ID = 'demo-invoices';

/** The uid an emulator ID token names (its payload's `user_id`). */
function uidOf(idToken: string): string {
  const payload = JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString('utf8')) as {
    user_id: string;
  };
  return payload.user_id;
}

describe('pnpm id-token', () => {
  const emulatorHost = inject('firebaseAuthEmulatorHost');
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'invoice-id-token-'));
    await writeDevSession(dataDir, {
      apiUrl: 'http://127.0.0.1:1',
      authEmulatorHost: emulatorHost,
      projectId: PROJECT_ID,
    });
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const idToken = async (email: string) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, email],
      { env: { ...process.env, DATA_DIR: dataDir } },
    );
    return stdout.trim();
  };

  it('gives an email the same uid after the emulator forgot the account (a restart)', async () => {
    const email = `restart-${Date.now()}@example.test`;
    const first = uidOf(await idToken(email));
    expect(first).toBe(devUserUid(email));
    // What a restart of the emulator does to this account: it is gone.
    const res = await fetch(
      `http://${emulatorHost}/identitytoolkit.googleapis.com/v1/projects/${PROJECT_ID}/accounts:delete`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer owner' },
        body: JSON.stringify({ localId: first }),
      },
    );
    expect(res.status).toBe(200);
    expect(uidOf(await idToken(email))).toBe(first);
  }, 60_000);
});
