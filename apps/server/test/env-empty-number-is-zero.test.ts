import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, type Config } from '../src/env.js';

/**
 * An empty variable (`PORT=` in an EnvironmentFile or env file, `-e PORT=` in docker) is parsed by
 * `z.coerce.number()` as `Number('') === 0` (before parseEnv treated it as unset), which passes `.int().min(0)`: a production server
 * with `PORT=` listens on a random ephemeral port (its balancer and health checks never find it)
 * and `MIN_FREE_DISK_BYTES=` switches the readiness disk check off, both silently. An empty
 * value should mean the default or be refused naming the variable, never 0.
 */

const PRODUCTION = {
  NODE_ENV: 'production',
  MONGODB_URI: 'mongodb://db:27017/?replicaSet=rs0',
  FIREBASE_PROJECT_ID: 'acme-invoices',
};

/** The parsed value, or 'refused' when parseEnv throws a ConfigError naming the variable. */
function parsed<K extends keyof Config>(variable: K, value: string): Config[K] | 'refused' {
  try {
    return parseEnv({ ...PRODUCTION, [variable]: value })[variable];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(variable);
    return 'refused';
  }
}

describe('empty numeric variables', () => {
  it.each([
    ['PORT', 3000],
    ['MIN_FREE_DISK_BYTES', 512 * 1024 * 1024],
  ] as const)('%s= is its default or refused, never 0', (variable, fallback) => {
    for (const value of ['', ' ']) {
      const result = parsed(variable, value);
      expect([fallback, 'refused'], `${variable}=${JSON.stringify(value)}`).toContain(result);
    }
  });
});
