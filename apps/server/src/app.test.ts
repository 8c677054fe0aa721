import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/server.js';

describe('buildApp', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('app');
  });
  afterAll(() => s.close());

  it('answers GET /health/live with 200 JSON', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });
});
