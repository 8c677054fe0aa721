import { mkdir, rm, writeFile } from 'node:fs/promises';
import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../dev/free-port.js';
import { startTestServer, type TestServer } from '../../test/server.js';

describe('health', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('health');
  });
  afterAll(() => s.close());

  it('is ready when MongoDB, the upload dir and the disk are fine, naming each check', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ready',
      checks: {
        mongo: { ok: true },
        uploadDir: { ok: true },
        disk: { ok: true },
        shutdown: { ok: true },
      },
    });
  });

  it('is not ready, but still live, when the database stops; recovers when it is back', async () => {
    // A database of this test's own, so stopping it disturbs no other suite.
    const port = await freePort();
    let mongo = await startEmbeddedMongo({ port });
    const own = await startTestServer('health-db', { MONGODB_URI: mongo.uri });
    try {
      expect((await own.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      await mongo.stop();
      const down = await own.app.inject({ method: 'GET', url: '/health/ready' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({
        status: 'unavailable',
        checks: { mongo: { ok: false } },
      });
      const { error } = down.json<{ checks: { mongo: { error: string } } }>().checks.mongo;
      expect(error).toMatch(/^(Mongo\w+|timed out)/);
      // The probe is public: no host, port or driver text in the body (it goes to the log).
      expect(down.body).not.toContain(String(port));
      expect(down.body).not.toContain('127.0.0.1');
      expect((await own.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      mongo = await startEmbeddedMongo({ port });
      await expect
        .poll(
          async () => (await own.app.inject({ method: 'GET', url: '/health/ready' })).statusCode,
          {
            timeout: 20_000,
            interval: 250,
          },
        )
        .toBe(200);
    } finally {
      await own.close().catch(() => undefined);
      await mongo.stop();
    }
  });

  it('is not ready when the upload dir cannot be written to', async () => {
    // Replace the directory by a file: writing into it fails for every user, root included.
    await rm(s.config.UPLOAD_DIR, { recursive: true });
    await writeFile(s.config.UPLOAD_DIR, 'not a directory');
    try {
      const res = await s.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        checks: { uploadDir: { ok: false, error: 'Error ENOTDIR' }, mongo: { ok: true } },
      });
      expect(res.body).not.toContain(s.config.UPLOAD_DIR);
    } finally {
      await rm(s.config.UPLOAD_DIR);
      await mkdir(s.config.UPLOAD_DIR);
    }
    expect((await s.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });

  it('is not ready when free disk space is below the threshold', async () => {
    const tight = await startTestServer('health-disk', {
      MIN_FREE_DISK_BYTES: String(Number.MAX_SAFE_INTEGER),
    });
    try {
      const res = await tight.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ checks: { disk: { ok: false } } });
      // The same numbers on /metrics, so an alert fires on them before readiness fails.
      const metrics = (await tight.app.inject({ method: 'GET', url: '/metrics' })).body;
      const value = (name: string) =>
        Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
      expect(value('upload_dir_min_free_bytes')).toBe(Number.MAX_SAFE_INTEGER);
      expect(value('upload_dir_free_bytes')).toBeGreaterThan(0);
      expect(value('upload_dir_free_bytes')).toBeLessThan(Number.MAX_SAFE_INTEGER);
    } finally {
      await tight.close();
    }
  });

  it('flips readiness to 503 once shutdown starts', async () => {
    const other = await startTestServer('health-shutdown');
    other.app.markShuttingDown();
    const res = await other.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      checks: { shutdown: { ok: false, error: 'shutting down' } },
    });
    await other.close();
  });
});
