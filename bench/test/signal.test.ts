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

describe('pnpm bench on SIGTERM', () => {
  let out = '';
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('stops the database, the server and the Auth emulator before it exits', async () => {
    out = await mkdtemp(join(tmpdir(), 'invoice-bench-signal-'));
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
    // The stack is up once the harness names the emulator's address; then the run goes on
    // for ten minutes unless the signal ends it.
    let stderr = '';
    const host = await new Promise<string>((resolve, reject) => {
      bench.stderr.setEncoding('utf8');
      bench.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        const found = /Auth emulator at (\S+)/.exec(stderr);
        if (found?.[1]) resolve(found[1]);
      });
      void exited.then(() => reject(new Error(`bench exited before the stack was up:\n${stderr}`)));
    });
    const emulator = `http://${host}/`;
    expect(await answers(emulator)).toBe(true);

    bench.kill('SIGTERM');
    const exit = await exited;
    expect(await answers(emulator)).toBe(false);
    expect(exit).toEqual({ code: 128 + 15, signal: null });
    expect(stderr).toContain('SIGTERM: stopping the database, the server and the Auth emulator');
  });
});
