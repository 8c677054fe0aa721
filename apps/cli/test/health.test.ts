import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Database } from '@invoice/db';
import { buildApp, parseEnv } from '@invoice/server';
import { testDatabaseName } from '@invoice/vitest-config/database-name';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
// The server's real verifier (not exported by @invoice/server); no test here sends a token.
import { createFirebaseVerifier } from '../../server/src/auth/token-verifier.js';
import { cli, json } from './cli-io.js';

let db: Database;
let uploadDir: string;
const apps: Awaited<ReturnType<typeof buildApp>>[] = [];

/** The real server app, listening on a free local port. */
async function startServer(env: Record<string, string> = {}): Promise<string> {
  const config = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    UPLOAD_DIR: uploadDir,
    MIN_FREE_DISK_BYTES: '1',
    ...env,
  });
  const app = await buildApp({ config, db, verifier: createFirebaseVerifier('demo-invoices') });
  apps.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

const httpServers: Server[] = [];

/** A plain HTTP server answering every request with this status and JSON body. */
async function answering(status: number, body: string): Promise<string> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  httpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  uploadDir = await mkdtemp(join(tmpdir(), 'invoice-cli-health-'));
  db = createDb({ uri: inject('mongoUri'), dbName: testDatabaseName('cli-health') });
});

afterAll(async () => {
  for (const server of httpServers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const app of apps) await app.close();
  await db.close();
  await rm(uploadDir, { recursive: true, force: true });
});

describe('invoice-admin health', () => {
  it('exits 0 and names every check when the server is ready', async () => {
    const url = await startServer();
    const r = await cli(['health', '--url', url]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${url}/health/ready: 200 ready`);
    for (const check of ['mongo', 'uploadDir', 'disk', 'shutdown']) expect(r.out).toContain(check);
    const asJson = json<{ ready: boolean; status: number; body: { status: string } }>(
      await cli(['health', '--url', url, '--json']),
    );
    expect(asJson).toMatchObject({ ready: true, status: 200, body: { status: 'ready' } });
  });

  it('exits 1 when the server answers not ready (503)', async () => {
    const url = await startServer({ MIN_FREE_DISK_BYTES: String(Number.MAX_SAFE_INTEGER) });
    const r = await cli(['health', '--url', url, '--json']);
    expect(r.code).toBe(1);
    expect(json(r)).toMatchObject({ ready: false, status: 503, body: { status: 'unavailable' } });
  });

  it('says the instance is shedding load when it is overloaded, not that another service answered', async () => {
    // A heap bound of 1 byte: under-pressure sheds every request but liveness and metrics.
    const url = await startServer({ SHED_MAX_HEAP_USED_BYTES: '1' });
    // under-pressure samples the heap on a timer: wait until the server sheds.
    let r = await cli(['health', '--url', url]);
    for (let i = 0; i < 50 && !r.out.includes('shedding'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      r = await cli(['health', '--url', url]);
    }
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${url}/health/ready: 503 NOT READY`);
    // It used to say "the answer is not the server's readiness body" (a proxy's page, ...).
    expect(r.out).toContain('shedding load (overloaded); it asks to retry after 10 s');
    expect(r.out).not.toContain('not the server');
    const asJson = json<{ ready: boolean; status: number; overloaded: boolean }>(
      await cli(['health', '--url', url, '--json']),
    );
    expect(asJson).toMatchObject({ ready: false, status: 503, overloaded: true });
  });

  it('exits 1 when nothing listens, with a clear message', async () => {
    const port = await closedPort();
    const r = await cli(['health', '--url', `http://127.0.0.1:${port}`, '--timeout', '2000']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`http://127.0.0.1:${port}/health/ready unreachable`);
  });

  it('exits 1 when the server does not answer in time', async () => {
    // Accepts connections, never answers.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const r = await cli([
        'health',
        '--url',
        `http://127.0.0.1:${address.port}`,
        '--timeout',
        '300',
      ]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('no answer within 300 ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('exits 1 on a 200 whose body is not the readiness body, and says so', async () => {
    // A proxy, a default vhost or another service on the port: 200 with JSON, but not ours.
    const answers: [label: string, body: string][] = [
      ['empty object', '{}'],
      ['another status', '{"status":"down"}'],
      ['ok without checks', '{"status":"ok"}'],
      ['checks of another shape', '{"status":"ready","checks":{"mongo":"up"}}'],
      ['no checks', '{"status":"ready","checks":{}}'],
      ['a list', '[]'],
    ];
    for (const [label, body] of answers) {
      const url = await answering(200, body);
      const r = await cli(['health', '--url', url]);
      expect(r.code, label).toBe(1);
      expect(r.out, label).toContain(`${url}/health/ready: 200 NOT READY`);
      expect(r.out, label).toContain("the answer is not the server's readiness body");
      const asJson = json<{ ready: boolean; status: number }>(
        await cli(['health', '--url', url, '--json']),
      );
      expect(asJson, label).toMatchObject({ ready: false, status: 200 });
    }
  });

  it('exits 1 on a 200 readiness body that does not say ready', async () => {
    const failing = JSON.stringify({
      status: 'unavailable',
      checks: { mongo: { ok: false, ms: 3, error: 'MongoServerSelectionError' } },
    });
    const url = await answering(200, failing);
    const r = await cli(['health', '--url', url]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${url}/health/ready: 200 NOT READY`);
    expect(r.out).toContain('mongo');
    // "ready" with a failed check is not ready either.
    const contradictory = JSON.stringify({
      status: 'ready',
      checks: { mongo: { ok: false, ms: 3, error: 'MongoServerSelectionError' } },
    });
    const r2 = await cli(['health', '--url', await answering(200, contradictory)]);
    expect(r2.code).toBe(1);
    expect(r2.out).toContain('(200, but the body says "ready"; failed: mongo)');
  });

  it('the HTTP server does not serve operator procedures', async () => {
    const url = await startServer();
    const response = await fetch(`${url}/trpc/operator.organizationList?input=%7B%7D`);
    expect(response.status).toBe(404);
  });
});
