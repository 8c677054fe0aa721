import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { ObjectId } from 'bson';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createBackup } from '../src/backup/create-backup.js';
import type { Progress } from '../src/cli/progress.js';
import { testDatabases } from './databases.js';
import { cli, json } from './cli-io.js';

/**
 * The handbook: a backup taken while the server runs lists a file deleted during it (by
 * attachment.delete) as vanished, and exits 0 with a complete backup; entries it will not copy
 * (odd names, not regular files) are skipped and listed. Before, a file deleted between the
 * directory listing and its lstat, or one whose name is not UTF-8 (readdir decoded it to a
 * name lstat could not find), failed the whole backup with a raw ENOENT.
 */
const uri = inject('mongoUri');
const { open: database, envFor, dropAll } = testDatabases(uri);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'invoice-backup-live-uploads-'));
});
afterAll(async () => {
  await dropAll();
  await rm(work, { recursive: true, force: true });
});

it('reports attachments deleted while the upload directory is walked, instead of failing', async () => {
  const source = database(testDatabaseName('backup-walk-race'));
  await source.db.collection('attachments').insertOne({ note: 'one' });
  const uploads = join(work, 'race-uploads');
  const orgDir = join(uploads, new ObjectId().toHexString());
  await mkdir(orgDir, { recursive: true });
  for (let i = 0; i < 3000; i++) await writeFile(join(orgDir, new ObjectId().toHexString()), 'x');
  // Directory order, as the walk will see it: delete from its end, as attachment.delete would.
  const order = await readdir(orgDir);
  let deleting: Promise<void> | undefined;
  const progress: Progress = {
    update(text) {
      // The last collection is written: the snapshot commits and the walk starts right after.
      if (!deleting && text.startsWith('backup attachments:')) {
        deleting = (async () => {
          for (const name of [...order].reverse()) await rm(join(orgDir, name));
        })();
      }
    },
    done: () => undefined,
  };
  const backup = createBackup({
    client: source.client,
    db: source.db,
    out: join(work, 'race-backup'),
    uploadDir: uploads,
    gzip: false,
    progress,
    now: new Date(),
  });
  const outcome = await backup.then(
    (report) => ({ ok: true, files: report.uploads.files, vanished: report.uploads.vanished }),
    (error: unknown) => ({ ok: false, error: String(error) }),
  );
  await deleting;
  expect('error' in outcome ? outcome.error : '').toBe('');
  expect(outcome.ok).toBe(true);
});

it('skips an upload whose name is not UTF-8 and still writes the backup', async () => {
  const source = database(testDatabaseName('backup-non-utf8'));
  await source.db.collection('attachments').insertOne({ note: 'one' });
  const uploads = join(work, 'uploads');
  const orgDir = join(uploads, new ObjectId().toHexString());
  await mkdir(orgDir, { recursive: true });
  await writeFile(join(orgDir, new ObjectId().toHexString()), 'a customer attachment');
  // "café" in Latin-1: a lone 0xE9 byte is not UTF-8.
  await writeFile(Buffer.concat([Buffer.from(`${orgDir}/caf`), Buffer.from([0xe9])]), 'stray');

  const out = join(work, 'backup');
  const r = await cli(['backup', '--out', out, '--upload-dir', uploads, '--json'], {
    env: envFor(source.db.databaseName),
  });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const report = json<{ uploads: { files: number; skipped: string[] } }>(r);
  expect(report.uploads.files).toBe(1);
  expect(report.uploads.skipped).toHaveLength(1);
  expect(await readdir(out)).toContain('manifest.json');
});
