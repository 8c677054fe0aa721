import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { ConfigError, parseEnv } from '../src/env.js';

/**
 * CORS_ORIGINS was split on commas and taken as is; the CORS check compares
 * each entry with the browser's `Origin` header by string equality (src/plugins/security.ts). An
 * entry that is a URL rather than an origin, such as `https://app.example.test/` copied from the
 * address bar, can never equal an `Origin` (which has no path), so the front end is refused on
 * every call and nothing says why. The variable should be refused by name at boot, or the entry
 * read as the origin it names.
 */

const FRONTEND = 'https://app.example.test';

describe('CORS_ORIGINS entry with a trailing slash', () => {
  let s: TestServer | undefined;
  afterAll(() => s?.close());

  it('is refused naming CORS_ORIGINS, or grants CORS to that origin', async () => {
    try {
      parseEnv({ CORS_ORIGINS: `${FRONTEND}/` });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toContain('CORS_ORIGINS');
      return;
    }
    s = await startTestServer('cors-origins', { CORS_ORIGINS: `${FRONTEND}/` });
    const res = await s.app.inject({
      method: 'OPTIONS',
      url: '/trpc/organization.list',
      headers: {
        origin: FRONTEND,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.headers['access-control-allow-origin']).toBe(FRONTEND);
  });
});
