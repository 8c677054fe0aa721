import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * A MongoDB that is frozen (SIGSTOP, a network path that drops packets: connections open, nothing
 * answers) is the mongodb-unreachable runbook's case, diagnosed with `invoice-admin db migrate
 * status` "exits 1 with the driver's error". The command reports the server-selection timeout
 * after 5 s. Before, the process only exited once the driver's pending handshake gave up on the
 * default 30 s connectTimeoutMS (~25 s after the error line); the CLI now sets it to 5 s. Run as
 * the operator runs it: the real binary.
 */
const bin = fileURLToPath(new URL('../bin/invoice-admin.js', import.meta.url));
const sockets: Socket[] = [];
let frozen: Server;
let port: number;

beforeAll(async () => {
  // Accepts connections and never answers, like a frozen mongod.
  frozen = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
  const address = frozen.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  port = address.port;
});

afterAll(() => {
  for (const socket of sockets) socket.destroy();
  frozen.close();
});

it('exits soon after reporting a frozen database, not ~30 s later', async () => {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [bin, 'db', 'migrate', 'status', '--uri', `mongodb://127.0.0.1:${port}/`],
    { env: { PATH: process.env.PATH, DATA_DIR: '/nonexistent/invoice-data' }, stdio: 'pipe' },
  );
  let stderr = '';
  let reportedAt = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    reportedAt ||= Date.now() - started;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const exitedAt = Date.now() - started;
  expect(stderr).toContain(`cannot reach MongoDB at mongodb://127.0.0.1:${port}/`);
  expect(code).toBe(1);
  // Reported after the 5 s server selection timeout; the process must not linger past it.
  expect(reportedAt).toBeLessThan(12_000);
  // With the driver's default it lingered ~25 s; the bound leaves room for a loaded CI machine.
  expect(exitedAt - reportedAt).toBeLessThan(15_000);
}, 60_000);
