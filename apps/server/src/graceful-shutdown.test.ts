import { request } from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { startChildServer } from '../test/child-server.js';
import { emulatorSignIn } from './dev/emulator-tokens.js';

/** Sends a POST whose body arrives in two parts; resolves with the status once answered. */
function slowPost(port: number, path: string, token: string, body: string, release: Promise<void>) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    void release.then(() => req.end(body.slice(half)));
  });
}

describe('graceful shutdown', () => {
  it('finishes 20 in-flight requests after SIGTERM, refuses new connections, exits 0', async () => {
    const emulatorHost = inject('firebaseAuthEmulatorHost');
    const server = await startChildServer('shutdown');
    const { child, port, exited } = server;
    const output = server.output;
    try {
      const user = await emulatorSignIn(emulatorHost, 'demo-invoices', 'shutdown@example.test');

      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const inFlight = Array.from({ length: 20 }, (_, i) =>
        slowPost(
          port,
          '/trpc/organization.create',
          user.idToken,
          JSON.stringify({ json: { name: `Org ${i}`, currency: 'EUR', timezone: 'UTC' } }),
          released,
        ),
      );
      await new Promise((r) => setTimeout(r, 300)); // all 20 requests are mid-body
      child.kill('SIGTERM');
      await expect
        .poll(() => output().includes('shutting down'), { timeout: 10_000, interval: 50 })
        .toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      // New connections are refused once the listener is closed.
      const probeError = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        const probe = request({ host: '127.0.0.1', port, path: '/health/live' }, () =>
          resolve(null),
        );
        probe.on('error', resolve);
        probe.end();
      });
      expect(probeError?.code).toMatch(/^(ECONNREFUSED|ECONNRESET)$/);
      release();
      const statuses = await Promise.all(inFlight.map((p) => p.catch((e: Error) => e.message)));
      expect(statuses).toEqual(Array.from({ length: 20 }, () => 200));
      expect(await exited).toBe(0);
      expect(output()).toContain('shutdown complete');
    } finally {
      await server.cleanup();
    }
  });
});
