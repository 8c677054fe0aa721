import { mkdir, rm, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/server.js';

describe('request logging', () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('logging', { LOG_LEVEL: 'info' }, { stream });
  });
  afterAll(() => s.close());

  it('tags every line with the caller x-request-id, echoes it, and never logs the token', async () => {
    const user = await s.signIn('logging@example.test');
    const res = await s.app.inject({
      method: 'GET',
      url: '/trpc/organization.list',
      headers: {
        authorization: `Bearer ${user.idToken}`,
        'x-request-id': 'trace-abc.123',
        cookie: 'session=secret',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    const mine = lines.filter((l) => l.reqId === 'trace-abc.123');
    expect(mine.length).toBeGreaterThanOrEqual(2); // incoming request + request completed
    const all = JSON.stringify(lines);
    expect(all).not.toContain(user.idToken);
    expect(all).not.toContain('session=secret');
  });

  it('redacts credentials wherever a log line carries them', () => {
    s.app.log.info(
      {
        req: { headers: { authorization: 'Bearer secret-token', cookie: 'sid=secret-cookie' } },
        payload: { idToken: 'secret-id-token', password: 'secret-password' },
      },
      'redaction probe',
    );
    const probe = JSON.stringify(lines.find((l) => l.msg === 'redaction probe'));
    expect(probe).toContain('[redacted]');
    expect(probe).not.toMatch(/secret-(token|cookie|id-token|password)/);
  });

  it('replaces a hostile or oversized x-request-id by a generated one', async () => {
    for (const hostile of ['a'.repeat(500), 'x"}\n{"level":60', '../../etc']) {
      const res = await s.app.inject({
        method: 'GET',
        url: '/health/ready',
        headers: { 'x-request-id': hostile },
      });
      const id = String(res.headers['x-request-id']);
      expect(id).not.toBe(hostile);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
  it('keeps health probes out of the info log, but logs why readiness failed with the request id', async () => {
    lines.length = 0;
    await s.app.inject({ method: 'GET', url: '/health/live' });
    await s.app.inject({ method: 'GET', url: '/health/ready' });
    expect(lines.filter((line) => line.level === 30)).toEqual([]);
    await rm(s.config.UPLOAD_DIR, { recursive: true });
    await writeFile(s.config.UPLOAD_DIR, 'not a directory');
    try {
      const res = await s.app.inject({
        method: 'GET',
        url: '/health/ready',
        headers: { 'x-request-id': 'probe-1' },
      });
      expect(res.statusCode).toBe(503);
      const failure = lines.find((line) => line.check === 'uploadDir');
      expect(failure).toMatchObject({ level: 40, reqId: 'probe-1' });
      expect(JSON.stringify(failure)).toContain(s.config.UPLOAD_DIR);
    } finally {
      await rm(s.config.UPLOAD_DIR);
      await mkdir(s.config.UPLOAD_DIR);
    }
  });
});
