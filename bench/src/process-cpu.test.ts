import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processCpuMicros } from './process-cpu.js';

describe('processCpuMicros', () => {
  it('grows while a child process burns CPU, on Linux', async () => {
    if (process.platform !== 'linux') {
      expect(await processCpuMicros(process.pid)).toBeNull();
      return;
    }
    // The child burns 400 ms of its own CPU time, however long a loaded machine takes to give
    // it that, then says so and idles. A loop on wall-clock time burned less under load: a CI
    // run where test suites shared both cores read 170 ms.
    const child = spawn(
      process.execPath,
      [
        '-e',
        'const u = () => { const c = process.cpuUsage(); return c.user + c.system; };' +
          'const end = u() + 400000; while (u() < end);' +
          'process.stdout.write("burnt\\n"); setTimeout(() => {}, 60000);',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('burnt')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the child exited (${code})`)));
      });
      const used = await processCpuMicros(child.pid ?? -1);
      // 400 ms of loop plus start-up; /proc counts 10 ms ticks.
      expect(used).toBeGreaterThanOrEqual(380_000);
      expect(used).toBeLessThan(5_000_000);
    } finally {
      child.kill();
    }
  });

  it('is null for a process that does not exist', async () => {
    expect(await processCpuMicros(2 ** 30)).toBeNull();
  });
});
