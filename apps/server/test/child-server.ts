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
  /** SIGKILL if still running, then removes DATA_DIR (unless the caller gave it). */
  cleanup(): Promise<void>;
}

/**
 * The real server (`main.ts`) as its own process, on the suite's MongoDB and the Auth emulator,
 * with a fresh DATA_DIR and database; resolves once it listens. For what only a real process
 * shows: signals, exit codes, its own memory.
 */
export interface ChildServerOptions {
  /** A DATA_DIR the caller owns (kept by `cleanup`), e.g. to restart on the same data. */
  dataDir?: string;
  /** What node runs instead of main.ts under tsx, e.g. the production bundle's main.js. */
  entry?: string;
  /** Node options before the entry, e.g. production's (PRODUCTION_NODE_OPTIONS). */
  nodeOptions?: readonly string[];
}

/** `env` values override the defaults below; `undefined` removes a variable. */
export async function startChildServer(
  suite: string,
  env: Record<string, string | undefined> = {},
  options: ChildServerOptions = {},
): Promise<ChildServer> {
  const port = await freePort();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `invoice-${suite}-`)));
  const dbName = testDatabaseName(suite);
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    // Outputs checked, whatever the developer's shell exports (packages/api/src/output.ts).
    VALIDATE_OUTPUT: 'true',
    PORT: String(port),
    LOG_LEVEL: 'info',
    MONGODB_URI: inject('mongoUri'),
    MONGODB_DB: dbName,
    FIREBASE_PROJECT_ID: 'demo-invoices',
    FIREBASE_AUTH_EMULATOR_HOST: inject('firebaseAuthEmulatorHost'),
    DATA_DIR: dataDir,
    MIN_FREE_DISK_BYTES: '1',
    // Every emulator-mode verification is an HTTP call to the emulator; on a loaded CI machine
    // the 5 s production bound turned a slow answer into a 503 (seen once in 20 requests).
    AUTH_VERIFY_TIMEOUT_MS: '30000',
    ...env,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const args = [
    ...(options.nodeOptions ?? []),
    ...(options.entry ? [options.entry] : ['--import', 'tsx', MAIN]),
  ];
  const child = spawn(process.execPath, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
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
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
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
