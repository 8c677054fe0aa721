/** Runs the real CLI as a child process, as an operator would, for crash tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/mongo-embedded.js', import.meta.url));
const READY = /listening on (mongodb:\/\/\S+)/;

export interface EmbeddedProcess {
  uri: string;
  child: ChildProcess;
  /** stderr so far (for assertion messages). */
  log(): string;
  kill9(): Promise<void>;
  /** SIGTERM (clean shutdown); resolves with the exit code. */
  terminate(): Promise<number | null>;
}

/**
 * Starts `mongo-embedded --dbpath DIR --port PORT` (a free port by default; pass the previous
 * one to restart where clients still point) and waits for its ready line on stdout.
 */
export function startEmbeddedProcess(
  dbPath: string,
  { port = 0 }: { port?: number } = {},
): Promise<EmbeddedProcess> {
  const child = spawn(process.execPath, [BIN, '--dbpath', dbPath, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const match = READY.exec(stdout);
      if (!match?.[1]) return;
      child.stdout?.off('data', onData);
      resolve({
        uri: match[1],
        child,
        log: () => stderr,
        kill9: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        terminate: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`mongo-embedded exited (${code ?? signal}) before ready:\n${stderr}`)),
    );
  });
}
