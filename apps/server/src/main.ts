import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDb, reconcileIndexes } from '@invoice/db';
import closeWithGrace from 'close-with-grace';
import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import { buildApp } from './app.js';
import { createFirebaseVerifier } from './auth/token-verifier.js';
import { spawnAuthEmulator } from './dev/auth-emulator.js';
import { writeDevSession } from './dev/dev-session.js';
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

const cleanups: (() => Promise<void>)[] = [];

async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}

async function main(): Promise<void> {
  const config = loadConfig();
  await mkdir(config.DATA_DIR, { recursive: true });

  // Zero-config mode: whatever is not configured runs embedded on this machine.
  const emulator =
    config.NODE_ENV !== 'production' && !config.FIREBASE_AUTH_EMULATOR_HOST
      ? await spawnAuthEmulator({ projectId: config.FIREBASE_PROJECT_ID })
      : null;
  if (emulator) {
    cleanups.push(() => emulator.stop());
    // firebase-admin reads this variable itself; this is the process edge, so set it here.
    process.env.FIREBASE_AUTH_EMULATOR_HOST = emulator.host;
  }
  const mongo = config.MONGODB_URI
    ? null
    : await startEmbeddedMongo({ dbPath: resolve(config.DATA_DIR, 'mongo') });
  if (mongo) cleanups.push(() => mongo.stop());

  const db = createDb({
    uri: config.MONGODB_URI ?? mongo?.uri ?? '',
    dbName: config.MONGODB_DB,
    appName: 'invoice-server',
    monitorCommands: true, // MongoDB command durations for /metrics
  });
  await reconcileIndexes(db.db);
  await mkdir(config.UPLOAD_DIR, { recursive: true });
  const app = await buildApp({
    config,
    db,
    verifier: createFirebaseVerifier(config.FIREBASE_PROJECT_ID),
    logging: { pretty: process.stdout.isTTY && config.NODE_ENV !== 'production' },
  });

  // SIGTERM/SIGINT: readiness 503, optional drain delay, stop accepting, finish in-flight
  // requests, close MongoDB and the embedded services, flush logs, exit 0. A second signal or
  // the timeout exits at once, non-zero.
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal }, 'shutting down');
    app.markShuttingDown();
    if (config.SHUTDOWN_DELAY_MS > 0)
      await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS));
    await app.close();
    await db.close();
    await runCleanups();
    app.log.info('shutdown complete');
  });

  const address = await app.listen({ host: config.HOST, port: config.PORT });
  if (mongo)
    app.log.info(
      { mongo: mongo.uri, dataDir: join(config.DATA_DIR, 'mongo') },
      'embedded MongoDB-compatible server',
    );
  if (emulator) {
    await writeDevSession(config.DATA_DIR, {
      apiUrl: `${address}/trpc`,
      authEmulatorHost: emulator.host,
      projectId: config.FIREBASE_PROJECT_ID,
    });
    emulator.ready.then(
      () =>
        app.log.info(
          { authEmulator: emulator.host },
          `ready: get a token with "pnpm id-token you@example.com", then curl -H "Authorization: Bearer <token>" ${address}/trpc/organization.list`,
        ),
      (error: unknown) => app.log.error({ err: error }, 'Firebase Auth emulator failed to start'),
    );
  }
}

try {
  await main();
} catch (error) {
  // Never leave the embedded database or the emulator running behind a failed start.
  process.stderr.write(
    `Server failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  await runCleanups();
  process.exit(1);
}
