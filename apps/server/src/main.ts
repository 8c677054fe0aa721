import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setOutputChecks } from '@invoice/api';
import { createDb, reconcileIndexes } from '@invoice/db';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { createFirebaseVerifier } from './auth/token-verifier.js';
import { ConfigError, EXIT_INVALID_CONFIG, parseEnv, type Config } from './env.js';

/** apps/server: this file is src/main.ts under tsx and dist/main.js in the bundle. */
const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));

function loadConfig(): Config {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_INVALID_CONFIG);
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
  // Process-wide (tRPC gives an output parser the value alone): see packages/api/src/output.ts.
  setOutputChecks(config.VALIDATE_OUTPUT);
  await mkdir(config.DATA_DIR, { recursive: true });

  // Zero-config mode: whatever is not configured runs embedded on this machine. Loaded only
  // when needed, so production never loads the embedded database or the emulator launcher.
  const needsDevServices =
    !config.MONGODB_URI ||
    (config.NODE_ENV !== 'production' && !config.FIREBASE_AUTH_EMULATOR_HOST);
  const zeroConfig = needsDevServices ? await import('./dev/zero-config.js') : null;
  const services = zeroConfig ? await zeroConfig.startZeroConfigServices(config) : null;
  if (services) cleanups.push(() => services.stop());
  if (services?.emulator) {
    // firebase-admin reads this variable itself; this is the process edge, so set it here.
    process.env.FIREBASE_AUTH_EMULATOR_HOST = services.emulator.host;
  }

  const db = createDb({
    uri: config.MONGODB_URI ?? services?.mongoUri ?? '',
    dbName: config.MONGODB_DB,
    appName: 'invoice-server',
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: config.MONGODB_CONNECT_TIMEOUT_MS,
    monitorCommands: true, // MongoDB command durations for /metrics
  });
  await reconcileIndexes(db.db);
  await mkdir(config.UPLOAD_DIR, { recursive: true });
  const app = await buildApp({
    config,
    db,
    verifier: createFirebaseVerifier(config.FIREBASE_PROJECT_ID, {
      timeoutMs: config.AUTH_VERIFY_TIMEOUT_MS,
    }),
    logging: { pretty: process.stdout.isTTY && config.NODE_ENV !== 'production' },
  });

  // SIGTERM/SIGINT: readiness 503, optional drain delay, stop accepting, finish in-flight
  // requests, close MongoDB and the embedded services, flush logs, exit 0. A second signal or
  // the timeout exits at once, non-zero.
  // The drain delay comes first, then up to SHUTDOWN_TIMEOUT_MS for the rest (the documented
  // stop budget is their sum): a delay inside the timeout killed a clean shutdown.
  const shutdownBudget = config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS;
  closeWithGrace({ delay: shutdownBudget }, async ({ signal, err }) => {
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
  if (zeroConfig && services)
    void zeroConfig.announceZeroConfig({
      config,
      services,
      db,
      address,
      serverDir: SERVER_DIR,
      log: app.log,
    });
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
