import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.js';

export interface AuthEmulator {
  /** `127.0.0.1:PORT`, the value for FIREBASE_AUTH_EMULATOR_HOST. */
  host: string;
  projectId: string;
  /** The emulator's process (firebase-tools), undefined if it could not be spawned. */
  pid: number | undefined;
  /** Resolves once the emulator answers; rejects if it exits or times out first. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface StartAuthEmulatorOptions {
  /** Must start with `demo-`: the emulator then never reaches real Google services. */
  projectId: string;
  port?: number;
  timeoutMs?: number;
  onOutput?: (line: string) => void;
}

function firebaseCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('firebase-tools/package.json')), 'lib/bin/firebase.js');
}

const PROBE_TIMEOUT_MS = 2_000;

/** GET / of the Auth emulator: `{ authEmulator: { ready: true, ... } }`. */
function isEmulatorAnswer(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('authEmulator' in body)) return false;
  const about: unknown = body.authEmulator;
  return typeof about === 'object' && about !== null && 'ready' in about && about.ready === true;
}

/** Lines of the emulator's own output kept for the error when it fails to come up. */
const OUTPUT_LINES_KEPT = 20;

async function waitUntilUp(
  url: string,
  child: ChildProcess,
  deadline: number,
  lastOutput: readonly string[],
): Promise<void> {
  // Why it failed is in firebase-tools' own output (a port in use, a bad config, ...).
  const said = () =>
    lastOutput.length === 0
      ? ' (it printed nothing)'
      : `; its last output:\n${lastOutput.map((line) => `  ${line}`).join('\n')}`;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`Firebase Auth emulator exited with code ${child.exitCode}${said()}`);
    try {
      // Bounded: a port that accepts but never answers must not hang the wait past its deadline.
      const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      // The emulator's own answer, not whatever else may hold the port.
      if (res.ok && isEmulatorAnswer(await res.json().catch(() => null))) return;
    } catch {
      // not listening yet, or not answering
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Firebase Auth emulator did not answer at ${url} in time${said()}`);
}

/**
 * Starts the real Firebase Auth emulator (firebase-tools, pure Node, offline) on free ports
 * with the UI disabled (the UI is a download) and waits until it answers. Used by tests.
 */
export async function startAuthEmulator(options: StartAuthEmulatorOptions): Promise<AuthEmulator> {
  const emulator = await spawnAuthEmulator(options);
  try {
    await emulator.ready;
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  return emulator;
}

/**
 * Spawns the emulator and returns at once: its host is known before it answers, so the
 * zero-config server can listen while the emulator (slow to boot) comes up.
 */
export async function spawnAuthEmulator(options: StartAuthEmulatorOptions): Promise<AuthEmulator> {
  if (!options.projectId.startsWith('demo-')) {
    throw new Error('The Auth emulator only runs with a demo- project id');
  }
  const [port, hubPort, loggingPort] = await Promise.all([
    options.port ?? freePort(),
    freePort(),
    freePort(),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'invoice-auth-emulator-'));
  const config = {
    emulators: {
      auth: { host: '127.0.0.1', port },
      hub: { host: '127.0.0.1', port: hubPort },
      logging: { host: '127.0.0.1', port: loggingPort },
      ui: { enabled: false },
      singleProjectMode: true,
    },
  };
  await writeFile(join(dir, 'firebase.json'), JSON.stringify(config));
  const child = spawn(
    process.execPath,
    [
      firebaseCli(),
      'emulators:start',
      '--only',
      'auth',
      '--project',
      options.projectId,
      '--config',
      join(dir, 'firebase.json'),
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FIREBASE_CLI_EXPERIMENTS: '' },
    },
  );
  const lastOutput: string[] = [];
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lastOutput.push(line);
      if (lastOutput.length > OUTPUT_LINES_KEPT) lastOutput.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const ready = waitUntilUp(
    `http://127.0.0.1:${port}/`,
    child,
    Date.now() + (options.timeoutMs ?? 120_000),
    lastOutput,
  );
  ready.catch(() => undefined); // observed by the caller; never an unhandled rejection
  return { host: `127.0.0.1:${port}`, projectId: options.projectId, pid: child.pid, ready, stop };
}
