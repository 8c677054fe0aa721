import { createDb, type Database } from '@invoice/db';

/**
 * Databases a test file opens on the test server (`uri`), each dropped and closed by
 * `dropAll` in its afterAll; `envFor` points the CLI at one of them.
 */
export function testDatabases(uri: string) {
  const opened: Database[] = [];
  return {
    open(name: string): Database {
      const db = createDb({ uri, dbName: name });
      opened.push(db);
      return db;
    },
    envFor: (dbName: string) => ({ MONGODB_URI: uri, MONGODB_DB: dbName }),
    async dropAll(): Promise<void> {
      for (const db of opened.splice(0)) {
        await db.db.dropDatabase().catch(() => undefined);
        await db.close();
      }
    },
  };
}
