import { MongoClient, type Db } from 'mongodb';

export interface CreateDbOptions {
  uri: string;
  dbName: string;
  /** Name reported to the server in the handshake (shows up in server logs). */
  appName?: string;
}

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

const INVALID_DB_NAME = /[/\\. "$*<>:|?\0]/;

export function assertValidDbName(dbName: string): void {
  if (dbName.length === 0 || Buffer.byteLength(dbName) > 63 || INVALID_DB_NAME.test(dbName)) {
    throw new Error(`Invalid MongoDB database name: ${JSON.stringify(dbName)}`);
  }
}

/** Creates a client for one database. No module singleton: callers own the handle and close it. */
export function createDb(options: CreateDbOptions): Database {
  assertValidDbName(options.dbName);
  const client = new MongoClient(options.uri, { appName: options.appName ?? 'invoice' });
  const db = client.db(options.dbName);
  return { client, db, close: () => client.close() };
}
