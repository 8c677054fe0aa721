import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { listeningPort } from './uploads.js';

/**
 * A client that sends headers and then trickles (or stalls) its body held its connection, and
 * for an upload its temp file, for as long as it liked: Fastify's `requestTimeout` is 0 unless
 * set. REQUEST_TIMEOUT_MS bounds receiving a whole request; Node checks incomplete requests
 * every 30 s (`connectionsCheckingInterval`), so the answer comes within about that much more.
 */
describe('REQUEST_TIMEOUT_MS', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('request-timeout', { REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(() => s.close());

  it('answers 408 and closes the connection of a request whose body never arrives', async () => {
    const port = await listeningPort(s.app);
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      'POST /trpc/organization.create HTTP/1.1\r\nHost: localhost\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"json":',
    );
    await closed; // the test's own timeout bounds the wait
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(s.config.REQUEST_TIMEOUT_MS).toBe(1000);
  }, 60_000);
});
