/**
 * Backup and restore throughput on the embedded engine: N invoice-sized documents and F upload
 * files, backed up plain and gzipped, then restored into an empty database. Prints figures only
 * (they swing with the machine's load); run with `pnpm --filter @invoice/cli bench`.
 *   BENCH_DOCS (default 20000)  BENCH_FILES (default 20)  BENCH_FILE_BYTES (default 1 MiB)
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '@invoice/db';
import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import { Decimal128, ObjectId } from 'mongodb';
import { createBackup } from '../src/backup/create-backup.js';
import { restoreBackup } from '../src/backup/restore-backup.js';
import { silentProgress } from '../src/cli/progress.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 20_000);
const FILES = Number(process.env.BENCH_FILES ?? 20);
const FILE_BYTES = Number(process.env.BENCH_FILE_BYTES ?? 1024 * 1024);

const mongo = await startEmbeddedMongo();
const work = await mkdtemp(join(tmpdir(), 'invoice-backup-bench-'));
const source = createDb({ uri: mongo.uri, dbName: 'bench_source' });
const target = createDb({ uri: mongo.uri, dbName: 'bench_target' });

try {
  const orgId = new ObjectId();
  for (let i = 0; i < DOCS; i += 1000) {
    await source.db.collection('invoices').insertMany(
      Array.from({ length: Math.min(1000, DOCS - i) }, (_, j) => ({
        orgId,
        number: `INV-${i + j}`,
        status: 'open',
        issueDate: '2026-01-15',
        total: Decimal128.fromString(`${(i + j) * 3}.50`),
        lines: Array.from({ length: 5 }, (_, k) => ({
          description: `Line ${k} of a typical invoice with a reasonably long description`,
          quantity: k + 1,
          unitPrice: Decimal128.fromString('120.00'),
          taxRates: [2000],
        })),
        createdAt: new Date(),
      })),
    );
  }
  const uploads = join(work, 'uploads');
  await mkdir(join(uploads, orgId.toHexString()), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    await writeFile(
      join(uploads, orgId.toHexString(), new ObjectId().toHexString()),
      randomBytes(FILE_BYTES),
    );
  }

  const rows: string[][] = [];
  for (const gzip of [false, true]) {
    const out = join(work, gzip ? 'backup-gz' : 'backup');
    let started = performance.now();
    const report = await createBackup({
      client: source.client,
      db: source.db,
      out,
      uploadDir: uploads,
      gzip,
      progress: silentProgress,
      now: new Date(),
    });
    const backupMs = performance.now() - started;
    await target.db.dropDatabase();
    const restoredUploads = join(work, `restored-${gzip}`);
    started = performance.now();
    await restoreBackup({
      db: target.db,
      from: out,
      uploadDir: restoredUploads,
      drop: false,
      progress: silentProgress,
    });
    const restoreMs = performance.now() - started;
    const mib = report.bytes / 1024 / 1024;
    rows.push([
      gzip ? 'gzip' : 'plain',
      String(DOCS),
      `${mib.toFixed(1)} MiB`,
      `${(backupMs / 1000).toFixed(2)} s`,
      `${Math.round(DOCS / (backupMs / 1000))}`,
      `${(restoreMs / 1000).toFixed(2)} s`,
      `${Math.round(DOCS / (restoreMs / 1000))}`,
    ]);
  }
  console.log(
    `backup/restore of ${DOCS} invoices + ${FILES} files of ${FILE_BYTES} bytes (embedded engine, in memory)`,
  );
  console.log(
    '| mode | documents | backup size | backup | docs/s | restore (verify+write) | docs/s |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  await source.close();
  await target.close();
  await mongo.stop();
  await rm(work, { recursive: true, force: true });
}
