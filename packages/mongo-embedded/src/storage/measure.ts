/**
 * Quick measurement script (not a test): RSS for 100k invoice-sized documents and indexed
 * lookup latency at 10k vs 200k documents. Run: node --expose-gc --import tsx src/storage/measure.ts [--lookups]
 */
import { ObjectId, type Document } from 'bson';
import { createStorageEngine } from './index.js';

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

async function lookupLatency(n: number): Promise<{ idUs: number; secondaryUs: number }> {
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
  const rounds = 20000;
  let t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) engine.scan(ns, { filter: { _id: ids[(r * 7919) % n] } });
  const idUs = Number(process.hrtime.bigint() - t) / rounds / 1000;
  t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    const j = (r * 7919) % n;
    engine.scan(ns, { filter: { number: `INV-${String(j).padStart(8, '0')}` } });
  }
  const secondaryUs = Number(process.hrtime.bigint() - t) / rounds / 1000;
  await engine.close();
  return { idUs, secondaryUs };
}

async function main(): Promise<void> {
  if (process.argv.includes('--lookups')) {
    const small = await lookupLatency(10_000);
    const large = await lookupLatency(200_000);
    process.stdout.write(
      `lookup _id: 10k ${small.idUs.toFixed(2)}us, 200k ${large.idUs.toFixed(2)}us, ratio ${(large.idUs / small.idUs).toFixed(2)}\n` +
        `lookup secondary: 10k ${small.secondaryUs.toFixed(2)}us, 200k ${large.secondaryUs.toFixed(2)}us, ratio ${(large.secondaryUs / small.secondaryUs).toFixed(2)}\n`,
    );
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
