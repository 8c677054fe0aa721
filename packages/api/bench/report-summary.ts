/**
 * Benchmark: report.summary (two aggregation pipelines) over one org's history.
 *   ../mongo-embedded/node_modules/.bin/tsx bench/report-summary.ts [invoices]
 * Uses MONGODB_URI when set, else an in-memory embedded server. Prints figures only.
 */
import { createDb, reconcileIndexes, type InvoiceDoc } from '@invoice/db';
import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import { ObjectId } from 'mongodb';
import pino from 'pino';
import { createCaller, createContextInner } from '../src/index.js';

const count = Number(process.argv[2] ?? 5_000);
const external = process.env.MONGODB_URI;
const server = external ? null : await startEmbeddedMongo();
const uri = external ?? server?.uri ?? '';
const db = createDb({ uri, dbName: `bench_report_${Date.now()}` });
await reconcileIndexes(db.db);

let now = new Date('2026-01-15T12:00:00Z');
const user = { uid: 'bench-owner', email: 'bench@example.test', emailVerified: true };
const caller = createCaller(
  createContextInner({ db, log: pino({ level: 'silent' }), user, clock: { now: () => now } }),
);
const org = await caller.organization.create({
  name: 'Bench',
  currency: 'EUR',
  timezone: 'Pacific/Auckland',
});
const orgId = new ObjectId(org.id);
const statuses = ['open', 'open', 'paid', 'uncollectible', 'void'] as const;
const docs: InvoiceDoc[] = [];
for (let i = 0; i < count; i++) {
  const day = new Date(Date.UTC(2024, 0, 1) + (i % 700) * 86_400_000);
  const total = 1_000 + (i % 97) * 13;
  const amountPaid = i % 4 === 0 ? 500 : 0;
  docs.push({
    _id: new ObjectId(),
    orgId,
    customerId: new ObjectId(),
    customerName: 'C',
    customerNameLower: 'c',
    status: statuses[i % statuses.length] ?? 'open',
    number: `B-${i}`,
    sequence: i + 1,
    currency: i % 3 === 0 ? 'USD' : 'EUR',
    issueDate: day.toISOString().slice(0, 10),
    dueDate: new Date(day.getTime() + 30 * 86_400_000).toISOString().slice(0, 10),
    lines: [],
    discount: null,
    subtotal: total,
    discountTotal: 0,
    taxTotal: 0,
    taxes: [],
    total,
    amountPaid,
    amountCredited: 0,
    amountDue: total - amountPaid,
    roundingRule: 'half_away_from_zero_per_tax_rate',
    notes: null,
    metadata: {},
    customerSnapshot: null,
    sellerSnapshot: null,
    issuedAt: day,
    voidedAt: null,
    voidReason: null,
    paidAt: null,
    createdBy: user.uid,
    createdAt: day,
    updatedAt: day,
  });
}
for (let i = 0; i < docs.length; i += 1_000) {
  await db.collections.invoices.insertMany(docs.slice(i, i + 1_000));
}

async function measure(label: string, run: () => Promise<unknown>, runs = 20) {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  process.stdout.write(
    `${label.padEnd(28)} ${count} invoices  p50 ${pct(0.5).toFixed(1)} ms  p95 ${pct(0.95).toFixed(1)} ms\n`,
  );
}

now = new Date('2026-01-15T12:00:00Z');
await measure('report.summary (all)', () => caller.report.summary({ orgId: org.id }));
await measure('report.summary (quarter)', () =>
  caller.report.summary({ orgId: org.id, from: '2025-01-01', to: '2025-03-31' }),
);
// Baseline: reading the same documents back, to tell server scan cost from pipeline cost.
await measure('find all (baseline)', () => db.collections.invoices.find({ orgId }).toArray());

await db.db.dropDatabase();
await db.close();
await server?.stop();
