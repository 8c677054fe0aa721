/**
 * `pnpm bench`: load benchmark of the real server (buildApp, every plugin) on the embedded
 * MongoDB-compatible engine with real Firebase Auth emulator tokens, next to a plain-Fastify
 * floor, a raw MongoDB route and the tRPC transport ladder. Prints a table, ratios and SLO
 * verdicts; writes results/<timestamp>.json, .md and .png.
 *
 * Process split (2 cores): this process only generates load (autocannon); the API and the
 * baselines run in one child process, the database in another (`--topology split`, default) or
 * inside the API process (`--topology shared`, as the zero-config mode runs). Nothing is pinned.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { constants as osConstants, cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '@invoice/db';
import { emulatorSignIn } from '@invoice/server';
import { z } from 'zod';
import { latencyChartSvg, svgToPng } from './chart.js';
import {
  commandsPerRequest,
  dbCommands,
  dbDurations,
  serverCpuMicros,
  resetDbDurations,
  waitForQuiet,
} from './db-commands.js';
import { secondsSince } from './elapsed.js';
import { runLoad, type HttpRequest } from './load.js';
import { renderConsole, renderMarkdown } from './markdown.js';
import { measurePaired, type PairedRatio } from './paired.js';
import { processCpuMicros } from './process-cpu.js';
import {
  benchReportSchema,
  computeRatios,
  judgeSlos,
  type BenchReport,
  type ScenarioResult,
} from './results.js';
import { buildScenarios, UPLOAD_SCENARIO, type Scenario } from './scenarios.js';
import { seed } from './seed.js';
import { PROJECT_ID } from './server-ready.js';
import { startStack } from './stack.js';

const HELP = `Usage: pnpm bench [options]
  --connections N         concurrent connections (default 32)
  --upload-connections N  connections for the 10 MB upload scenario (default 4)
  --report-connections N  connections for report.summary (default 4; a capacity row runs it at --connections too)
  --duration S            measured seconds per scenario (default 10; --quick: 3)
  --warmup S              unmeasured seconds before each scenario and each paired run
                          (default 2; --quick: 1)
  --quick                 short run
  --only a,b              run only these scenario ids (prefixes allowed: "transport.")
  --invoices N            invoices seeded in the org (default 10000)
  --topology split|shared database in its own process (default) or inside the API process
  --log-level L           server log level (default warn; info logs two lines per request)
  --out DIR               results directory (default bench/results)
  --verbose               show the children's output
  --cpu-prof              V8 CPU profiles of the server and database children, beside the results
  --paired-rounds N       after the scenarios, run invoice.byId and the raw MongoDB route back to
                          back N times, alternating the order (even; default 24, 0: off); the
                          throughput-ratio verdict uses the geometric mean of these pairs
  --paired-duration S     seconds per run of a pair, fresh ones too (default: the smaller of
                          --duration and 1.5)
  --fresh-paired-rounds N the same pairs on the freshly seeded server, before the scenarios (even;
                          default 8, --quick: 0, 0: off); reported beside the verdict, not judged
Uses MONGODB_URI instead of the embedded engine when set.`;

// `pnpm bench -- --quick` hands the script a literal "--" first.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    connections: { type: 'string' },
    'upload-connections': { type: 'string' },
    'report-connections': { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    invoices: { type: 'string' },
    topology: { type: 'string' },
    'log-level': { type: 'string' },
    out: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'paired-rounds': { type: 'string' },
    'paired-duration': { type: 'string' },
    'fresh-paired-rounds': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const positiveInt = z.coerce.number().int().positive();
const seconds = z.coerce.number().min(0).max(3_600);
const evenRounds = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .refine((n) => n % 2 === 0, 'must be even (the order alternates)')
    .default(fallback);
const options = z
  .object({
    connections: positiveInt.max(1_000).default(32),
    uploadConnections: positiveInt.max(100).default(4),
    reportConnections: positiveInt.max(1_000).default(4),
    duration: seconds.min(0.5).default(values.quick ? 3 : 10),
    warmup: seconds.default(values.quick ? 1 : 2),
    only: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .optional(),
    invoices: positiveInt.max(1_000_000).default(10_000),
    topology: z.enum(['split', 'shared']).default('split'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'silent']).default('warn'),
    out: z.string().default(resolve(import.meta.dirname, '../results')),
    pairedRounds: evenRounds(24),
    freshPairedRounds: evenRounds(values.quick ? 0 : 8),
    pairedDuration: seconds.min(0.5).optional(),
  })
  .parse({
    connections: values.connections,
    uploadConnections: values['upload-connections'],
    reportConnections: values['report-connections'],
    duration: values.duration,
    warmup: values.warmup,
    only: values.only,
    invoices: values.invoices,
    topology: values.topology,
    logLevel: values['log-level'],
    out: values.out,
    pairedRounds: values['paired-rounds'],
    freshPairedRounds: values['fresh-paired-rounds'],
    pairedDuration: values['paired-duration'],
  });

const UPLOAD_BYTES = 10_000_000; // 10 MB, under the default 10 MiB UPLOAD_MAX_BYTES
const log = (line: string) => process.stderr.write(`${line}\n`);

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function selected(scenario: Scenario): boolean {
  return (
    !options.only ||
    options.only.some(
      (id) => scenario.id === id || (id.endsWith('.') && scenario.id.startsWith(id)),
    )
  );
}

const PROBE_REQUESTS = 3;

/** The acceptance's throughput ratio, also measured in alternating back-to-back pairs. */
const PAIRED = {
  name: 'invoice.byId / raw MongoDB route (paired runs)',
  numerator: 'invoice.byId',
  denominator: 'raw.mongo.findOne',
};
const PAIRED_FRESH_NAME = 'invoice.byId / raw MongoDB route (fresh server pairs)';

/**
 * A few sequential requests before the load: a harness mistake fails loudly here with the
 * server's answer, and with nothing else in flight the MongoDB commands counted on the server
 * divide exactly by the requests made.
 */
async function probe(base: string, baselineUrl: string, scenario: Scenario) {
  await waitForQuiet(baselineUrl);
  const before = await dbCommands(baselineUrl);
  for (let i = 0; i < PROBE_REQUESTS; i++) {
    const req: HttpRequest =
      typeof scenario.request === 'function' ? scenario.request() : scenario.request;
    const res = await fetch(`${base}${req.path}`, {
      method: req.method,
      headers: req.headers ?? {},
      body: req.body ?? null,
    });
    const text = await res.text();
    if (!res.ok) {
      throw new Error(`${scenario.id}: probe answered ${res.status}: ${text.slice(0, 500)}`);
    }
  }
  await waitForQuiet(baselineUrl);
  return commandsPerRequest(before, await dbCommands(baselineUrl), PROBE_REQUESTS);
}

const startedAt = new Date();
const commit = gitCommit();
const loadAverageAtStart = loadavg().map((n) => Number(n.toFixed(2)));
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const dbName = `bench_${startedAt.getTime()}`;
// SIGTERM (a timeout, a supervisor) or SIGINT ends the run with the children stopped first,
// during the start-up too. Without this, the Auth emulator (which does not watch its parent)
// outlived a bench killed by the smoke test's timeout.
let stopStack: () => Promise<void> = () => Promise.resolve();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the database, the server and the Auth emulator`);
    void stopStack().finally(() => process.exit(128 + osConstants.signals[signal]));
  });
}
log(`starting the Auth emulator, the database and the server (${options.topology})...`);
const stackStart = performance.now();
const stack = await startStack({
  topology: options.topology,
  externalMongoUri: process.env.MONGODB_URI,
  dbName,
  logLevel: options.logLevel,
  verbose: values.verbose,
  cpuProfileDir: values['cpu-prof'] ? join(options.out, `${stamp}-cpuprofile`) : undefined,
  onStop: (stop) => (stopStack = stop),
  onEmulatorSpawned: (emulator) =>
    log(`Auth emulator starting at ${emulator.host} (pid ${emulator.pid ?? 'unknown'})`),
});
const stackStartSeconds = secondsSince(stackStart);
const { phases } = stack;
log(
  `stack up in ${stackStartSeconds} s (bundles ${phases.bundles} s, Auth emulator ${phases.emulator} s, ` +
    `database ready after ${phases.database} s, server ${phases.server} s); ` +
    `Auth emulator at ${stack.emulator.host}`,
);
let exitCode = 0;
try {
  const db = createDb({ uri: stack.server.mongoUri, dbName });
  try {
    const user = await emulatorSignIn(stack.emulator.host, PROJECT_ID, 'bench-owner@example.test');
    log(`seeding ${options.invoices} invoices...`);
    const seedStart = performance.now();
    const seeded = await seed(db, user, options.invoices, log);
    const seedSeconds = secondsSince(seedStart);
    log(`seeded ${seeded.invoiceCount} invoices in ${seedSeconds} s`);

    const scenarios = buildScenarios({
      seeded,
      uid: user.uid,
      idToken: user.idToken,
      uploadBytes: UPLOAD_BYTES,
      uploadConnections: options.uploadConnections,
      reportConnections: options.reportConnections,
      connections: options.connections,
    }).filter(selected);
    if (scenarios.length === 0) throw new Error(`no scenario matches --only ${values.only}`);
    const urlOf = (scenario: Scenario) =>
      ({
        app: stack.server.appUrl,
        appOfficial: stack.server.appOfficialUrl,
        baseline: stack.server.baselineUrl,
      })[scenario.target];
    const results: ScenarioResult[] = [];
    const base = stack.server.baselineUrl;
    // The database child's CPU (split topology on Linux; null otherwise).
    const dbPid = stack.pids.mongo;
    const dbCpuMicros = () => (dbPid === null ? Promise.resolve(null) : processCpuMicros(dbPid));
    /** CPU µs per request over one measured run, from two readings; null if either is missing. */
    const cpuPerRequest = (before: number | null, after: number | null, requests: number) =>
      before === null || after === null || requests === 0
        ? null
        : Math.round((after - before) / requests);
    /**
     * One measured run of a scenario, as the table and every paired run take it: the unmeasured
     * warm-up (without it, a byId run right after a raw run cost ~50 µs more API CPU per request
     * than the next byId run did), quiet, the run, quiet again (requests autocannon abandoned
     * finish first), and the server's and the database's CPU per answered request.
     */
    async function measuredRun(scenario: Scenario, durationSeconds: number) {
      const url = urlOf(scenario);
      const connections = scenario.connections ?? options.connections;
      if (options.warmup > 0) {
        await runLoad({
          url,
          connections,
          durationSeconds: options.warmup,
          request: scenario.request,
        });
      }
      await waitForQuiet(base);
      await resetDbDurations(base);
      const cpuBefore = await serverCpuMicros(base);
      const dbCpuBefore = await dbCpuMicros();
      const result = await runLoad({
        url,
        connections,
        durationSeconds,
        request: scenario.request,
      });
      await waitForQuiet(base);
      return {
        result,
        connections,
        serverCpuUsPerRequest:
          cpuPerRequest(cpuBefore, await serverCpuMicros(base), result.requests) ?? 0,
        databaseCpuUsPerRequest: cpuPerRequest(dbCpuBefore, await dbCpuMicros(), result.requests),
      };
    }
    const pairSubject = scenarios.find((s) => s.id === PAIRED.numerator);
    const pairBaseline = scenarios.find((s) => s.id === PAIRED.denominator);
    /** invoice.byId and the raw route in alternating back-to-back pairs (see paired.ts). */
    async function measurePairs(
      when: PairedRatio['when'],
      rounds: number,
    ): Promise<PairedRatio | null> {
      if (rounds === 0 || !pairSubject || !pairBaseline) return null;
      // On the fresh server the two scenarios have not been probed yet: probe them first, so a
      // harness mistake still fails with the server's answer.
      if (when === 'fresh') {
        for (const scenario of [pairBaseline, pairSubject]) {
          await probe(urlOf(scenario), base, scenario);
        }
      }
      const secondsPerRun = options.pairedDuration ?? Math.min(options.duration, 1.5);
      const name = when === 'fresh' ? PAIRED_FRESH_NAME : PAIRED.name;
      log(`${name}: ${rounds} paired runs of ${secondsPerRun} s...`);
      const paired = await measurePaired(rounds, async (which) => {
        const scenario = which === 'baseline' ? pairBaseline : pairSubject;
        const { result, serverCpuUsPerRequest, databaseCpuUsPerRequest } = await measuredRun(
          scenario,
          secondsPerRun,
        );
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(
            `${scenario.id}: ${result.non2xx} non-2xx and ${result.errors} errors in a paired run`,
          );
        }
        log(
          `  ${scenario.id.padEnd(30)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  cpu µs ${serverCpuUsPerRequest}  db cpu µs ${databaseCpuUsPerRequest ?? '-'}`,
        );
        return result.requestsPerSecond;
      });
      return { ...PAIRED, name, when, secondsPerRun, ...paired };
    }
    // Before any scenario: the same pairs on a server that has served nothing else yet.
    const fresh = await measurePairs('fresh', options.freshPairedRounds);
    for (const scenario of scenarios) {
      const perRequest = await probe(urlOf(scenario), base, scenario);
      const run = await measuredRun(scenario, options.duration);
      const { result } = run;
      const dbTimes = await dbDurations(base);
      log(
        `${scenario.id.padEnd(32)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.latencyMs.p50} p95 ${result.latencyMs.p95} p99 ${result.latencyMs.p99} ms  non-2xx ${result.non2xx}`,
      );
      results.push({
        dbCommandsPerRequest: perRequest.total,
        dbCommandsByName: perRequest.byCommand,
        dbCommandMs: { p50: dbTimes.p50, p90: dbTimes.p90, p99: dbTimes.p99 },
        dbCommands: dbTimes.commands,
        dbCommandsFailed: dbTimes.failed,
        serverCpuUsPerRequest: run.serverCpuUsPerRequest,
        databaseCpuUsPerRequest: run.databaseCpuUsPerRequest,
        id: scenario.id,
        group: scenario.group,
        description: scenario.description,
        connections: run.connections,
        ...result,
      });
    }
    const afterScenarios = await measurePairs('afterScenarios', options.pairedRounds);
    const pairedRatios = [afterScenarios, fresh].filter((r): r is PairedRatio => r !== null);
    if (db.db.databaseName !== '') await db.db.dropDatabase().catch(() => undefined);

    const ratios = computeRatios(results);
    const cpu = cpus()[0];
    const report: BenchReport = benchReportSchema.parse({
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      gitCommit: commit,
      machine: {
        cpus: cpus().length,
        cpuModel: cpu?.model.trim() ?? 'unknown',
        totalMemoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        loadAverageAtStart,
      },
      settings: {
        connections: options.connections,
        uploadConnections: options.uploadConnections,
        reportConnections: options.reportConnections,
        durationSeconds: options.duration,
        warmupSeconds: options.warmup,
        invoices: options.invoices,
        uploadBytes: UPLOAD_BYTES,
        topology: stack.topology,
        logLevel: options.logLevel,
      },
      seed: {
        invoiceCount: seeded.invoiceCount,
        drafts: seeded.draftIds.length,
        open: seeded.openIds.length,
        listPages: seeded.listCursors.length,
      },
      timings: {
        stackStartSeconds,
        seedSeconds,
        totalSeconds: Number(((Date.now() - startedAt.getTime()) / 1000).toFixed(1)),
      },
      scenarios: results,
      ratios,
      pairedRatios,
      slos: judgeSlos(results, ratios, options.connections, UPLOAD_SCENARIO, pairedRatios),
    });
    await mkdir(options.out, { recursive: true });
    const png = svgToPng(
      latencyChartSvg(
        results,
        `Latency percentiles, ${options.connections} connections (${report.gitCommit ?? ''})`,
      ),
    );
    await writeFile(join(options.out, `${stamp}.png`), png);
    await writeFile(join(options.out, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(options.out, `${stamp}.md`), renderMarkdown(report, `${stamp}.png`));
    process.stdout.write(`\n${renderConsole(report)}`);
    log(`wrote ${join(options.out, stamp)}.{json,md,png}`);
  } finally {
    await db.close();
  }
} catch (error) {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await stack.stop();
}
process.exit(exitCode);
