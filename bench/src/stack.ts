import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnAuthEmulator, type AuthEmulator } from '@invoice/server';
import { PRODUCTION_NODE_OPTIONS } from '@invoice/server/bundle';
import { bundleChildren } from './bundle.js';
import { secondsSince } from './elapsed.js';
import { spawnBundle, type ChildHandle } from './child.js';
import { PROJECT_ID, type ServerReady } from './server-ready.js';

/**
 * `split`: the embedded database in its own process (as in production, where MongoDB is not
 * inside the API process); `shared`: inside the server process, as the zero-config mode runs it;
 * `external`: MONGODB_URI.
 */
export type Topology = 'split' | 'shared' | 'external';

export interface Stack {
  emulator: AuthEmulator;
  server: ServerReady;
  topology: Topology;
  pids: { server: number; mongo: number | null };
  /** Seconds each start-up step took (the database and the emulator start side by side). */
  phases: StackPhases;
  stop(): Promise<void>;
}

export interface StackPhases {
  bundles: number;
  emulator: number;
  database: number;
  server: number;
}

export interface StackOptions {
  topology: Exclude<Topology, 'external'>;
  externalMongoUri: string | undefined;
  dbName: string;
  logLevel: string;
  verbose: boolean;
  /** Writes a V8 CPU profile of the server child here when it exits. */
  cpuProfileDir?: string | undefined;
  /**
   * Receives `stop` before anything starts, so a signal during the start-up (~15 s, the Auth
   * emulator most of it) can tear down what is already running.
   */
  onStop?: (stop: () => Promise<void>) => void;
  /** The Auth emulator's process is running (it answers some seconds later). */
  onEmulatorSpawned?: (emulator: AuthEmulator) => void;
}

/** Auth emulator, database and the server child; everything torn down by `stop`, even half-started. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const cleanups: (() => Promise<void>)[] = [];
  // Once: a signal handler and the run's own `finally` may both stop the stack.
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
        await cleanup().catch(() => undefined);
      }
    })());
  options.onStop?.(stop);
  /** Registers a cleanup; once the stack is stopping, runs it at once and ends the start-up. */
  const track = (cleanup: () => Promise<void>) => {
    if (stopping === undefined) {
      cleanups.push(cleanup);
      return;
    }
    void cleanup().catch(() => undefined);
    throw new Error('the stack was stopped during its start-up');
  };
  try {
    const phases: StackPhases = { bundles: 0, emulator: 0, database: 0, server: 0 };
    const bundling = performance.now();
    // The children run as bundles, like the production build (bundle.ts).
    const bundles = await bundleChildren();
    phases.bundles = secondsSince(bundling);
    track(() => bundles.remove());
    const uploadDir = await mkdtemp(join(tmpdir(), 'invoice-bench-uploads-'));
    track(() => rm(uploadDir, { recursive: true, force: true }));
    const topology: Topology = options.externalMongoUri ? 'external' : options.topology;
    // --cpu-prof: each child writes its own profile (CPU.<date>.<time>.<pid>...cpuprofile).
    const nodeArgs = options.cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]
      : [];
    const mongo: ChildHandle<{ uri: string }> | null =
      topology === 'split'
        ? spawnBundle(bundles.mongo, {}, { quiet: !options.verbose, nodeArgs })
        : null;
    if (mongo) track(() => mongo.stop());
    const children = performance.now();
    const emulator = await spawnAuthEmulator({
      projectId: PROJECT_ID,
      // It answers ~2-3 s after spawn on an idle 2-core machine (13 s before the firebase-tools
      // patch compiled its schemas lazily); under `pnpm check`'s parallel test load the whole
      // stack-up once took 108 s then, close to the default 120 s. The margin stays.
      timeoutMs: 300_000,
      ...(options.verbose && { onOutput: (line) => process.stderr.write(`[auth] ${line}\n`) }),
    });
    // Tracked before it answers: it does not watch its parent, so nothing else would stop it.
    track(() => emulator.stop());
    options.onEmulatorSpawned?.(emulator);
    await emulator.ready;
    phases.emulator = secondsSince(children);
    const mongoUri = options.externalMongoUri ?? (mongo ? (await mongo.ready).uri : undefined);
    phases.database = secondsSince(children);
    const serverStart = performance.now();
    const server = spawnBundle<ServerReady>(
      bundles.server,
      {
        BENCH_DB_NAME: options.dbName,
        BENCH_UPLOAD_DIR: uploadDir,
        BENCH_LOG_LEVEL: options.logLevel,
        FIREBASE_AUTH_EMULATOR_HOST: emulator.host,
        ...(mongoUri ? { BENCH_MONGO_URI: mongoUri } : {}),
      },
      {
        quiet: !options.verbose,
        // Production's Node options (PRODUCTION_NODE_OPTIONS, apps/server/bundle.ts).
        nodeArgs: [...nodeArgs, ...PRODUCTION_NODE_OPTIONS],
      },
    );
    track(() => server.stop());
    const ready = await server.ready;
    phases.server = secondsSince(serverStart);
    return {
      emulator,
      server: ready,
      topology,
      pids: { server: server.pid, mongo: mongo?.pid ?? null },
      phases,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
