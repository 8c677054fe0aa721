/**
 * Quick measurement script (not a test): RSS for 100k invoice-sized documents and indexed
 * lookup latency at 10k vs 200k documents. Run: node --expose-gc --import tsx src/storage/measure.ts [--lookups]
 */
import { ObjectId, type Document } from 'bson';
import { createStorageEngine, type Engine } from './index.js';

function invoice(i: number): Document {
  const lines = [];
  for (let l = 0; l < 12; l++) {
    lines.push({
      sku: `SKU-${(i * 7 + l) % 5000}`,
      description: `Line item ${l} for invoice ${i} lorem ipsum`,
      qty: l + 1,
      unitPrice: 1999 + l,
      taxRate: 0.2,
    });
  }
  return {
    _id: new ObjectId(),
    orgId: `org-${i % 50}`,
    number: `INV-${String(i).padStart(8, '0')}`,
    customer: {
      name: `Customer ${i % 1000}`,
      email: `c${i % 1000}@example.com`,
      address: { line1: '1 Main Street', city: 'Springfield', zip: '12345' },
    },
    status: ['draft', 'sent', 'paid'][i % 3],
    issuedAt: new Date(1_700_000_000_000 + i * 1000),
    lines,
    notes: 'x'.repeat(200),
  };
}

async function buildEngine(n: number): Promise<{ engine: Engine; ids: unknown[] }> {
  const engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  const ns = { db: 'bench', coll: `c${n}` };
  await engine.createCollection(ns);
  await engine.createIndexes(ns, [{ name: 'number_1', key: { number: 1 } }]);
  const ids: unknown[] = [];
  const batch = 1000;
  for (let i = 0; i < n; i += batch) {
    await engine.write((u) => {
      for (let j = i; j < Math.min(n, i + batch); j++) {
        const d = {
          _id: new ObjectId(),
          number: `INV-${String(j).padStart(8, '0')}`,
          orgId: `org-${j % 50}`,
          v: j,
        };
        ids.push(d._id);
        u.insert(ns, d);
      }
    });
  }
  return { engine, ids };
}

function timeLookups(engine: Engine, ids: unknown[], secondary: boolean): number {
  const n = ids.length;
  const ns = { db: 'bench', coll: `c${n}` };
  const rounds = 20000;
  const t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    const j = (r * 7919) % n;
    const filter = secondary ? { number: `INV-${String(j).padStart(8, '0')}` } : { _id: ids[j] };
    if (engine.scan(ns, { filter }).docs.length !== 1) throw new Error('lookup missed');
  }
  return Number(process.hrtime.bigint() - t) / rounds / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

async function lookups(): Promise<void> {
  const small = await buildEngine(10_000);
  const large = await buildEngine(200_000);
  global.gc?.();
  const runs = {
    id10: [] as number[],
    id200: [] as number[],
    ix10: [] as number[],
    ix200: [] as number[],
  };
  // Interleaved rounds so machine load and GC hit both sizes alike; report medians.
  for (let round = 0; round < 7; round++) {
    runs.id10.push(timeLookups(small.engine, small.ids, false));
    runs.id200.push(timeLookups(large.engine, large.ids, false));
    runs.ix10.push(timeLookups(small.engine, small.ids, true));
    runs.ix200.push(timeLookups(large.engine, large.ids, true));
  }
  const id10 = median(runs.id10);
  const id200 = median(runs.id200);
  const ix10 = median(runs.ix10);
  const ix200 = median(runs.ix200);
  process.stdout.write(
    `lookup _id: 10k ${id10.toFixed(2)}us, 200k ${id200.toFixed(2)}us, ratio ${(id200 / id10).toFixed(2)}\n` +
      `lookup secondary: 10k ${ix10.toFixed(2)}us, 200k ${ix200.toFixed(2)}us, ratio ${(ix200 / ix10).toFixed(2)}\n`,
  );
  await small.engine.close();
  await large.engine.close();
}

async function main(): Promise<void> {
  if (process.argv.includes('--lookups')) {
    await lookups();
    return;
  }
  global.gc?.();
  const before = process.memoryUsage().rss;
  const engine = await createStorageEngine({ ttlMonitorIntervalMs: 0 });
  const ns = { db: 'bench', coll: 'invoices' };
  await engine.createCollection(ns);
  await engine.createIndexes(ns, [
    { name: 'orgId_1_number_1', key: { orgId: 1, number: 1 }, unique: true },
    { name: 'status_1', key: { status: 1 } },
  ]);
  const t = process.hrtime.bigint();
  for (let i = 0; i < 100_000; i += 1000) {
    await engine.write((u) => {
      for (let j = i; j < i + 1000; j++) u.insert(ns, invoice(j));
    });
  }
  const insertMs = Number(process.hrtime.bigint() - t) / 1e6;
  global.gc?.();
  const stats = engine.stats(ns);
  const mem = process.memoryUsage();
  const rss = mem.rss;
  process.stdout.write(
    `heapUsed ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, arrayBuffers ${(mem.arrayBuffers / 2 ** 20).toFixed(0)} MiB, external ${(mem.external / 2 ** 20).toFixed(0)} MiB\n`,
  );
  process.stdout.write(
    `100k invoices: avgObjSize ${stats.avgObjSize} B, data ${(stats.size / 2 ** 20).toFixed(0)} MiB, RSS ${(rss / 2 ** 20).toFixed(0)} MiB (baseline ${(before / 2 ** 20).toFixed(0)} MiB), insert ${insertMs.toFixed(0)} ms\n`,
  );
  await engine.close();
}

void main();
