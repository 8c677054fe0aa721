import { describe, expect, it } from 'vitest';
import { startChildServer } from './child-server.js';
import { ConfigError, parseEnv } from '../src/env.js';

/**
 * main.ts handed SHUTDOWN_TIMEOUT_MS to close-with-grace as the bound of the whole shutdown,
 * and the SHUTDOWN_DELAY_MS drain wait ran inside it (now the bound is their sum, as the
 * deployment docs say). env.ts accepts any delay up to 60 s and
 * any timeout from 1 s, independently, so a delay at or above the timeout (e.g. the maximum
 * delay with the default 30 s timeout) was accepted, and then every SIGTERM ended in
 * "killed by timeout" and exit 1 while the server is still in its drain wait: in-flight
 * requests are cut and supervisors see a failed stop (docs/operations/health_checks.md
 * promises "finishes in-flight requests ... and exits 0"). Such a configuration must be refused
 * at boot, or the shutdown must still complete.
 */

const ENV = { SHUTDOWN_DELAY_MS: '1500', SHUTDOWN_TIMEOUT_MS: '1000' };

describe('SHUTDOWN_DELAY_MS at or above SHUTDOWN_TIMEOUT_MS', () => {
  it('is refused by name, or still shuts down cleanly (exit 0)', async () => {
    try {
      parseEnv({ ...ENV, NODE_ENV: 'test' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/SHUTDOWN_(DELAY|TIMEOUT)_MS/);
      return;
    }
    const server = await startChildServer('shutdown-delay', ENV);
    try {
      server.child.kill('SIGTERM');
      const code = await server.exited;
      expect(code, server.output()).toBe(0);
      expect(server.output()).toContain('shutdown complete');
    } finally {
      await server.cleanup();
    }
  });
});
