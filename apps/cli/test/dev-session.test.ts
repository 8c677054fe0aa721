import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { cli, json } from './cli-io.js';
import { testDatabases } from './databases.js';

/**
 * Without MONGODB_URI the CLI works on the running zero-config server's data: the embedded
 * database (on a new port at every start) and the upload directory its dev-session.json names.
 */
const uri = inject('mongoUri');
const { open: database, dropAll } = testDatabases(uri);
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'invoice-cli-dev-session-'));
});
afterAll(async () => {
  await dropAll();
  await rm(dataDir, { recursive: true, force: true });
});

it("uses the zero-config server's database and upload directory when MONGODB_URI is unset", async () => {
  const db = database(testDatabaseName('cli-dev-session'));
  await db.db.collection('organizations').insertOne({ name: 'Dev Org' });
  const uploadDir = join(dataDir, 'server-uploads');
  const orgDir = join(uploadDir, '0123456789abcdef01234567');
  await mkdir(orgDir, { recursive: true });
  await writeFile(join(orgDir, '89abcdef0123456789abcdef'), 'a file');
  await writeFile(
    join(dataDir, 'dev-session.json'),
    JSON.stringify({
      apiUrl: 'http://127.0.0.1:3000/trpc',
      mongoUri: uri,
      uploadDir,
      pid: process.pid, // a running server
    }),
  );
  const env = { DATA_DIR: dataDir, MONGODB_DB: db.db.databaseName };
  const backup = await cli(['backup', '--out', join(dataDir, 'backup'), '--json'], { env });
  expect(backup.err).toBe('');
  expect(json<{ database: string; uploads: { files: number } }>(backup)).toMatchObject({
    database: db.db.databaseName,
    uploads: { files: 1 },
  });
  // An explicit UPLOAD_DIR still wins over the session's.
  const explicit = await cli(['backup', '--out', join(dataDir, 'backup-2'), '--json'], {
    env: { ...env, UPLOAD_DIR: join(dataDir, 'missing') },
  });
  expect(explicit.code).toBe(1);
  expect(explicit.err).toContain('missing');
});

it('ignores the dev-session.json of a server that has exited (killed before its clean-up)', async () => {
  // A process that has exited: its pid names no running process.
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  const staleDir = join(dataDir, 'stale');
  await mkdir(staleDir);
  await writeFile(
    join(staleDir, 'dev-session.json'),
    JSON.stringify({
      apiUrl: 'http://127.0.0.1:3000/trpc',
      mongoUri: uri, // would answer: only the pid says this session is over
      uploadDir: join(staleDir, 'uploads'),
      pid: child.pid,
    }),
  );
  const res = await cli(['org', 'list'], { env: { DATA_DIR: staleDir } });
  expect(res.code).toBe(2);
  expect(res.err).toContain('no database: set MONGODB_URI');
  expect(res.err).toContain('start the zero-config server (pnpm start)');
});
