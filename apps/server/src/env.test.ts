import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, EXIT_INVALID_CONFIG, parseEnv } from './env.js';

describe('parseEnv', () => {
  it('applies defaults', () => {
    expect(parseEnv({})).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', NODE_ENV: 'development' });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['MONGODB_SERVER_SELECTION_TIMEOUT_MS', '50'],
    ['MONGODB_SERVER_SELECTION_TIMEOUT_MS', '1e9'],
    ['AUTH_VERIFY_TIMEOUT_MS', '0'],
    ['VALIDATE_OUTPUT', 'yes'],
  ])('names %s when it is %j', (variable, value) => {
    try {
      parseEnv({ [variable]: value });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(variable);
      expect(problems[0]).toContain(JSON.stringify(value));
    }
  });

  it.each([
    [
      { FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099', FIREBASE_PROJECT_ID: 'acme-prod' },
      'FIREBASE_AUTH_EMULATOR_HOST',
    ],
    [{ FIREBASE_PROJECT_ID: 'demo-invoices' }, 'FIREBASE_PROJECT_ID'],
    [{}, 'FIREBASE_PROJECT_ID'],
  ])('refuses emulator settings in production (%j)', (extra, variable) => {
    const env = {
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://db:27017/?replicaSet=rs0',
      ...extra,
    };
    expect(() => parseEnv(env)).toThrow(ConfigError);
    try {
      parseEnv(env);
    } catch (error) {
      expect((error as ConfigError).problems.join('\n')).toContain(variable);
    }
  });

  it('accepts a real production configuration', () => {
    const config = parseEnv({
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://db:27017/?replicaSet=rs0',
      FIREBASE_PROJECT_ID: 'acme-invoices',
      CORS_ORIGINS: 'https://app.acme.test, https://admin.acme.test',
      TRUST_PROXY: 'true',
    });
    expect(config.CORS_ORIGINS).toEqual(['https://app.acme.test', 'https://admin.acme.test']);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.UPLOAD_DIR).toBe('.data/uploads');
    // Production sends outputs as returned; the test suites check them (packages/api/src/output.ts).
    expect(config.VALIDATE_OUTPUT).toBe(false);
  });

  it("keeps SECURITY.md's resource limits: a 2 MB body and a 100-call batch are always refused", () => {
    expect(parseEnv({ BODY_LIMIT_BYTES: '1999999', TRPC_MAX_BATCH: '99' })).toMatchObject({
      BODY_LIMIT_BYTES: 1_999_999,
      TRPC_MAX_BATCH: 99,
    });
    expect(() => parseEnv({ BODY_LIMIT_BYTES: '2000000' })).toThrow(
      /BODY_LIMIT_BYTES: Must be below 2 MB/,
    );
    expect(() => parseEnv({ TRPC_MAX_BATCH: '100' })).toThrow(/TRPC_MAX_BATCH: Must be below 100/);
  });

  it('checks outputs outside production, and wherever VALIDATE_OUTPUT says so', () => {
    const production = {
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://db:27017/?replicaSet=rs0',
      FIREBASE_PROJECT_ID: 'acme-invoices',
    };
    expect(parseEnv({}).VALIDATE_OUTPUT).toBe(true);
    expect(parseEnv({ NODE_ENV: 'test' }).VALIDATE_OUTPUT).toBe(true);
    expect(parseEnv({ VALIDATE_OUTPUT: 'false' }).VALIDATE_OUTPUT).toBe(false);
    expect(parseEnv({ ...production, VALIDATE_OUTPUT: 'true' }).VALIDATE_OUTPUT).toBe(true);
    expect(parseEnv({ ...production, VALIDATE_OUTPUT: '1' }).VALIDATE_OUTPUT).toBe(true);
  });

  it('makes the real process exit 78 (EX_CONFIG) with one line naming the variable', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    // 78, not 1: the systemd unit retries a failed start (1) but not a bad configuration.
    expect(result.status).toBe(EXIT_INVALID_CONFIG);
    expect(result.stderr).toMatch(/PORT: .*"abc"/);
  });

  it('exits 1, not 78, when the configuration is valid but MongoDB is unreachable', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    // A port nothing listens on: bound, its number read, closed.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
      });
    });
    const result = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        PORT: '0',
        MONGODB_URI: `mongodb://127.0.0.1:${closedPort}/?directConnection=true`,
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: '500',
        MONGODB_CONNECT_TIMEOUT_MS: '500',
        FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'env-test-')),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Server failed to start: /m);
  });
});
