import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemo } from '@invoice/api';
import { reconcileIndexes, type Database } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import {
  Binary,
  BSONRegExp,
  Decimal128,
  deserialize,
  Double,
  EJSON,
  Int32,
  Long,
  ObjectId,
  Timestamp,
  UUID,
  type Document,
} from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createBackup } from '../src/backup/create-backup.js';
import { silentProgress } from '../src/cli/progress.js';
import { testDatabases } from './databases.js';
import { cli, json } from './cli-io.js';

const uri = inject('mongoUri');
const { open: database, envFor, dropAll } = testDatabases(uri);
let work: string;
let source: Database;
let uploadDir: string;
/** Every collection's documents as the server returns their bytes (by _id), and its indexes. */
async function snapshotDb(db: Database) {
  const names = (await db.db.listCollections({}, { nameOnly: true }).toArray())
    .map((c) => c.name)
    .sort();
  const result: Record<string, { docs: string[]; indexes: Document[] }> = {};
  for (const name of names) {
    const raw = await db.db
      .collection(name)
      .find({}, { raw: true, sort: { _id: 1 } })
      .toArray();
    const indexes = (await db.db.collection(name).listIndexes().toArray()) as Document[];
    result[name] = {
      docs: raw.map((doc) => Buffer.from(doc as unknown as Uint8Array).toString('hex')),
      indexes: indexes
        .map(({ v: _v, ns: _ns, ...spec }) => spec)
        .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    };
  }
  return result;
}

/** path → SHA-256 of every regular file (dot-entries excluded, like the backup). */
async function snapshotFiles(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  async function visit(rel: string) {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await visit(path);
      else {
        result[path] = createHash('sha256')
          .update(await readFile(join(root, path)))
          .digest('hex');
      }
    }
  }
  await visit('');
  return result;
}

/** Splits a .bson file with the `bson` package only (independent of the code under test). */
function readBsonFile(bytes: Buffer): Document[] {
  const docs: Document[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const length = bytes.readInt32LE(offset);
    docs.push(deserialize(bytes.subarray(offset, offset + length), { promoteValues: false }));
    offset += length;
  }
  expect(offset).toBe(bytes.length);
  return docs;
}

let sourceSnapshot: Awaited<ReturnType<typeof snapshotDb>>;
let sourceFiles: Record<string, string>;
let counter = 0;
const nextDir = (name: string) => join(work, `${name}-${++counter}`);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'invoice-cli-backup-'));
  uploadDir = join(work, 'uploads');
  source = database(testDatabaseName('cli-backup-src'));
  await reconcileIndexes(source.db);
  const seeded = await seedDemo({
    db: source,
    user: { uid: 'demo-owner', email: 'owner@example.test', emailVerified: true },
  });
  // Every BSON type an invoice database may hold, to prove types survive byte for byte.
  await source.db.collection('typed').insertMany([
    {
      _id: new ObjectId(),
      decimal: Decimal128.fromString('12345.678901234567890123456789'),
      long: Long.fromString('9007199254740993'),
      // Fits a double exactly: only an exact (non-promoting) read keeps it a Long.
      safeLong: Long.fromNumber(2 ** 40),
      wholeDouble: new Double(1e20),
      date: new Date('2026-02-03T04:05:06.789Z'),
      double: new Double(2.5),
      int: new Int32(-7),
      binary: new Binary(Buffer.from([0, 1, 2, 255]), 0),
      uuid: new UUID('0f8fad5b-d9cb-469f-a165-70867728950e'),
      timestamp: new Timestamp({ t: 1_700_000_000, i: 3 }),
      regex: new BSONRegExp('^inv-\\d+$', 'i'),
      text: 'Zürich € 漢字 \u{1F9FE}',
      nested: { list: [1, 'two', null, { three: true }], empty: {} },
    },
    { _id: new ObjectId(), small: 1 },
  ]);
  await source.db.collection('empty').createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
  await mkdir(join(uploadDir, seeded.orgId), { recursive: true });
  await writeFile(join(uploadDir, seeded.orgId, new ObjectId().toHexString()), randomBytes(70_000));
  await writeFile(join(uploadDir, seeded.orgId, new ObjectId().toHexString()), Buffer.alloc(0));
  await mkdir(join(uploadDir, '.tmp'));
  await writeFile(join(uploadDir, '.tmp', 'in-flight'), 'partial upload');
  sourceSnapshot = await snapshotDb(source);
  sourceFiles = await snapshotFiles(uploadDir);
});

afterAll(async () => {
  await dropAll();
  await rm(work, { recursive: true, force: true });
});

describe.each([false, true])('backup → wipe → restore (gzip %s)', (gzip) => {
  it('round-trips every document and file byte for byte in mongodump layout', async () => {
    const out = nextDir('backup');
    const backup = await cli(
      ['backup', '--out', out, '--upload-dir', uploadDir, '--json', ...(gzip ? ['--gzip'] : [])],
      { env: envFor(source.db.databaseName) },
    );
    expect(backup.err).toBe('');
    expect(backup.code).toBe(0);
    const report = json<{ collections: { name: string; documents: number }[] }>(backup);
    const dbName = source.db.databaseName;
    const suffix = gzip ? '.gz' : '';
    const collections = Object.keys(sourceSnapshot);
    expect(report.collections.map((c) => c.name)).toEqual(collections);

    // mongodump layout, read back with the bson package alone.
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      collections: { name: string; documents: number; data: { sha256: string } }[];
      uploads: { files: { path: string; sha256: string }[] };
    };
    for (const name of collections) {
      const stored = await readFile(join(out, dbName, `${name}.bson${suffix}`));
      const docs = readBsonFile(gzip ? gunzipSync(stored) : stored);
      const expected = sourceSnapshot[name]!.docs.map((hex) =>
        deserialize(Buffer.from(hex, 'hex'), { promoteValues: false }),
      );
      expect(docs.map((d) => EJSON.stringify(d, { relaxed: false }))).toEqual(
        expected.map((d) => EJSON.stringify(d, { relaxed: false })),
      );
      const entry = manifest.collections.find((c) => c.name === name)!;
      expect(entry.documents).toBe(docs.length);
      expect(entry.data.sha256).toBe(createHash('sha256').update(stored).digest('hex'));

      const metaBytes = await readFile(join(out, dbName, `${name}.metadata.json${suffix}`));
      const metaText = (gzip ? gunzipSync(metaBytes) : metaBytes).toString('utf8');
      const meta = JSON.parse(metaText) as Record<string, unknown>;
      // mongodump's key order; options omitted when empty; canonical Extended JSON numbers.
      expect(Object.keys(meta).filter((k) => k !== 'options')).toEqual([
        'indexes',
        ...(meta.uuid === undefined ? [] : ['uuid']),
        'collectionName',
        'type',
      ]);
      expect(meta).toMatchObject({ collectionName: name, type: 'collection' });
      if (meta.uuid !== undefined) expect(meta.uuid).toMatch(/^[0-9a-f]{32}$/);
      expect((meta.indexes as Document[])[0]).toMatchObject({
        key: { _id: { $numberInt: '1' } },
        name: '_id_',
      });
      const names = (EJSON.parse(metaText) as { indexes: { name: string }[] }).indexes.map(
        (i) => i.name,
      );
      expect(names.sort()).toEqual(sourceSnapshot[name]!.indexes.map((i) => String(i.name)));
    }
    expect(manifest.uploads.files.map((f) => f.path.replace(/^uploads\//, '')).sort()).toEqual(
      Object.keys(sourceFiles).sort(),
    );
    expect(await snapshotFiles(join(out, 'uploads'))).toEqual(sourceFiles);

    // Wipe, restore into the same database and upload directory.
    const target = database(testDatabaseName(`cli-restore-${gzip}`));
    const restoredUploads = nextDir('restored-uploads');
    const restore = await cli(
      ['restore', '--from', out, '--upload-dir', restoredUploads, '--json'],
      { env: envFor(target.db.databaseName) },
    );
    expect(restore.err).toBe('');
    expect(restore.code).toBe(0);
    expect(json(restore)).toMatchObject({
      verifiedFiles: collections.length * 2 + Object.keys(sourceFiles).length,
      dropped: [],
      uploads: { files: Object.keys(sourceFiles).length },
    });
    expect(await snapshotDb(target)).toEqual(sourceSnapshot);
    expect(await snapshotFiles(restoredUploads)).toEqual(sourceFiles);
  });
});

describe('backup consistency and refusals', () => {
  it('reads every collection at one point in time (writes during the backup are not in it)', async () => {
    const out = nextDir('snapshot');
    const before = await snapshotDb(source);
    const report = await createBackup({
      client: source.client,
      db: source.db,
      out,
      uploadDir: null,
      gzip: false,
      progress: silentProgress,
      now: new Date(),
      afterCollection: async () => {
        await source.db.collection('typed').insertOne({ _id: new ObjectId(), late: true });
        await source.db.collection('zz_late').insertOne({ late: true });
      },
    });
    expect(report.collections.find((c) => c.name === 'typed')?.documents).toBe(
      before.typed!.docs.length,
    );
    expect(report.collections.map((c) => c.name)).not.toContain('zz_late');
    await source.db.collection('typed').deleteMany({ late: true });
    await source.db.collection('zz_late').drop();
  });

  it('refuses a backup into a non-empty directory, a missing upload directory and an empty database', async () => {
    const env = envFor(source.db.databaseName);
    const occupied = nextDir('occupied');
    await mkdir(occupied);
    await writeFile(join(occupied, 'keep.txt'), 'mine');
    const r1 = await cli(['backup', '--out', occupied, '--skip-uploads'], { env });
    expect(r1.code).toBe(1);
    expect(r1.err).toContain('is not empty');
    expect(await readFile(join(occupied, 'keep.txt'), 'utf8')).toBe('mine');
    const r2 = await cli(['backup', '--out', nextDir('x'), '--upload-dir', join(work, 'nope')], {
      env,
    });
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('--skip-uploads');
    // A mistyped --db: an empty database, whose backup would have looked complete.
    const out = nextDir('typo');
    const r3 = await cli(['backup', '--out', out, '--skip-uploads', '--db', 'invoicess_typo'], {
      env,
    });
    expect(r3.code).toBe(1);
    expect(r3.err).toContain('database invoicess_typo has no collections; check --db');
    await expect(readdir(out)).rejects.toThrow();
  });

  it('shows progress on a terminal, never with --json', async () => {
    const env = envFor(source.db.databaseName);
    const human = await cli(['backup', '--out', nextDir('p'), '--skip-uploads'], {
      env,
      tty: true,
    });
    expect(human.code).toBe(0);
    expect(human.tty).toContain('backup ');
    expect(human.out).toContain('backup of');
    const machine = await cli(['backup', '--out', nextDir('p'), '--skip-uploads', '--json'], {
      env,
      tty: true,
    });
    expect(machine.code).toBe(0);
    expect(machine.tty).toBe('');
  });
});

describe('restore refuses bad backups and occupied targets, writing nothing', () => {
  let good: string;
  beforeAll(async () => {
    good = nextDir('good');
    const r = await cli(['backup', '--out', good, '--upload-dir', uploadDir], {
      env: envFor(source.db.databaseName),
    });
    expect(r.code).toBe(0);
  });

  async function copyOfGood(): Promise<string> {
    const copy = nextDir('copy');
    await mkdir(copy);
    const { cp } = await import('node:fs/promises');
    await cp(good, copy, { recursive: true });
    return copy;
  }

  async function rewriteManifest(dir: string, edit: (m: Record<string, unknown>) => void) {
    const path = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    edit(manifest);
    await writeFile(path, JSON.stringify(manifest));
  }

  /** Restores into a fresh database and upload dir; asserts exit 1 and that nothing was written. */
  async function expectRefused(from: string, message: string | RegExp) {
    const target = database(testDatabaseName('cli-refused'));
    const files = nextDir('refused-uploads');
    const r = await cli(['restore', '--from', from, '--upload-dir', files], {
      env: envFor(target.db.databaseName),
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(await target.db.listCollections().toArray()).toEqual([]);
    await expect(readdir(files)).rejects.toThrow();
  }

  it('refuses a tampered file (checksum or size mismatch)', async () => {
    const dir = await copyOfGood();
    const path = join(dir, source.db.databaseName, 'invoices.bson');
    const bytes = await readFile(path);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(path, bytes);
    await expectRefused(dir, /nothing written: checksum mismatch for .*invoices\.bson/);
    const upload = await copyOfGood();
    const manifest = JSON.parse(await readFile(join(upload, 'manifest.json'), 'utf8')) as {
      uploads: { files: { path: string }[] };
    };
    await appendFile(join(upload, manifest.uploads.files[0]!.path), 'x');
    // Refused by its size, before any file is read (a huge sparse file costs nothing to check).
    await expectRefused(upload, /size mismatch for uploads\//);
    const sparse = await copyOfGood();
    await truncate(join(sparse, manifest.uploads.files[0]!.path), 64 * 1024 ** 3);
    await expectRefused(sparse, /size mismatch for uploads\//);
  });

  it('refuses a missing, unreadable, oversized or hostile manifest', async () => {
    await expectRefused(join(work, 'does-not-exist'), /manifest\.json not found/);
    const notJson = await copyOfGood();
    await writeFile(join(notJson, 'manifest.json'), '{"format":');
    await expectRefused(notJson, /not valid JSON/);
    const traversal = await copyOfGood();
    await rewriteManifest(traversal, (m) => {
      (m.uploads as { files: { path: string }[] }).files[0]!.path = 'uploads/../../etc/passwd';
    });
    await expectRefused(traversal, /not a valid manifest/);
    const huge = await copyOfGood();
    await truncate(join(huge, 'manifest.json'), 257 * 1024 * 1024);
    await expectRefused(huge, /larger than/);
  });

  it('refuses unexpected, missing and symlinked files', async () => {
    const extra = await copyOfGood();
    await writeFile(join(extra, 'uploads', 'planted'), 'x');
    await expectRefused(extra, /unexpected file uploads\/planted/);
    const missing = await copyOfGood();
    await rm(join(missing, source.db.databaseName, 'customers.metadata.json'));
    await expectRefused(missing, /missing file .*customers\.metadata\.json/);
    const linked = await copyOfGood();
    await symlink('/etc/hostname', join(linked, 'uploads', 'link'));
    await expectRefused(linked, /not a regular file/);
  });

  it('refuses a truncated .bson and a wrong metadata file even with matching checksums', async () => {
    const rehash = async (dir: string, relative: string) => {
      const bytes = await readFile(join(dir, relative));
      await rewriteManifest(dir, (m) => {
        for (const c of m.collections as {
          data: Record<string, unknown>;
          metadata: Record<string, unknown>;
        }[]) {
          for (const f of [c.data, c.metadata]) {
            if (f.path === relative) {
              f.bytes = bytes.length;
              f.sha256 = createHash('sha256').update(bytes).digest('hex');
            }
          }
        }
      });
    };
    const truncated = await copyOfGood();
    const bson = `${source.db.databaseName}/customers.bson`;
    const bytes = await readFile(join(truncated, bson));
    await writeFile(join(truncated, bson), bytes.subarray(0, bytes.length - 7));
    await rehash(truncated, bson);
    await expectRefused(truncated, /customers\.bson: truncated BSON/);

    const renamed = await copyOfGood();
    const meta = `${source.db.databaseName}/customers.metadata.json`;
    await writeFile(
      join(renamed, meta),
      JSON.stringify({ indexes: [], collectionName: 'invoices', type: 'collection' }),
    );
    await rehash(renamed, meta);
    await expectRefused(renamed, /names collection invoices, not customers/);
  });

  it('restores into a database a server already booted on (empty collections and indexes)', async () => {
    const target = database(testDatabaseName('cli-booted'));
    await reconcileIndexes(target.db);
    const r = await cli(['restore', '--from', good, '--skip-uploads', '--json'], {
      env: envFor(target.db.databaseName),
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(json<{ dropped: string[] }>(r).dropped).toContain('invoices');
    expect(await snapshotDb(target)).toEqual(sourceSnapshot);
  });

  it('refuses a non-empty target without --drop, replaces it with --drop', async () => {
    const target = database(testDatabaseName('cli-occupied'));
    const files = nextDir('occupied-uploads');
    const staleOrg = join(files, new ObjectId().toHexString());
    await mkdir(staleOrg, { recursive: true });
    await writeFile(join(staleOrg, new ObjectId().toHexString()), 'old');
    await target.db.collection('customers').insertOne({ name: 'stale' });
    await target.db.collection('unrelated').insertOne({ keep: true });
    const env = envFor(target.db.databaseName);
    const refused = await cli(['restore', '--from', good, '--upload-dir', files], { env });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is not empty (customers, unrelated); pass --drop');
    expect(await target.db.collection('customers').countDocuments()).toBe(1);

    const dropped = await cli(['restore', '--from', good, '--upload-dir', files, '--drop'], {
      env,
    });
    expect(dropped.code).toBe(0);
    expect(dropped.out).toContain('replaced: customers');
    const after = await snapshotDb(target);
    const { unrelated, ...restored } = after;
    expect(restored).toEqual(sourceSnapshot);
    expect(unrelated?.docs).toHaveLength(1);
    expect(await snapshotFiles(files)).toEqual(sourceFiles);
  });

  it('refuses --drop into a directory that does not look like an upload directory', async () => {
    const target = database(testDatabaseName('cli-mistyped-uploads'));
    const home = nextDir('service-home');
    await mkdir(join(home, 'data'), { recursive: true });
    await writeFile(join(home, 'config.env'), 'MONGODB_URI=...');
    const r = await cli(['restore', '--from', good, '--upload-dir', home, '--drop'], {
      env: envFor(target.db.databaseName),
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'nothing written: ' +
        home +
        ' does not look like an upload directory (it holds config.env, data',
    );
    expect((await readdir(home)).sort()).toEqual(['config.env', 'data']);
    expect(await target.db.listCollections().toArray()).toEqual([]);
  });
});
