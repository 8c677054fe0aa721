import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { parseEnv } from './env.js';

describe('buildApp', () => {
  it('answers GET /health/live with 200 JSON', async () => {
    const app = await buildApp({ config: parseEnv({ LOG_LEVEL: 'silent' }) });
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toMatchObject({ status: 'ok' });
    await app.close();
  });
});
