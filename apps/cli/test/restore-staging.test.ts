import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { restoreBackup } from '../src/backup/restore-backup.js';
import type { Progress } from '../src/cli/progress.js';
import { testDatabases } from './databases.js';
import { cli } from './cli-io.js';

const uri = inject('mongoUri');
const { open: database, envFor, dropAll } = testDatabases(uri);
let work: string;
let backup: string;
let sourceName: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'restore-staging-'));
  const source = database(testDatabaseName('restore-staging-src'));
  sourceName = source.db.databaseName;
  await source.db.collection('a_first').insertMany([{ n: 1 }, { n: 2 }]);
  await source.db.collection('z_last').insertMany([{ n: 1 }, { n: 2 }]);
  backup = join(work, 'backup');
  const r = await cli(['backup', '--out', backup, '--skip-uploads'], { env: envFor(sourceName) });
  expect(r.code).toBe(0);
  // Tamper: the last collection's file holds one document twice (same _id); the manifest is
  // rewritten to match (count, size, SHA-256), as anyone who can write the directory can do.
  const rel = `${sourceName}/z_last.bson`;
  const bytes = await readFile(join(backup, rel));
  const firstLength = bytes.readInt32LE(0);
  const tampered = Buffer.concat([bytes, bytes.subarray(0, firstLength)]);
  await writeFile(join(backup, rel), tampered);
  const manifestPath = join(backup, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    collections: { name: string; documents: number; data: { bytes: number; sha256: string } }[];
  };
  const entry = manifest.collections.find((c) => c.name === 'z_last')!;
  entry.documents = 3;
  entry.data.bytes = tampered.length;
  entry.data.sha256 = createHash('sha256').update(tampered).digest('hex');
  await writeFile(manifestPath, JSON.stringify(manifest));
});

afterAll(async () => {
  await dropAll();
  await rm(work, { recursive: true, force: true });
});

describe('a restore that fails after every check passed', () => {
  it('leaves a fresh database empty and says so', async () => {
    const target = database(testDatabaseName('restore-staging-fresh'));
    const r = await cli(['restore', '--from', backup, '--skip-uploads'], {
      env: envFor(target.db.databaseName),
    });
    expect(r.code).toBe(1);
    const names = (await target.db.listCollections({}, { nameOnly: true }).toArray()).map(
      (c) => c.name,
    );
    // a_first was staged and z_last failed half-way: both staging collections are gone.
    expect(r.err).toMatch(/restore failed, the database is unchanged: collection z_last: .*E11000/);
    expect(names).toEqual([]);
  });

  it('with --drop, keeps every live collection as it was', async () => {
    const target = database(testDatabaseName('restore-staging-drop'));
    await target.db.collection('a_first').insertOne({ live: 'a' });
    await target.db.collection('z_last').insertOne({ live: 'z' });
    const r = await cli(['restore', '--from', backup, '--skip-uploads', '--drop', '--json'], {
      env: envFor(target.db.databaseName),
    });
    expect(r.code).toBe(1);
    const error = JSON.parse(r.err) as { error: Record<string, unknown> };
    expect(error.error.message).toMatch(/the database is unchanged/);
    expect(error.error.failedAt).toBe('z_last');
    const live = async (name: string) =>
      await target.db
        .collection(name)
        .find({}, { projection: { _id: 0 } })
        .toArray();
    expect({ a: await live('a_first'), z: await live('z_last') }).toEqual({
      a: [{ live: 'a' }],
      z: [{ live: 'z' }],
    });
    const names = (await target.db.listCollections({}, { nameOnly: true }).toArray())
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(['a_first', 'z_last']);
  });
});

it('leaves the upload directory alone when the backup was made with --skip-uploads, even with --drop', async () => {
  const live = database(testDatabaseName('restore-staging-db-only'));
  const env = envFor(live.db.databaseName);
  await live.db.collection('attachments').insertOne({ orgId: 'org1', fileId: 'file1' });
  const uploads = join(work, 'db-only-uploads');
  await mkdir(join(uploads, 'org1'), { recursive: true });
  await writeFile(join(uploads, 'org1', 'file1'), 'the only copy of a customer attachment');

  // A database-only backup (files are covered by volume snapshots, or too big to copy daily).
  const out = join(work, 'db-only');
  const backup = await cli(['backup', '--out', out, '--skip-uploads'], { env });
  expect(backup.code).toBe(0);

  // Roll the database back over the live one, as the runbook allows ("--drop").
  const restore = await cli(
    ['restore', '--from', out, '--drop', '--upload-dir', uploads, '--json'],
    {
      env,
    },
  );
  expect(restore.code).toBe(0);
  const report = JSON.parse(restore.out) as { uploads: unknown; uploadsNotInBackup: boolean };
  expect(report).toMatchObject({ uploads: null, uploadsNotInBackup: true });
  // The backup holds no files at all (it was taken with --skip-uploads), so it has nothing to
  // replace them with: the attachment the restored database points to must still be there.
  expect(await readdir(join(uploads, 'org1')).catch(() => 'directory deleted')).toEqual(['file1']);
});

it('a file copy that fails leaves no temp file and, with --drop, every file of the upload directory', async () => {
  const source = database(testDatabaseName('restore-staging-copy-src'));
  await source.db.collection('attachments').insertOne({ n: 1 });
  const sourceUploads = join(work, 'copy-src-uploads');
  const org = '0123456789abcdef01234567';
  await mkdir(join(sourceUploads, org), { recursive: true });
  for (const name of ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb']) {
    await writeFile(join(sourceUploads, org, name), `content of ${name}`);
  }
  const out = join(work, 'copy-backup');
  const made = await cli(['backup', '--out', out, '--upload-dir', sourceUploads], {
    env: envFor(source.db.databaseName),
  });
  expect(made.code).toBe(0);

  const target = database(testDatabaseName('restore-staging-copy-dst'));
  const uploads = join(work, 'copy-dst-uploads');
  await mkdir(join(uploads, org), { recursive: true });
  await writeFile(join(uploads, org, 'cccccccccccccccccccccccc'), 'a file the backup lacks');
  // Once the first file is in place, the backup's second file disappears (a failing disk).
  const progress: Progress = {
    update(text) {
      if (text.startsWith('restore uploads: 1/')) {
        rmSync(join(out, 'uploads', org, 'bbbbbbbbbbbbbbbbbbbbbbbb'));
      }
    },
    done: () => undefined,
  };
  await expect(
    restoreBackup({ db: target.db, from: out, uploadDir: uploads, drop: true, progress }),
  ).rejects.toThrow(/restore failed while copying files, the database is unchanged/);
  expect((await readdir(join(uploads, org))).sort()).toEqual([
    'aaaaaaaaaaaaaaaaaaaaaaaa', // copied before the failure
    'cccccccccccccccccccccccc', // --drop removes it only once the database is swapped in
  ]);
  expect(await target.db.listCollections().toArray()).toEqual([]);
});
