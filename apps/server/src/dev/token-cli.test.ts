import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeDevSession } from './dev-session.js';
import { devUserUid } from './emulator-tokens.js';
import { freePort } from './free-port.js';

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
      pid: process.pid, // a running server
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

  /** Exit code and stderr of `pnpm id-token` on the session `session` in a fresh DATA_DIR. */
  const failedRun = async (name: string, session: Parameters<typeof writeDevSession>[1]) => {
    const dir = join(dataDir, name);
    await mkdir(dir);
    await writeDevSession(dir, session);
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'a@example.test'], {
      env: { ...process.env, DATA_DIR: dir },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stderr, stdout };
  };

  it('says the server is not running when the session names a process that has exited', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    const run = await failedRun('stale', {
      apiUrl: 'http://127.0.0.1:1',
      authEmulatorHost: emulatorHost, // still answers: only the pid says the session is over
      projectId: PROJECT_ID,
      pid: gone.pid!,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(
        `^id-token: No running zero-config server found \\(.*names process ${gone.pid}, which has exited\\)\\. Start it with "pnpm start"\\.\n$`,
      ),
    );
  }, 30_000);

  it('names the emulator it could not reach, without a stack trace', async () => {
    const port = await freePort(); // nothing listens on it
    const run = await failedRun('unreachable', {
      apiUrl: 'http://127.0.0.1:1',
      authEmulatorHost: `127.0.0.1:${port}`,
      projectId: PROJECT_ID,
      pid: process.pid,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `id-token: The Auth emulator at 127.0.0.1:${port} did not answer (connect ECONNREFUSED 127.0.0.1:${port}). Is "pnpm start" still running?\n`,
    );
  }, 30_000);

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
