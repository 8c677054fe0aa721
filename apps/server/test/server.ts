import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, reconcileIndexes, type Database } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../src/app.js';
import { createFirebaseVerifier } from '../src/auth/token-verifier.js';
import { emulatorSignIn, type EmulatorUser } from '../src/dev/emulator-tokens.js';
import { parseEnv, type Config } from '../src/env.js';
import type { LoggingOptions } from '../src/logger.js';

export const PROJECT_ID = 'demo-invoices';

export interface TestServer {
  app: FastifyInstance;
  db: Database;
  config: Config;
  /** A real emulator user with a fresh ID token. */
  signIn(email: string, options?: { emailVerified?: boolean }): Promise<EmulatorUser>;
  close(): Promise<void>;
}

/** The real app on a fresh database, verifying real Auth-emulator tokens. */
export async function startTestServer(
  suite: string,
  env: Record<string, string> = {},
  logging: LoggingOptions = {},
): Promise<TestServer> {
  const emulatorHost = inject('firebaseAuthEmulatorHost');
  process.env.FIREBASE_AUTH_EMULATOR_HOST = emulatorHost;
  const uploadDir = await mkdtemp(join(tmpdir(), `invoice-${suite}-uploads-`));
  const config = parseEnv({
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    FIREBASE_PROJECT_ID: PROJECT_ID,
    UPLOAD_DIR: uploadDir,
    MIN_FREE_DISK_BYTES: '1',
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: '2000',
    // Every emulator-mode verification is an HTTP call to the emulator; on a loaded CI machine
    // the 5 s production bound turned a slow answer into a 503 (seen once in 20 requests).
    AUTH_VERIFY_TIMEOUT_MS: '30000',
    ...env,
  });
  const db = createDb({
    uri: env.MONGODB_URI ?? inject('mongoUri'),
    dbName: testDatabaseName(suite),
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: config.MONGODB_CONNECT_TIMEOUT_MS,
    monitorCommands: true,
  });
  await reconcileIndexes(db.db);
  const app = await buildApp({
    config,
    db,
    verifier: createFirebaseVerifier(PROJECT_ID, { timeoutMs: config.AUTH_VERIFY_TIMEOUT_MS }),
    logging,
  });
  await app.ready();
  return {
    app,
    db,
    config,
    signIn: (email, options) => emulatorSignIn(emulatorHost, PROJECT_ID, email, options),
    close: async () => {
      await app.close();
      await db.db.dropDatabase();
      await db.close();
      await rm(uploadDir, { recursive: true, force: true });
    },
  };
}
