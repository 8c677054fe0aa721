import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';

/**
 * health_checks.md: the load balancer probes /health/ready every 2 s and the blackbox exporter
 * every 30 s, per instance: concurrent probes are normal (several balancers, an operator's
 * `invoice-admin health`). A healthy instance must answer 200 to each of them; overlapping
 * probes once shared one probe file name and deleted each other's (503, ENOENT).
 */
describe('concurrent readiness probes on a healthy instance', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('health-concurrent-probes');
  });
  afterAll(() => s.close());

  it('answers 200 to two overlapping probes (balancer + blackbox exporter), 50 times over', async () => {
    const failures: unknown[] = [];
    for (let round = 0; round < 50; round += 1) {
      const answers = await Promise.all(
        Array.from({ length: 2 }, () => s.app.inject({ method: 'GET', url: '/health/ready' })),
      );
      for (const a of answers) if (a.statusCode !== 200) failures.push(a.json());
    }
    expect(failures).toEqual([]);
    expect(
      (await readdir(s.config.UPLOAD_DIR)).filter((f) => f.startsWith('.ready-probe')),
    ).toEqual([]);
  });
});
