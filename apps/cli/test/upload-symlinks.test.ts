import { rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createBackup } from '../src/backup/create-backup.js';
import { restoreBackup } from '../src/backup/restore-backup.js';
import type { Progress } from '../src/cli/progress.js';
import { testDatabases } from './databases.js';
import { cli } from './cli-io.js';

/**
 * Whoever can write the upload directory (the service user) may swap a file or a directory for a
 * symlink while a backup or restore (perhaps run as root) works through it. Symlinks are never
 * followed: these tests swap at a fixed point through the progress callback.
 */
const uri = inject('mongoUri');
const { open: database, envFor, dropAll } = testDatabases(uri);
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upload-symlinks-'));
});
afterAll(async () => {
  await dropAll();
  await rm(work, { recursive: true, force: true });
});

/** Backs `uploads` up, calling `swap` once, right after the first file is copied. */
async function backupSwappingAfterFirstFile(
  db: Database,
  uploads: string,
  out: string,
  swap: () => void,
) {
  let swapped = false;
  const progress: Progress = {
    update(text) {
      if (!swapped && text.startsWith('backup uploads: 1/')) {
        swap();
        swapped = true;
      }
    },
    done: () => undefined,
  };
  const report = await createBackup({
    client: db.client,
    db: db.db,
    out,
    uploadDir: uploads,
    gzip: false,
    progress,
    now: new Date(),
  });
  expect(swapped).toBe(true);
  return report;
}

it('never copies the target of a symlink that replaces an upload after the directory walk', async () => {
  const db = database(testDatabaseName('upload-symlinks-backup'));
  await db.db.collection('orgs').insertOne({ name: 'x' });
  const uploads = join(work, 'uploads');
  await mkdir(join(uploads, 'org1'), { recursive: true });
  await writeFile(join(uploads, 'org1', 'a'), 'first attachment');
  await writeFile(join(uploads, 'org1', 'b'), 'second attachment');
  // A file the service user (who owns the upload volume) cannot read; the backup runs as root.
  const secret = join(work, 'root-only-secret');
  await writeFile(join(secret), 'root:$6$secret-hash:19000:0:99999:7:::\n');

  // The service user swaps org1/b for a symlink once the walk is over (here: right after the
  // first file is copied; in production, any time during a long copy).
  const out = join(work, 'backup-swapped');
  const report = await backupSwappingAfterFirstFile(db, uploads, out, () => {
    unlinkSync(join(uploads, 'org1', 'b'));
    symlinkSync(secret, join(uploads, 'org1', 'b'));
  });
  expect(report.uploads).toMatchObject({ files: 1, skipped: ['org1/b'] });
  expect(await readdir(join(out, 'uploads', 'org1'))).toEqual(['a']);
});

it('never copies through a directory swapped for a symlink after the walk', async () => {
  const db = database(testDatabaseName('upload-symlinks-backup-dir'));
  await db.db.collection('orgs').insertOne({ name: 'x' });
  const uploads = join(work, 'uploads-dir-swap');
  await mkdir(join(uploads, 'org1'), { recursive: true });
  await mkdir(join(uploads, 'org2'), { recursive: true });
  await writeFile(join(uploads, 'org1', 'a'), 'first attachment');
  await writeFile(join(uploads, 'org2', 'b'), 'second attachment');
  const elsewhere = join(work, 'elsewhere');
  await mkdir(elsewhere);
  await writeFile(join(elsewhere, 'b'), 'not an upload');
  const out = join(work, 'backup-dir-swapped');
  const report = await backupSwappingAfterFirstFile(db, uploads, out, () => {
    rmSync(join(uploads, 'org2'), { recursive: true });
    symlinkSync(elsewhere, join(uploads, 'org2'));
  });
  expect(report.uploads).toMatchObject({ files: 1, skipped: ['org2/b'] });
  expect(await readdir(join(out, 'uploads'))).toEqual(['org1']);
});

it('never writes outside --upload-dir when a directory in it is swapped for a symlink mid-restore', async () => {
  const source = database(testDatabaseName('upload-symlinks-src'));
  await source.db.collection('orgs').insertOne({ name: 'x' });
  const uploads = join(work, 'uploads-restore');
  await mkdir(join(uploads, 'org1'), { recursive: true });
  await mkdir(join(uploads, 'org2'), { recursive: true });
  await writeFile(join(uploads, 'org1', 'a'), '%PDF-1.7 first');
  await writeFile(join(uploads, 'org2', 'b'), '%PDF-1.7 content an org member uploaded');
  const backup = join(work, 'backup-for-restore');
  const made = await cli(['backup', '--out', backup, '--upload-dir', uploads], {
    env: envFor(source.db.databaseName),
  });
  expect(made.code).toBe(0);

  // Restore (run as root) into the service user's upload volume; the service user (or anything
  // running as it) plants org2 -> a directory it must not write, after the first file.
  const target = database(testDatabaseName('upload-symlinks-dst'));
  const restoreDir = join(work, 'restored');
  const outside = join(work, 'outside-etc-cron.d');
  await mkdir(outside);
  let planted = false;
  const progress: Progress = {
    update(text) {
      if (!planted && text.startsWith('restore uploads: 1/')) {
        symlinkSync(outside, join(restoreDir, 'org2'));
        planted = true;
      }
    },
    done: () => undefined,
  };
  const failure = await restoreBackup({
    db: target.db,
    from: backup,
    uploadDir: restoreDir,
    drop: false,
    progress,
  }).then(
    () => null,
    (error: unknown) => String(error),
  );
  expect(planted).toBe(true);
  expect(await readdir(outside)).toEqual([]);
  expect(failure).toMatch(/the database is unchanged: .*org2 is not a directory/);
  expect(await target.db.listCollections().toArray()).toEqual([]);
});
