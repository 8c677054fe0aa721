import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';

export interface ChildHandle<T> {
  pid: number;
  /** The first IPC message the child sends (its "ready" report). */
  ready: Promise<T>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  quiet?: boolean;
  nodeArgs?: string[];
}

/**
 * Runs a JavaScript file (a bundle from bundle.ts) in its own Node process with an IPC channel,
 * so the load generator never shares an event loop with what it measures.
 */
export function spawnBundle<T>(
  path: string,
  env: Record<string, string>,
  { quiet = true, nodeArgs = [] }: SpawnOptions = {},
): ChildHandle<T> {
  const script = basename(path);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`${script} exited before it was ready (code ${code}, signal ${signal})`)),
    );
  });
  ready.catch(() => undefined); // observed by the caller
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { pid: child.pid ?? -1, ready, stop };
}

/** For the child side: report readiness and stop cleanly on SIGTERM. */
export function serveUntilTerminated(ready: unknown, cleanup: () => Promise<void>): void {
  process.send?.(ready);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    cleanup().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`cleanup failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent died without stopping us: do not linger.
  process.on('disconnect', stop);
}
