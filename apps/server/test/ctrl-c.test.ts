import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/dev/free-port.js';

/**
 * `pnpm start` as a developer runs it (README): the repository's pnpm, in its own process group,
 * with nothing configured, so it starts the embedded database and its own Auth emulator. Ctrl-C
 * in a terminal sends SIGINT to the whole foreground process group: pnpm, its shell, the
 * server and the emulator it spawned.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PNPM = join(ROOT, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');

/** Pids of the running processes in process group `pgid`. */
async function groupMembers(pgid: number): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ps', ['-e', '-o', 'pid=,pgid=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([pid, group]) => group === pgid && pid !== undefined)
    .map(([pid]) => pid as number);
}

function pnpmStart(dataDir: string, port: number) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  };
  delete env.MONGODB_URI;
  delete env.FIREBASE_AUTH_EMULATOR_HOST;
  const child = spawn(process.execPath, [PNPM, 'start'], {
    cwd: ROOT,
    env,
    detached: true, // its own process group, as a terminal's foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const pgid = child.pid!;
  return {
    pgid,
    output: () => output,
    /** Ctrl-C: SIGINT to every process of the group. */
    ctrlC: () => process.kill(-pgid, 'SIGINT'),
    kill: () => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

describe('Ctrl-C on `pnpm start`', () => {
  let dataDir: string;
  const started: ReturnType<typeof pnpmStart>[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'invoice-ctrl-c-'));
  });
  afterAll(async () => {
    for (const run of started) run.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  const startAndWaitFor = async (text: string) => {
    const run = pnpmStart(dataDir, await freePort());
    started.push(run);
    await expect
      .poll(() => run.output().includes(text), { timeout: 240_000, interval: 200 })
      .toBe(true);
    // Every process the start spawned, the emulator included, is in the group.
    expect((await groupMembers(run.pgid)).length).toBeGreaterThanOrEqual(2);
    return run;
  };

  const expectAllGone = async (run: ReturnType<typeof pnpmStart>) => {
    await expect.poll(() => groupMembers(run.pgid), { timeout: 30_000, interval: 200 }).toEqual([]);
  };

  it('stops every process it started, while starting and once ready, and starts again on the same data', async () => {
    // While the emulator most likely still boots (it answers ~2-3 s after spawn): the server
    // listens, the ready line is not out yet.
    const early = await startAndWaitFor('Server listening');
    early.ctrlC();
    await expectAllGone(early);
    expect(early.output()).toContain('shutdown complete');

    // The same data directory starts again (the embedded database's lock and journal were
    // released) and gets ready.
    const ready = await startAndWaitFor('"ready: ');
    expect(existsSync(join(dataDir, 'dev-session.json'))).toBe(true);
    ready.ctrlC();
    await expectAllGone(ready);
    expect(ready.output()).toContain('shutdown complete');
    expect(existsSync(join(dataDir, 'dev-session.json'))).toBe(false);
  }, 600_000);
});
