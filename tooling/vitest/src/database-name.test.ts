import { describe, expect, it } from 'vitest';
import { testDatabaseName } from './database-name.js';

describe('testDatabaseName', () => {
  it('differs between workers', () => {
    const a = testDatabaseName('suite', { VITEST_POOL_ID: '1' });
    const b = testDatabaseName('suite', { VITEST_POOL_ID: '2' });
    expect(a).not.toBe(b);
    expect(a).toContain('_w1_');
  });

  it('is a valid MongoDB database name for hostile suite names', () => {
    const name = testDatabaseName('a/b\\c. d"$*<>:|?'.repeat(10), {});
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9_-]+$/);
  });
});
