/**
 * The two aggregation pipelines of the API's `report.summary` over 10k invoices, before and
 * after the aggregation work of this package, in the same run:
 *
 * 1. server side, in process (no driver): the storage scan decoding whole documents or only
 *    the fields the pipeline reads (field pushdown), then the stages through mingo or through
 *    the native $group/$project (fast stages);
 * 2. through the official driver on one connection: two in-process servers with the same
 *    documents, one engine with `fieldPushdown: false` (both run the fast stages).
 *
 *   npx tsx bench/report-bench.ts            (from packages/mongo-embedded; ~2 minutes)
 *
 * Rounds alternate between the variants so all see the same machine load. Figures are
 * printed, not asserted.
 */
import { performance } from 'node:perf_hooks';
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { startMongoServer, type MongoServer } from '../src/server.js';
import { scanFields } from '../src/query/dependencies.js';
import { planPipeline, runStages } from '../src/query/pipeline.js';
import { createStorageEngine, type Engine } from '../src/storage/index.js';
import { invoiceDocuments, issuedPipeline, agingPipeline } from '../test/report-fixtures.js';

const INVOICES = 10_000;
const ROUNDS = 6;
const RUNS_PER_ROUND = 8;
const SERVER_SIDE_RUNS = 30;
const TODAY = '2026-01-15';

interface Side {
  name: string;
  server: MongoServer;
  client: MongoClient;
  samples: { issued: number[]; aging: number[]; both: number[] };
}

async function startSide(name: string, fieldPushdown: boolean, docs: Document[]): Promise<Side> {
  const storage = await createStorageEngine({ fieldPushdown, ttlMonitorIntervalMs: 0 });
  const server = await startMongoServer({ storage });
  const client = new MongoClient(server.uri, { maxPoolSize: 1 });
  await client.connect();
  const invoices = client.db('bench').collection('invoices');
  await invoices.createIndexes([
    { name: 'org_status_due', key: { orgId: 1, status: 1, dueDate: 1 } },
    { name: 'org_issue_date', key: { orgId: 1, issueDate: 1 } },
    { name: 'org_created', key: { orgId: 1, createdAt: -1, _id: -1 } },
  ]);
  for (let i = 0; i < docs.length; i += 1000) await invoices.insertMany(docs.slice(i, i + 1000));
  return { name, server, client, samples: { issued: [], aging: [], both: [] } };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function measure(side: Side, orgId: ObjectId, record: boolean): Promise<Document[][]> {
  const invoices = side.client.db('bench').collection('invoices');
  const issued = (): Promise<Document[]> =>
    invoices.aggregate(issuedPipeline(orgId, '2025-01-01', '2026-12-31')).toArray();
  const aging = (): Promise<Document[]> =>
    invoices.aggregate(agingPipeline(orgId, TODAY)).toArray();
  let results: Document[][] = [];
  for (let i = 0; i < RUNS_PER_ROUND; i++) {
    const a = await timed(issued);
    const b = await timed(aging);
    // Both at once, as report.summary issues them (one connection: they queue).
    const both = await timed(async () => {
      results = await Promise.all([issued(), aging()]);
    });
    if (record) {
      side.samples.issued.push(a);
      side.samples.aging.push(b);
      side.samples.both.push(both);
    }
  }
  return results;
}

function line(label: string, values: number[]): string {
  return `${label.padEnd(28)} p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(values, 95).toFixed(1).padStart(7)} ms`;
}

interface Variant {
  name: string;
  pushdown: boolean;
  fastStages: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'whole documents, mingo stages (before)', pushdown: false, fastStages: false },
  { name: 'field pushdown, mingo stages', pushdown: true, fastStages: false },
  { name: 'field pushdown, fast stages (after)', pushdown: true, fastStages: true },
];

/** One pipeline as the aggregate command runs it, minus the wire: scan, then the stages. */
function runInProcess(
  engine: Engine,
  pipeline: Document[],
  variant: Variant,
): { scanMs: number; stagesMs: number; rows: Document[] } {
  const ns = { db: 'bench', coll: 'invoices' };
  const started = performance.now();
  const planned = planPipeline(pipeline);
  const fields = variant.pushdown ? scanFields(planned.stages) : undefined;
  const scanned = engine.scan(ns, {
    filter: planned.filter,
    ...(fields !== undefined ? { fields } : {}),
  });
  const scannedAt = performance.now();
  const rows = runStages(scanned.docs, planned.stages, () => [], undefined, {
    fastStages: variant.fastStages,
  });
  return { scanMs: scannedAt - started, stagesMs: performance.now() - scannedAt, rows };
}

async function serverSide(orgId: ObjectId, docs: Document[]): Promise<void> {
  const engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  try {
    const ns = { db: 'bench', coll: 'invoices' };
    await engine.createIndexes(ns, [
      { name: 'org_status_due', key: { orgId: 1, status: 1, dueDate: 1 } },
      { name: 'org_issue_date', key: { orgId: 1, issueDate: 1 } },
    ]);
    await engine.write((unit) => {
      for (const doc of docs) unit.insert(ns, doc);
    });
    const pipelines = {
      issued: issuedPipeline(orgId, '2025-01-01', '2026-12-31'),
      aging: agingPipeline(orgId, TODAY),
    };
    const samples = new Map<string, { scan: number[]; stages: number[]; total: number[] }>();
    const answers = new Map<string, string>();
    for (let run = 0; run < SERVER_SIDE_RUNS + 3; run++) {
      for (const variant of run % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        for (const [name, pipeline] of Object.entries(pipelines)) {
          const { scanMs, stagesMs, rows } = runInProcess(engine, pipeline, variant);
          const answer = JSON.stringify(rows);
          if ((answers.get(name) ?? answer) !== answer) {
            throw new Error(`${variant.name} changed the answer of ${name}`);
          }
          answers.set(name, answer);
          if (run < 3) continue; // warm-up
          const key = `${name}|${variant.name}`;
          const entry = samples.get(key) ?? { scan: [], stages: [], total: [] };
          entry.scan.push(scanMs);
          entry.stages.push(stagesMs);
          entry.total.push(scanMs + stagesMs);
          samples.set(key, entry);
        }
      }
    }
    const p50 = (values: number[]): string => percentile(values, 50).toFixed(1).padStart(6);
    process.stdout.write(`\nserver side, in process, p50 of ${SERVER_SIDE_RUNS} runs\n`);
    for (const name of Object.keys(pipelines)) {
      process.stdout.write(`  ${name}\n`);
      for (const variant of VARIANTS) {
        const entry = samples.get(`${name}|${variant.name}`);
        if (entry === undefined) continue;
        process.stdout.write(
          `    ${variant.name.padEnd(40)} scan ${p50(entry.scan)} ms  stages ${p50(entry.stages)} ms  total ${p50(entry.total)} ms\n`,
        );
      }
    }
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const orgId = new ObjectId();
  const docs = invoiceDocuments(orgId, INVOICES);
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(JSON.stringify(d)), 0);
  process.stdout.write(
    `${INVOICES} invoices (~${Math.round(bytes / INVOICES)} B of JSON each), ${ROUNDS} rounds x ${RUNS_PER_ROUND} runs per side\n`,
  );
  await serverSide(orgId, docs);
  process.stdout.write(`\nthrough the driver, one connection (fast stages on both sides)\n`);
  const sides = [
    await startSide('pushdown off', false, docs),
    await startSide('pushdown on', true, docs),
  ];
  try {
    const [off, on] = sides as [Side, Side];
    // Warm-up, and the same answers from both.
    const expected = JSON.stringify(await measure(off, orgId, false));
    const actual = JSON.stringify(await measure(on, orgId, false));
    if (expected !== actual) throw new Error('pushdown changed the results');
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? [off, on] : [on, off]) await measure(side, orgId, true);
    }
    for (const side of sides) {
      process.stdout.write(`\n${side.name}\n`);
      process.stdout.write(`${line('  issued by currency/month', side.samples.issued)}\n`);
      process.stdout.write(`${line('  aging buckets', side.samples.aging)}\n`);
      process.stdout.write(`${line('  both (as report.summary)', side.samples.both)}\n`);
    }
    const ratio = percentile(off.samples.both, 50) / percentile(on.samples.both, 50);
    process.stdout.write(`\nboth, p50 speed-up with pushdown: ${ratio.toFixed(2)}x\n`);
  } finally {
    for (const side of sides) {
      await side.client.close();
      await side.server.stop();
    }
  }
}

await main();
