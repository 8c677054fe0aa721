import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import {
  attachmentsPath,
  listeningPort,
  multipartFraming,
  orgWithAccountant,
  PNG,
  tempFiles,
  type Member,
  type Org,
} from './uploads.js';

/**
 * An upload refused while its body still arrives (a file whose bytes are not its declared type,
 * a second file) was answered, and then the rest of its body was never read: Node parses no
 * further request on that connection. A keep-alive client's next request hung until the
 * request timeout (and then got a 408 it had not asked for), and a shutdown waited on the
 * connection past its budget. The body is now read and dropped after the answer (failed before).
 */
describe('an upload refused mid-body leaves its keep-alive connection usable', () => {
  let s: TestServer;
  let port: number;
  let org: Org;
  let accountant: Member;

  beforeAll(async () => {
    s = await startTestServer('upload-refusal-keep-alive', { RATE_LIMIT_PER_MINUTE: '1000000' });
    port = await listeningPort(s.app);
    ({ org, accountant } = await orgWithAccountant(s.db, s.signIn, 'refusal-keep-alive'));
  });
  afterAll(() => s.close());

  /** Everything the server sends on one connection, as text. */
  async function open(): Promise<{ socket: Socket; received: () => string }> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    return { socket, received: () => text };
  }

  function upload(socket: Socket, parts: Buffer[], contentType: string): void {
    const body = Buffer.concat(parts);
    socket.write(
      `POST ${attachmentsPath(org)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${accountant.idToken}\r\nContent-Type: ${contentType}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
  }

  /** A second request on the same connection is answered. */
  async function nextRequestAnswered(socket: Socket, received: () => string): Promise<void> {
    const before = received().length;
    socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await vi.waitFor(() => expect(received().slice(before)).toMatch(/^HTTP\/1\.1 200 /), {
      timeout: 15_000,
    });
  }

  it('after a file refused by its content check (415)', async () => {
    const { socket, received } = await open();
    try {
      // 3 MB of text declared as a PNG: refused after the first bytes, most of it still coming.
      const framing = multipartFraming('fake.png', 'image/png');
      upload(
        socket,
        [framing.head, Buffer.alloc(3 * 1024 * 1024, 0x61), framing.tail],
        framing.contentType,
      );
      await vi.waitFor(() => expect(received()).toMatch(/^HTTP\/1\.1 415 /), { timeout: 15_000 });
      await nextRequestAnswered(socket, received);
    } finally {
      socket.destroy();
    }
    expect(await tempFiles(s.config.UPLOAD_DIR)).toEqual([]);
  });

  it('after a request with a second file (400)', async () => {
    const { socket, received } = await open();
    try {
      const first = multipartFraming('a.png', 'image/png');
      const second = Buffer.concat([
        Buffer.from('\r\n'),
        multipartFraming('b.png', 'image/png', first.boundary).head,
      ]);
      upload(
        socket,
        [first.head, PNG, second, PNG, Buffer.alloc(3 * 1024 * 1024, 0x62), first.tail],
        first.contentType,
      );
      await vi.waitFor(() => expect(received()).toMatch(/^HTTP\/1\.1 400 /), { timeout: 15_000 });
      await nextRequestAnswered(socket, received);
    } finally {
      socket.destroy();
    }
    expect(await tempFiles(s.config.UPLOAD_DIR)).toEqual([]);
  });
});
