import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { inject } from 'vitest';
import { createDb, type Database } from '../src/index.js';

/** A fresh database on the suite's MongoDB (embedded, or MONGODB_URI), dropped by `drop()`. */
export function openTestDb(suite: string): Database & { drop(): Promise<void> } {
  const handle = createDb({ uri: inject('mongoUri'), dbName: testDatabaseName(suite) });
  return {
    ...handle,
    drop: async () => {
      await handle.db.dropDatabase();
      await handle.close();
    },
  };
}
