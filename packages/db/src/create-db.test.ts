import { describe, expect, it } from 'vitest';
import { assertValidDbName, createDb } from './create-db.js';

describe('createDb', () => {
  it.each(['', 'a.b', 'a/b', 'a$b', 'a b', 'x'.repeat(64), 'a\0b'])(
    'rejects the database name %j',
    (name) => {
      expect(() => assertValidDbName(name)).toThrow(/Invalid MongoDB database name/);
    },
  );

  it('creates a handle without connecting', async () => {
    const handle = createDb({ uri: 'mongodb://127.0.0.1:1', dbName: 'invoices' });
    expect(handle.db.databaseName).toBe('invoices');
    await handle.close();
  });
});
