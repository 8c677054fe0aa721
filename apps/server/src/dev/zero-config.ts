import { resolve } from 'node:path';
import { DEMO_ORG_NAME, seedDemo } from '@invoice/api';
import type { Database } from '@invoice/db';
import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../env.js';
import { spawnAuthEmulator, type AuthEmulator } from './auth-emulator.js';
import { removeDevSession, writeDevSession } from './dev-session.js';
import { emulatorEnsureUser } from './emulator-tokens.js';

/**
 * Zero-config mode: whatever is not configured runs embedded on this machine. Loaded by
 * main.ts through a dynamic import only when needed, so a production process (and the
 * production bundle's entry chunk) never loads the embedded database or the emulator launcher.
 */

/** The demo user of a fresh zero-config server; a fixed uid keeps it across emulator restarts. */
export const DEMO_USER = { uid: 'zero-config-demo-user', email: 'demo@example.com' } as const;

/**
 * The pinned pnpm the README uses, so the printed command works without a global pnpm; `-s`
 * keeps pnpm's script banner out of stdout, which `TOKEN=$(...)` captures.
 */
const PNPM = 'npx pnpm@10.34.9 -s';

export interface ZeroConfigServices {
  /** The embedded database's URI, or null when MONGODB_URI is configured. */
  mongoUri: string | null;
  /** The Auth emulator this process spawned (it may still be booting), or null. */
  emulator: AuthEmulator | null;
  stop(): Promise<void>;
}

/** Starts the embedded database (no MONGODB_URI) and the Auth emulator (none configured). */
export async function startZeroConfigServices(config: Config): Promise<ZeroConfigServices> {
  const emulator =
    config.NODE_ENV !== 'production' && !config.FIREBASE_AUTH_EMULATOR_HOST
      ? await spawnAuthEmulator({ projectId: config.FIREBASE_PROJECT_ID })
      : null;
  try {
    const mongo = config.MONGODB_URI
      ? null
      : await startEmbeddedMongo({ dbPath: resolve(config.DATA_DIR, 'mongo') });
    return {
      mongoUri: mongo?.uri ?? null,
      emulator,
      stop: async () => {
        await removeDevSession(config.DATA_DIR, process.pid).catch(() => undefined);
        await mongo?.stop().catch(() => undefined);
        await emulator?.stop().catch(() => undefined);
      },
    };
  } catch (error) {
    await emulator?.stop();
    throw error;
  }
}

/** Single-quotes a value for a POSIX shell when it needs it. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The one-line token command. `pnpm id-token` runs in apps/server and reads its DATA_DIR
 * (default `.data`); a server started elsewhere (e.g. `node apps/server/dist/main.js` from the
 * repository root) names its data directory in the command.
 */
export function tokenCommand(email: string, dataDir: string, serverDir: string): string {
  const absolute = resolve(dataDir);
  const prefix =
    absolute === resolve(serverDir, '.data') ? '' : `DATA_DIR=${shellQuote(absolute)} `;
  return `${prefix}${PNPM} id-token ${email}`;
}

export interface AnnounceOptions {
  config: Config;
  services: ZeroConfigServices;
  db: Database;
  /** What `app.listen` answered, e.g. `http://127.0.0.1:3000`. */
  address: string;
  /** apps/server, where `pnpm id-token` runs. */
  serverDir: string;
  log: FastifyBaseLogger;
}

/**
 * After listening: writes the dev session for `pnpm id-token`, and once the emulator answers,
 * on the embedded database only (never with MONGODB_URI), makes sure the demo user and its demo
 * organization exist (idempotent: nothing is written on later runs), then logs the ready line
 * with the URL and the token command. Failures are logged; the server keeps serving.
 */
export async function announceZeroConfig(options: AnnounceOptions): Promise<void> {
  const { config, services, address, log } = options;
  const emulatorHost = services.emulator?.host ?? config.FIREBASE_AUTH_EMULATOR_HOST;
  if (services.mongoUri)
    log.info(
      { mongo: services.mongoUri, dataDir: resolve(config.DATA_DIR, 'mongo') },
      'embedded MongoDB-compatible server',
    );
  if (!emulatorHost) return;
  if (services.emulator || services.mongoUri) {
    await writeDevSession(config.DATA_DIR, {
      apiUrl: `${address}/trpc`,
      authEmulatorHost: emulatorHost,
      projectId: config.FIREBASE_PROJECT_ID,
      ...(services.mongoUri && { mongoUri: services.mongoUri }),
      uploadDir: resolve(config.UPLOAD_DIR),
      pid: process.pid,
    });
  }
  if (services.emulator) {
    try {
      await services.emulator.ready;
    } catch (error) {
      log.error({ err: error }, 'Firebase Auth emulator failed to start');
      return;
    }
  }
  let email = 'you@example.com';
  let demo = '';
  if (services.mongoUri) {
    try {
      const user = await emulatorEnsureUser(emulatorHost, config.FIREBASE_PROJECT_ID, DEMO_USER);
      const seeded = await seedDemo({
        db: options.db,
        user: { uid: user.uid, email: user.email, emailVerified: true },
      });
      email = user.email;
      demo = seeded.created
        ? ` | demo data created: "${DEMO_ORG_NAME}" with ${seeded.customers} customers and ${seeded.invoices} invoices, owned by ${email}`
        : ` | demo data: "${DEMO_ORG_NAME}", owned by ${email}`;
    } catch (error) {
      log.error({ err: error }, 'demo data could not be created; the server runs without it');
    }
  }
  const command = tokenCommand(email, config.DATA_DIR, options.serverDir);
  log.info(
    { url: address, authEmulator: emulatorHost, tokenCommand: command },
    `ready: ${address}${demo} | get a token: TOKEN=$(${command}) | then: curl -H "Authorization: Bearer $TOKEN" ${address}/trpc/organization.list`,
  );
}
