import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cli, json } from './cli-io.js';
import { testDatabases } from './databases.js';

/**
 * An upload volume mounted at UPLOAD_DIR (a disk or CSI volume formatted ext4) holds the
 * filesystem's `lost+found` at its root, readable by root only. The server never writes it.
 * Before: a backup as the service user failed on it (EACCES; as root it copied fsck's recovered
 * fragments as if they were uploads), and a restore onto the volume was refused without --drop
 * ("not empty") and with it ("does not look like an upload directory"). Now the backup leaves it
 * out and the restore leaves it alone.
 */
const uri = inject('mongoUri');
const { open: database, envFor, dropAll } = testDatabases(uri);
const ORG = '0123456789abcdef01234567';
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lost-found-'));
});
afterAll(async () => {
  await dropAll();
  await rm(work, { recursive: true, force: true });
});

/** A volume root as mkfs.ext4 leaves it, with one fragment fsck recovered. */
async function volume(path: string): Promise<void> {
  await mkdir(join(path, 'lost+found'), { recursive: true, mode: 0o700 });
  await writeFile(join(path, 'lost+found', '#1234'), 'a recovered fragment');
}

describe('an upload volume with lost+found at its root', () => {
  let backup: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    const source = database(testDatabaseName('lost-found-src'));
    await source.db.collection('orgs').insertOne({ name: 'x' });
    env = envFor(source.db.databaseName);
    const uploads = join(work, 'uploads');
    await volume(uploads);
    await mkdir(join(uploads, ORG));
    await writeFile(join(uploads, ORG, 'a'), '%PDF-1.7 attachment');
    backup = join(work, 'backup');
    const made = await cli(['backup', '--out', backup, '--upload-dir', uploads, '--json'], { env });
    expect(made.code).toBe(0);
    expect(json(made)).toMatchObject({ uploads: { files: 1, skipped: [], vanished: [] } });
  });

  it('is left out of the backup', async () => {
    expect(await readdir(join(backup, 'uploads'))).toEqual([ORG]);
    const manifest = JSON.parse(await readFile(join(backup, 'manifest.json'), 'utf8')) as {
      uploads: { files: { path: string }[] };
    };
    expect(manifest.uploads.files.map((f) => f.path)).toEqual([`uploads/${ORG}/a`]);
  });

  it('does not make a fresh volume count as not empty', async () => {
    const target = database(testDatabaseName('lost-found-dst'));
    const uploads = join(work, 'fresh-volume');
    await volume(uploads);
    const restored = await cli(['restore', '--from', backup, '--upload-dir', uploads], {
      env: envFor(target.db.databaseName),
    });
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect((await readdir(uploads)).sort()).toEqual([ORG, 'lost+found']);
    expect(await readFile(join(uploads, ORG, 'a'), 'utf8')).toBe('%PDF-1.7 attachment');
    expect(await readFile(join(uploads, 'lost+found', '#1234'), 'utf8')).toBe(
      'a recovered fragment',
    );
  });

  it('is neither refused nor removed by --drop', async () => {
    const target = database(testDatabaseName('lost-found-drop'));
    await target.db.collection('orgs').insertOne({ name: 'current' });
    const uploads = join(work, 'used-volume');
    await volume(uploads);
    await mkdir(join(uploads, ORG));
    await writeFile(join(uploads, ORG, 'newer'), 'not in the backup');
    const restored = await cli(['restore', '--from', backup, '--upload-dir', uploads, '--drop'], {
      env: envFor(target.db.databaseName),
    });
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(await readdir(join(uploads, ORG))).toEqual(['a']);
    expect(await readdir(join(uploads, 'lost+found'))).toEqual(['#1234']);
  });

  // No backup holds a name that is not UTF-8, so --drop removes it. Before, the names were read
  // as strings (U+FFFD): rm missed the file while counting it, a directory of that kind could
  // not be read (ENOENT), and the restore exited 1 after the database had been swapped in.
  it('--drop removes files and directories whose names are not UTF-8', async () => {
    const target = database(testDatabaseName('lost-found-non-utf8'));
    const uploads = join(work, 'non-utf8-volume');
    await mkdir(join(uploads, ORG), { recursive: true });
    const inOrg = (...name: number[]) =>
      Buffer.concat([Buffer.from(`${join(uploads, ORG)}/`), Buffer.from(name)]);
    await writeFile(inOrg(0xff, 0x61), 'a file named in Latin-1');
    await mkdir(inOrg(0xfe, 0x64));
    await writeFile(Buffer.concat([inOrg(0xfe, 0x64), Buffer.from('/inside')]), 'x');
    const restored = await cli(
      ['restore', '--from', backup, '--upload-dir', uploads, '--drop', '--json'],
      { env: envFor(target.db.databaseName) },
    );
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(json(restored)).toMatchObject({ uploads: { files: 1, removed: 3 } });
    expect(await readdir(join(uploads, ORG))).toEqual(['a']);
  });
});
