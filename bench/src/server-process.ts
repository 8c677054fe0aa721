/**
 * Child process: the real API (buildApp from @invoice/server, every plugin on), the same app with
 * TRPC_FAST_PATH=false (every tRPC call through the official adapter) and, on a third port, the
 * baselines: a plain Fastify with no plugins, the same
 * MongoDB read without tRPC/auth/validation, and the transport-overhead ladder for a trivial
 * procedure. Only one of them is under load at a time. Reports `{ appUrl, baselineUrl }`.
 */
import {
  appRouter,
  createCaller,
  createContextInner,
  findActiveMembership,
  setOutputChecks,
} from '@invoice/api';
import { createDb, reconcileIndexes, type Database } from '@invoice/db';
import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import { buildApp, createFirebaseVerifier, parseEnv } from '@invoice/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import superjson from 'superjson';
import { z } from 'zod';
import { serveUntilTerminated } from './child.js';
import { PROJECT_ID, type ServerReady } from './server-ready.js';

const childEnv = z
  .object({
    BENCH_MONGO_URI: z.string().optional(),
    BENCH_DB_NAME: z.string().min(1),
    BENCH_UPLOAD_DIR: z.string().min(1),
    BENCH_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'silent']),
    FIREBASE_AUTH_EMULATOR_HOST: z.string().min(1),
  })
  .parse(process.env);

const silent = pino({ level: 'silent' });
const pingInput = z.object({ echo: z.string().max(64).optional() }).optional();

/**
 * MongoDB commands of the one client every server here shares, from driver command monitoring:
 * started by name, and how many are still running (an aggregation in flight sends nothing new
 * for seconds, so "no new command" alone does not mean idle).
 */
function trackCommands(db: Database) {
  const state = { inFlight: 0, startedByName: {} as Record<string, number> };
  db.client.on('commandStarted', (event) => {
    state.inFlight += 1;
    state.startedByName[event.commandName] = (state.startedByName[event.commandName] ?? 0) + 1;
  });
  db.client.on('commandSucceeded', () => (state.inFlight -= 1));
  db.client.on('commandFailed', () => (state.inFlight -= 1));
  return state;
}

/**
 * Driver-measured duration of every MongoDB command (sent → reply, queueing in the database
 * included) and the failed ones, since the harness last reset them: the handbook's
 * "database query p90 < 100 ms" and "database errors < 0.01%" SLOs, per scenario.
 */
function trackCommandDurations(db: Database) {
  let durations: number[] = [];
  let failed = 0;
  db.client.on('commandSucceeded', (event) => durations.push(event.duration));
  db.client.on('commandFailed', (event) => {
    durations.push(event.duration);
    failed += 1;
  });
  return {
    reset: () => {
      durations = [];
      failed = 0;
    },
    summary: () => {
      const sorted = Float64Array.from(durations).sort();
      const at = (q: number) =>
        sorted.length === 0
          ? 0
          : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
      return { commands: sorted.length, failed, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
    },
  };
}

/** Plain Fastify, no plugins, no logger: the floor everything else is compared with. */
async function buildBaseline(db: Database): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 5000 } });
  const commands = trackCommands(db);
  app.get('/bench/db-commands', async () => commands);
  const durations = trackCommandDurations(db);
  app.post('/bench/db-durations/reset', async () => {
    durations.reset();
    return { ok: true };
  });
  app.get('/bench/db-durations', async () => durations.summary());
  // This process's CPU time (µs): the API's cost per request, free of the machine's noise.
  app.get('/bench/cpu', async () => process.cpuUsage());
  app.get('/empty', async () => ({ ok: true }));
  // The same read invoice.byId does (by _id within the org), without tRPC, auth or validation.
  app.get<{ Params: { orgId: string; invoiceId: string } }>(
    '/raw/orgs/:orgId/invoices/:invoiceId',
    async (req, reply) => {
      const doc = await db.collections.invoices.findOne({
        _id: new ObjectId(req.params.invoiceId),
        orgId: new ObjectId(req.params.orgId),
      });
      if (doc === null) return reply.code(404).send({ message: 'not found' });
      return doc;
    },
  );
  // The read invoice.byId really sends: membership, organization and invoice in one aggregate
  // (findActiveMembership with the invoice as subject), without tRPC, token or validation.
  app.get<{ Params: { orgId: string; uid: string; invoiceId: string } }>(
    '/raw/orgs/:orgId/members/:uid/invoices/:invoiceId',
    async (req, reply) => {
      const orgId = new ObjectId(req.params.orgId);
      const user = { uid: req.params.uid, email: null, emailVerified: false };
      const found = await findActiveMembership(db, orgId, user, new Date(), {
        collection: db.collections.invoices,
        filter: { _id: new ObjectId(req.params.invoiceId), orgId },
      });
      if (found?.subject == null) return reply.code(404).send({ message: 'not found' });
      return found.subject;
    },
  );
  // Transport ladder for system.ping (no database).
  app.get('/transport/plain', async () => ({ ok: true, time: new Date() }));
  app.get<{ Querystring: { input?: string } }>('/transport/zod-superjson', async (req, reply) => {
    const raw: unknown = req.query.input === undefined ? undefined : JSON.parse(req.query.input);
    pingInput.parse(raw === undefined ? undefined : superjson.deserialize(raw as never));
    return reply
      .type('application/json')
      .send(superjson.stringify({ result: { data: { ok: true, time: new Date() } } }));
  });
  app.get('/transport/caller', async (_req, reply) => {
    const caller = createCaller(createContextInner({ db, log: silent, user: null }));
    const data = await caller.system.ping();
    return reply.type('application/json').send(superjson.stringify({ result: { data } }));
  });
  await app.register(fastifyTRPCPlugin, {
    prefix: '/transport/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: () => createContextInner({ db, log: silent, user: null }),
    },
  });
  return app;
}

const embedded = childEnv.BENCH_MONGO_URI === undefined ? await startEmbeddedMongo() : null;
const db = createDb({
  uri: childEnv.BENCH_MONGO_URI ?? embedded?.uri ?? '',
  dbName: childEnv.BENCH_DB_NAME,
  appName: 'invoice-bench-server',
  monitorCommands: true, // as main.ts: /metrics records MongoDB command durations
});
await reconcileIndexes(db.db);
/** The real app's configuration; `fastPath: false` serves every tRPC call through the official adapter. */
function appConfig(fastPath: boolean) {
  return parseEnv({
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: childEnv.BENCH_LOG_LEVEL,
    FIREBASE_PROJECT_ID: PROJECT_ID,
    FIREBASE_AUTH_EMULATOR_HOST: childEnv.FIREBASE_AUTH_EMULATOR_HOST,
    UPLOAD_DIR: childEnv.BENCH_UPLOAD_DIR,
    MIN_FREE_DISK_BYTES: '1',
    // One user drives every request; the default per-uid budget (600/min) would answer 429.
    RATE_LIMIT_PER_MINUTE: '1000000',
    TRPC_FAST_PATH: String(fastPath),
    // Production's default (development's is true): outputs are checked by the test suites.
    VALIDATE_OUTPUT: 'false',
  });
}
const config = appConfig(true);
// As main.ts does at boot.
setOutputChecks(config.VALIDATE_OUTPUT);
const verifier = createFirebaseVerifier(PROJECT_ID);
const app = await buildApp({ config, db, verifier, logging: { pretty: false } });
const appOfficial = await buildApp({
  config: appConfig(false),
  db,
  verifier,
  logging: { pretty: false },
});
const baseline = await buildBaseline(db);
const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
const appOfficialUrl = await appOfficial.listen({ host: '127.0.0.1', port: 0 });
const baselineUrl = await baseline.listen({ host: '127.0.0.1', port: 0 });

const ready: ServerReady = {
  appUrl,
  appOfficialUrl,
  baselineUrl,
  mongoUri: childEnv.BENCH_MONGO_URI ?? embedded?.uri ?? '',
};
serveUntilTerminated(ready, async () => {
  await app.close();
  await appOfficial.close();
  await baseline.close();
  await db.close();
  await embedded?.stop();
});
