import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processCpuMicros } from './process-cpu.js';

describe('processCpuMicros', () => {
  it('grows while a child process burns CPU, on Linux', async () => {
    if (process.platform !== 'linux') {
      expect(await processCpuMicros(process.pid)).toBeNull();
      return;
    }
    const child = spawn(process.execPath, [
      '-e',
      'const end = Date.now() + 400; while (Date.now() < end); setTimeout(() => {}, 5000);',
    ]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const used = await processCpuMicros(child.pid ?? -1);
      // About 400 ms of busy loop, plus start-up; ticks are 10 ms.
      expect(used).toBeGreaterThanOrEqual(300_000);
      expect(used).toBeLessThan(5_000_000);
    } finally {
      child.kill();
    }
  });

  it('is null for a process that does not exist', async () => {
    expect(await processCpuMicros(2 ** 30)).toBeNull();
  });
});
