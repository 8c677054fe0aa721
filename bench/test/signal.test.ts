import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
}

/** `pnpm bench` for a 10-minute `http.empty` run on 120 invoices, its stderr collected. */
function startBench(out: string) {
  const bench = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      main,
      '--only',
      'http.empty',
      '--invoices',
      '120',
      '--duration',
      '600',
      '--warmup',
      '0',
      '--paired-rounds',
      '0',
      '--fresh-paired-rounds',
      '0',
      '--out',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    bench.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  bench.stderr.setEncoding('utf8');
  bench.stderr.on('data', (chunk: string) => (stderr += chunk));
  /** Resolves with the first match of `pattern` in stderr; rejects if the bench exits first. */
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const found = pattern.exec(stderr);
        if (found) {
          bench.stderr.off('data', check);
          resolve(found);
        }
      };
      bench.stderr.on('data', check);
      check();
      void exited.then(() => reject(new Error(`bench exited before ${pattern}:\n${stderr}`)));
    });
  return { bench, exited, waitFor, stderr: () => stderr };
}

/** Whether a process with this pid still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('pnpm bench on SIGTERM', () => {
  const outs: string[] = [];
  afterAll(async () => {
    for (const out of outs) await rm(out, { recursive: true, force: true });
  });

  it('stops the database, the server and the Auth emulator before it exits', async () => {
    const out = await mkdtemp(join(tmpdir(), 'invoice-bench-signal-'));
    outs.push(out);
    const { bench, exited, waitFor, stderr } = startBench(out);
    // The stack is up once the harness names the emulator's address; then the run goes on
    // for ten minutes unless the signal ends it.
    const [, host] = await waitFor(/Auth emulator at (\S+)/);
    const emulator = `http://${host}/`;
    expect(await answers(emulator)).toBe(true);

    bench.kill('SIGTERM');
    const exit = await exited;
    expect(await answers(emulator)).toBe(false);
    expect(exit).toEqual({ code: 128 + 15, signal: null });
    expect(stderr()).toContain('SIGTERM: stopping the database, the server and the Auth emulator');
  });

  it('stops the Auth emulator when the signal comes while it is still booting', async () => {
    const out = await mkdtemp(join(tmpdir(), 'invoice-bench-signal-'));
    outs.push(out);
    const { bench, exited, waitFor, stderr } = startBench(out);
    // Spawned, not answering yet: it answers ~2-3 s after spawn on an idle machine.
    const [, pid] = await waitFor(/Auth emulator starting at \S+ \(pid (\d+)\)/);
    const emulatorPid = Number(pid);
    expect(alive(emulatorPid)).toBe(true);

    bench.kill('SIGTERM');
    const exit = await exited;
    expect(stderr()).not.toContain('stack up in');
    expect(exit).toEqual({ code: 128 + 15, signal: null });
    expect(alive(emulatorPid)).toBe(false);
  });
});
