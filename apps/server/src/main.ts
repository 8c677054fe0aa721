import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDb, reconcileIndexes } from '@invoice/db';
import { startEmbeddedMongo, type EmbeddedMongo } from '@invoice/mongo-embedded';
import { buildApp } from './app.js';
import { createFirebaseVerifier } from './auth/token-verifier.js';
import { startAuthEmulator, type AuthEmulator } from './dev/auth-emulator.js';
import { ConfigError, parseEnv, type Config } from './env.js';

function loadConfig(): Config {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const cleanups: (() => Promise<void>)[] = [];

  // Zero-config mode: whatever is not configured runs embedded on this machine.
  const [mongo, emulator] = await Promise.all([
    config.MONGODB_URI
      ? Promise.resolve<EmbeddedMongo | null>(null)
      : mkdir(join(config.DATA_DIR, 'mongo'), { recursive: true }).then(() =>
          startEmbeddedMongo({ dbPath: resolve(config.DATA_DIR, 'mongo') }),
        ),
    config.NODE_ENV !== 'production' && !config.FIREBASE_AUTH_EMULATOR_HOST
      ? startAuthEmulator({ projectId: config.FIREBASE_PROJECT_ID })
      : Promise.resolve<AuthEmulator | null>(null),
  ]);
  if (mongo) cleanups.push(() => mongo.stop());
  if (emulator) {
    cleanups.push(() => emulator.stop());
    // firebase-admin reads this variable itself; this is the process edge, so set it here.
    process.env.FIREBASE_AUTH_EMULATOR_HOST = emulator.host;
  }

  const db = createDb({
    uri: config.MONGODB_URI ?? mongo?.uri ?? '',
    dbName: config.MONGODB_DB,
    appName: 'invoice-server',
  });
  await reconcileIndexes(db.db);
  await mkdir(config.UPLOAD_DIR, { recursive: true });
  const app = await buildApp({
    config,
    db,
    verifier: createFirebaseVerifier(config.FIREBASE_PROJECT_ID),
  });

  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));

  await app.listen({ host: config.HOST, port: config.PORT });
  if (mongo || emulator) {
    app.log.info(
      {
        mongo: mongo
          ? `embedded at ${mongo.uri} (data in ${join(config.DATA_DIR, 'mongo')})`
          : 'MONGODB_URI',
        authEmulator: emulator?.host ?? config.FIREBASE_AUTH_EMULATOR_HOST ?? null,
      },
      'zero-config mode',
    );
  }
}

await main();
