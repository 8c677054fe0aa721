import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { expect, inject } from 'vitest';
import { freePort } from '../src/dev/free-port.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export interface ChildServer {
  child: ChildProcessByStdio<null, Readable, Readable>;
  port: number;
  /** DATA_DIR of the process (removed by `cleanup`). */
  dataDir: string;
  dbName: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGKILL if still running, then removes DATA_DIR. */
  cleanup(): Promise<void>;
}

/**
 * The real server (`main.ts`) as its own process, on the suite's MongoDB and the Auth emulator,
 * with a fresh DATA_DIR and database; resolves once it listens. For what only a real process
 * shows: signals, exit codes, its own memory.
 */
export async function startChildServer(
  suite: string,
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), `invoice-${suite}-`));
  const dbName = testDatabaseName(suite);
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      LOG_LEVEL: 'info',
      MONGODB_URI: inject('mongoUri'),
      MONGODB_DB: dbName,
      FIREBASE_PROJECT_ID: 'demo-invoices',
      FIREBASE_AUTH_EMULATOR_HOST: inject('firebaseAuthEmulatorHost'),
      DATA_DIR: dataDir,
      MIN_FREE_DISK_BYTES: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await expect
      .poll(() => output.includes('Server listening') || child.exitCode !== null, {
        timeout: 90_000,
        interval: 100,
      })
      .toBe(true);
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { child, port, dataDir, dbName, output: () => output, exited, cleanup };
}
