import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_ORG_NAME } from '@invoice/api';
import { createDb } from '@invoice/db';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { startChildServer, type ChildServer } from '../../test/child-server.js';
import { parseEnv } from '../env.js';
import { emulatorSignIn } from './emulator-tokens.js';
import { DEMO_USER, announceZeroConfig, tokenCommand } from './zero-config.js';

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));

const readyLine = z.object({
  msg: z.string().startsWith('ready: '),
  url: z.string(),
  tokenCommand: z.string(),
});

/**
 * main.ts as a real process on the embedded database (MONGODB_URI removed, as on a fresh
 * clone) in `dataDir`; resolves with its parsed ready log line.
 */
async function startZeroConfig(dataDir: string, started: ChildServer[]) {
  const server = await startChildServer(
    'zero-config',
    // The run's emulator stands in for the one zero-config would spawn (slow to boot).
    // Same data directory and database name on every start, as `pnpm start` twice.
    { NODE_ENV: 'development', MONGODB_URI: undefined, MONGODB_DB: 'invoices' },
    { dataDir },
  );
  started.push(server);
  const ready = () =>
    server
      .output()
      .split('\n')
      .filter((line) => line.includes('"ready: '))
      .map((line) => readyLine.parse(JSON.parse(line)))[0];
  try {
    await expect.poll(ready, { timeout: 60_000, interval: 100 }).toBeDefined();
  } catch (error) {
    throw new Error(`server never got ready:\n${server.output()}`, { cause: error });
  }
  return {
    ready: ready() as z.infer<typeof readyLine>,
    stop: () => {
      server.child.kill('SIGTERM');
      return server.exited;
    },
  };
}

async function organizationList(url: string, token: string) {
  const res = await fetch(`${url}/trpc/organization.list`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const body = z
    .object({
      result: z.object({
        data: z.object({ json: z.array(z.object({ id: z.string(), name: z.string() })) }),
      }),
    })
    .parse(await res.json());
  return body.result.data.json;
}

describe('zero-config first run', () => {
  it('seeds the demo user and organization once on the embedded database and prints the token command', async () => {
    const emulatorHost = inject('firebaseAuthEmulatorHost');
    const dataDir = await mkdtemp(join(tmpdir(), 'invoice-zero-config-'));
    const started: ChildServer[] = [];
    try {
      const first = await startZeroConfig(dataDir, started);
      expect(first.ready.msg).toContain(`demo data created: "${DEMO_ORG_NAME}"`);
      expect(first.ready.msg).toContain(first.ready.url);
      expect(first.ready.tokenCommand).toBe(
        `DATA_DIR=${dataDir} npx pnpm@10.34.9 -s id-token demo@example.com`,
      );
      // What `invoice-admin` (without MONGODB_URI) and `pnpm id-token` read to find this server.
      const session = JSON.parse(await readFile(join(dataDir, 'dev-session.json'), 'utf8')) as {
        mongoUri?: string;
        uploadDir?: string;
        pid?: number;
      };
      expect(session.pid).toBe(started[0]!.child.pid);
      expect(session.mongoUri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+/);
      expect(session.uploadDir).toBe(join(dataDir, 'uploads'));
      const demo = await emulatorSignIn(emulatorHost, 'demo-invoices', DEMO_USER.email);
      expect(demo.uid).toBe(DEMO_USER.uid);
      const orgs = await organizationList(first.ready.url, demo.idToken);
      expect(orgs.map((o) => o.name)).toEqual([DEMO_ORG_NAME]);
      expect(await first.stop()).toBe(0);
      // A stopped server leaves no session behind for the tools to try.
      expect(existsSync(join(dataDir, 'dev-session.json'))).toBe(false);

      // Second run on the same data directory: nothing is created again.
      const second = await startZeroConfig(dataDir, started);
      expect(second.ready.msg).toContain(`demo data: "${DEMO_ORG_NAME}"`);
      expect(second.ready.msg).not.toContain('created');
      expect(await organizationList(second.ready.url, demo.idToken)).toEqual(orgs);
      expect(await second.stop()).toBe(0);
    } finally {
      for (const server of started) await server.cleanup(); // SIGKILL any still running
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('announceZeroConfig', () => {
  it('never seeds a configured database (MONGODB_URI set): no demo organization, generic token hint', async () => {
    const emulatorHost = inject('firebaseAuthEmulatorHost');
    const db = createDb({
      uri: inject('mongoUri'),
      dbName: testDatabaseName('zero-config-no-seed'),
    });
    const lines: { msg: string; tokenCommand?: string }[] = [];
    const log = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) },
    );
    try {
      await announceZeroConfig({
        config: parseEnv({
          NODE_ENV: 'development',
          MONGODB_URI: inject('mongoUri'),
          FIREBASE_AUTH_EMULATOR_HOST: emulatorHost,
        }),
        services: { mongoUri: null, emulator: null, stop: () => Promise.resolve() },
        db,
        address: 'http://127.0.0.1:1',
        serverDir: SERVER_DIR,
        log,
      });
      expect(await db.collections.organizations.countDocuments()).toBe(0);
      const ready = lines.find((l) => l.msg.startsWith('ready: '));
      expect(ready?.msg).not.toContain('demo data');
      expect(ready?.tokenCommand).toMatch(/id-token you@example\.com$/);
    } finally {
      await db.db.dropDatabase();
      await db.close();
    }
  });
});

describe('tokenCommand', () => {
  it('is the bare pnpm command for the default data directory of apps/server', () => {
    expect(tokenCommand('demo@example.com', resolve(SERVER_DIR, '.data'), SERVER_DIR)).toBe(
      'npx pnpm@10.34.9 -s id-token demo@example.com',
    );
  });

  it('names any other data directory, shell-quoted', () => {
    expect(tokenCommand('a@b.c', "/tmp/it's here", SERVER_DIR)).toBe(
      `DATA_DIR='/tmp/it'\\''s here' npx pnpm@10.34.9 -s id-token a@b.c`,
    );
  });
});
