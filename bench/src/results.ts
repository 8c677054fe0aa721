import { z } from 'zod';
import { pairedRatioSchema, type PairedRatio } from './paired.js';

const latency = z.object({
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
});

export const scenarioResultSchema = z.object({
  id: z.string(),
  group: z.enum(['baseline', 'api', 'capacity', 'transport']),
  description: z.string(),
  connections: z.number().int().positive(),
  requests: z.number().int().nonnegative(),
  durationSeconds: z.number(),
  requestsPerSecond: z.number(),
  latencyMs: latency,
  non2xx: z.number().int().nonnegative(),
  statusCounts: z.record(z.string(), z.number()),
  errors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  /** MongoDB commands per request, counted by driver monitoring over sequential probe requests. */
  dbCommandsPerRequest: z.number().nonnegative(),
  dbCommandsByName: z.record(z.string(), z.number()),
  /** Driver-measured MongoDB command durations during the measured run (queueing included). */
  dbCommandMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }),
  dbCommands: z.number().int().nonnegative(),
  dbCommandsFailed: z.number().int().nonnegative(),
  /**
   * CPU (user + system) the server process spent per answered request during the measured run:
   * the API layer's own cost, which throughput hides when another process is the bottleneck.
   */
  serverCpuUsPerRequest: z.number().nonnegative(),
  /**
   * The same for the database child (split topology on Linux, from /proc; 10 ms resolution):
   * null when it shares the server's process, is external, or /proc is missing.
   */
  databaseCpuUsPerRequest: z.number().nonnegative().nullable(),
});
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;

const ratio = z.object({
  name: z.string(),
  numerator: z.string(),
  denominator: z.string(),
  value: z.number().nullable(),
});
export type Ratio = z.infer<typeof ratio>;

const slo = z.object({
  name: z.string(),
  target: z.string(),
  measured: z.string(),
  /** null: the scenario it needs was not run. */
  pass: z.boolean().nullable(),
});
export type SloVerdict = z.infer<typeof slo>;

/** The JSON file `pnpm bench` writes; the smoke test checks real output against it. */
export const benchReportSchema = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  finishedAt: z.string(),
  gitCommit: z.string().nullable(),
  machine: z.object({
    cpus: z.number().int(),
    cpuModel: z.string(),
    totalMemoryGiB: z.number(),
    node: z.string(),
    platform: z.string(),
    /** 1, 5 and 15 minute load averages: the machine is shared, so other work shows here. */
    loadAverageAtStart: z.array(z.number()),
  }),
  settings: z.object({
    connections: z.number().int().positive(),
    uploadConnections: z.number().int().positive(),
    reportConnections: z.number().int().positive(),
    durationSeconds: z.number().positive(),
    warmupSeconds: z.number().nonnegative(),
    invoices: z.number().int().positive(),
    uploadBytes: z.number().int().positive(),
    topology: z.string(),
    logLevel: z.string(),
  }),
  seed: z.object({
    invoiceCount: z.number().int(),
    drafts: z.number().int(),
    open: z.number().int(),
    listPages: z.number().int(),
  }),
  timings: z.object({
    /** Auth emulator, database and server child up (the emulator dominates). */
    stackStartSeconds: z.number(),
    seedSeconds: z.number(),
    totalSeconds: z.number(),
  }),
  scenarios: z.array(scenarioResultSchema),
  ratios: z.array(ratio),
  /** Ratios measured in alternating back-to-back pairs (see paired.ts). */
  pairedRatios: z.array(pairedRatioSchema),
  slos: z.array(slo),
});
export type BenchReport = z.infer<typeof benchReportSchema>;

function find(results: readonly ScenarioResult[], id: string) {
  return results.find((r) => r.id === id);
}

const RATIOS: [name: string, numerator: string, denominator: string][] = [
  ['invoice.byId / raw MongoDB route', 'invoice.byId', 'raw.mongo.findOne'],
  ['invoice.byId / raw route with its own access read', 'invoice.byId', 'raw.mongo.access'],
  ['raw access read / raw findOne', 'raw.mongo.access', 'raw.mongo.findOne'],
  ['raw MongoDB route / HTTP floor', 'raw.mongo.findOne', 'http.empty'],
  ['invoice.byId / HTTP floor', 'invoice.byId', 'http.empty'],
  ['zod+superjson / plain', 'transport.zod-superjson', 'transport.plain'],
  ['createCaller / plain', 'transport.trpc-caller', 'transport.plain'],
  ['official tRPC adapter / plain', 'transport.trpc-adapter', 'transport.plain'],
  ['app /trpc / plain', 'transport.app', 'transport.plain'],
  [
    'app /trpc fast path / app with official adapter',
    'transport.app',
    'transport.app.official-adapter',
  ],
  ['invoice.byId fast path / official adapter', 'invoice.byId', 'invoice.byId.official-adapter'],
  [
    'invoice.byId (official adapter) / raw MongoDB route',
    'invoice.byId.official-adapter',
    'raw.mongo.findOne',
  ],
];

/** Throughput ratios (requests/s of the numerator over the denominator's). */
export function computeRatios(results: readonly ScenarioResult[]): Ratio[] {
  return RATIOS.map(([name, numerator, denominator]) => {
    const a = find(results, numerator);
    const b = find(results, denominator);
    const value =
      a && b && b.requestsPerSecond > 0
        ? Number((a.requestsPerSecond / b.requestsPerSecond).toFixed(3))
        : null;
    return { name, numerator, denominator, value };
  });
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

/** No completed response, or non-2xx among them, fails: a refusal is fast but not a pass. */
function latencyVerdict(
  name: string,
  target: string,
  result: ScenarioResult | undefined,
  key: 'p95' | 'p99',
  limitMs: number,
): SloVerdict {
  if (!result) return { name, target, measured: 'not run', pass: null };
  if (result.requests === 0)
    return { name, target, measured: 'no response completed', pass: false };
  // Fast refusals (503 load shedding) are not a latency to be proud of.
  if (result.non2xx > 0) {
    return {
      name,
      target,
      measured: `${ms(result.latencyMs[key])}, but ${result.non2xx} of ${result.requests} non-2xx`,
      pass: false,
    };
  }
  return {
    name,
    target,
    measured: ms(result.latencyMs[key]),
    pass: result.latencyMs[key] < limitMs,
  };
}

/** The handbook's SLOs and the acceptance figures, judged on this run. */
export function judgeSlos(
  results: readonly ScenarioResult[],
  ratios: readonly Ratio[],
  connections: number,
  uploadId: string,
  pairedRatios: readonly PairedRatio[] = [],
): SloVerdict[] {
  const verdicts: SloVerdict[] = [];
  for (const r of results.filter((s) => s.group === 'api')) {
    verdicts.push(latencyVerdict(`${r.id} p95`, '< 500 ms (API p95)', r, 'p95', 500));
  }
  const byId = find(results, 'invoice.byId');
  verdicts.push(
    latencyVerdict(`invoice.byId p99 at ${connections} connections`, '< 50 ms', byId, 'p99', 50),
  );
  const isByIdRatio = (r: { numerator: string; denominator: string }) =>
    r.numerator === 'invoice.byId' && r.denominator === 'raw.mongo.findOne';
  const ratio = ratios.find(isByIdRatio)?.value ?? null;
  // The pairs are the fairer measure: both sides ran seconds apart, in alternating order. The
  // pairs after the scenarios are judged: by then the server has served every other procedure,
  // as a production instance has; the pairs on the fresh server are only reported.
  const paired = pairedRatios.find((r) => isByIdRatio(r) && r.when === 'afterScenarios');
  const fresh = pairedRatios.find((r) => isByIdRatio(r) && r.when === 'fresh');
  const value = paired?.value ?? ratio;
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  let measured = value === null ? 'not run' : pct(value);
  const details: string[] = [];
  if (paired?.value != null) {
    const usable = paired.rounds.flatMap((r) => (r.ratio === null ? [] : [r.ratio]));
    const spread = paired.standardErrorRange;
    details.push(
      `geometric mean of ${paired.rounds.length} paired runs` +
        (spread === null ? '' : `, ${pct(spread[0])}–${pct(spread[1])} within one standard error`) +
        `; single pairs ${pct(Math.min(...usable))}–${pct(Math.max(...usable))}`,
    );
    if (ratio !== null) details.push(`the table's single runs: ${pct(ratio)}`);
  }
  if (fresh?.value != null) details.push(`on the fresh server: ${pct(fresh.value)}`);
  if (value !== null && details.length > 0) measured += ` (${details.join('; ')})`;
  verdicts.push({
    name: 'invoice.byId throughput vs raw MongoDB route',
    target: '>= 60%',
    measured,
    pass: value === null ? null : value >= 0.6,
  });
  const upload = find(results, uploadId);
  verdicts.push(latencyVerdict('10 MB upload p95', '< 500 ms', upload, 'p95', 500));
  const api = results.filter((s) => s.group === 'api' || s.group === 'capacity');
  const fivexx = api.reduce(
    (n, s) =>
      n +
      Object.entries(s.statusCounts)
        .filter(([code]) => code.startsWith('5'))
        .reduce((m, [, count]) => m + count, 0),
    0,
  );
  const errors = api.reduce((n, s) => n + s.errors, 0);
  const total = api.reduce((n, s) => n + s.requests + s.errors, 0);
  const bad = fivexx + errors;
  verdicts.push({
    name: 'API 5xx ratio',
    target: '< 0.1%',
    measured: total
      ? `${((bad / total) * 100).toFixed(3)}% (${fivexx} 5xx + ${errors} socket errors of ${total})`
      : 'not run',
    pass: total ? bad / total < 0.001 : null,
  });
  // Handbook SLO "database query p90 < 100 ms": the worst judged API scenario.
  const judged = results.filter((s) => s.group === 'api' && s.dbCommands > 0);
  const worstDb = judged.reduce<ScenarioResult | undefined>(
    (worst, s) => (worst === undefined || s.dbCommandMs.p90 > worst.dbCommandMs.p90 ? s : worst),
    undefined,
  );
  verdicts.push({
    name: 'database command p90 (worst API scenario)',
    target: '< 100 ms',
    measured: worstDb ? `${worstDb.dbCommandMs.p90.toFixed(1)} ms (${worstDb.id})` : 'not run',
    pass: worstDb ? worstDb.dbCommandMs.p90 < 100 : null,
  });
  const commands = api.reduce((n, s) => n + s.dbCommands, 0);
  const failedCommands = api.reduce((n, s) => n + s.dbCommandsFailed, 0);
  verdicts.push({
    name: 'database errors',
    target: '< 0.01%',
    measured: commands
      ? `${((failedCommands / commands) * 100).toFixed(4)}% (${failedCommands} of ${commands} commands)`
      : 'not run',
    pass: commands ? failedCommands / commands < 0.0001 : null,
  });
  const non2xx = api.reduce((n, s) => n + s.non2xx, 0);
  verdicts.push({
    name: 'API non-2xx responses',
    target: '0',
    measured: String(non2xx),
    pass: total ? non2xx === 0 : null,
  });
  return verdicts;
}
