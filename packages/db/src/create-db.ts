import { MongoClient, type Db } from 'mongodb';
import { getCollections, type Collections } from './collections/index.js';

export interface CreateDbOptions {
  uri: string;
  dbName: string;
  /** Name reported to the server in the handshake (shows up in server logs). */
  appName?: string;
  /** Driver command monitoring (metrics). */
  monitorCommands?: boolean;
  serverSelectionTimeoutMS?: number;
  /**
   * Bound on opening a connection and on each server monitor check (the driver's default is
   * 30 s). It decides how soon a database that stops answering without closing its sockets
   * (frozen, or a network path that drops packets) is noticed: the monitor's check then fails
   * after this plus the 10 s heartbeat wait, the pool is cleared and the operations waiting on
   * it fail with a network error.
   */
  connectTimeoutMS?: number;
}

export interface Database {
  client: MongoClient;
  db: Db;
  collections: Collections;
  close(): Promise<void>;
}

const INVALID_DB_NAME = /[/\\. "$*<>:|?\0]/;

export function assertValidDbName(dbName: string): void {
  if (dbName.length === 0 || Buffer.byteLength(dbName) > 63 || INVALID_DB_NAME.test(dbName)) {
    throw new Error(`Invalid MongoDB database name: ${JSON.stringify(dbName)}`);
  }
}

/**
 * Creates a client for one database with majority writes. No module singleton: callers
 * (server, CLI, each test) own the handle and close it.
 */
export function createDb(options: CreateDbOptions): Database {
  assertValidDbName(options.dbName);
  const client = new MongoClient(options.uri, {
    appName: options.appName ?? 'invoice',
    writeConcern: { w: 'majority' },
    retryWrites: true,
    monitorCommands: options.monitorCommands ?? false,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
    ...(options.connectTimeoutMS !== undefined && { connectTimeoutMS: options.connectTimeoutMS }),
  });
  const db = client.db(options.dbName);
  return { client, db, collections: getCollections(db), close: () => client.close() };
}
