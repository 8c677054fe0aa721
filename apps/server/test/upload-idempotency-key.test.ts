import {
  createAttachmentClient,
  createInvoiceClient,
  isAttachmentError,
  type AttachmentClient,
} from '@invoice/client';
import { rejection } from '@invoice/vitest-config/rejection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { PassThrough } from 'node:stream';
import type { CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import {
  attachmentsPath,
  eventually,
  filesUnder,
  listeningPort,
  metricSample,
  multipartBody,
  multipartFraming,
  postOverSocket,
  orgWithAccountant,
  PNG,
  tempFiles,
  type Member,
  type Org,
} from './uploads.js';

/**
 * The upload route takes an `Idempotency-Key`, as every mutation takes an `idempotencyKey`
 * (DOMAIN.md): a client whose answer was lost sends the same upload again and gets the first
 * answer, with one attachment and one file stored. Before, a retried upload stored the file
 * twice. The same key with another file is refused (409) and leaves nothing behind.
 */
describe('upload Idempotency-Key', () => {
  let s: TestServer;
  let url: string;
  let org: Org;
  let accountant: Member;
  let files: AttachmentClient;

  beforeAll(async () => {
    s = await startTestServer('upload-idem', { RATE_LIMIT_PER_MINUTE: '1000000' });
    url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
    ({ org, accountant } = await orgWithAccountant(s.db, s.signIn, 'upload-idem'));
    files = createAttachmentClient({ url, getToken: () => accountant.idToken });
  });
  afterAll(() => s.close());

  const png = (name = 'scan.png', bytes = PNG) => new File([bytes], name, { type: 'image/png' });
  const listed = async () =>
    (
      await createInvoiceClient({ url, getToken: () => accountant.idToken }).attachment.list.query(
        org,
      )
    ).items;
  const storedFiles = async () =>
    (await filesUnder(s.config.UPLOAD_DIR)).filter((f) => f.startsWith(`${org.orgId}/`));

  it('a repeat with the same key and file answers the first upload; one attachment, one file', async () => {
    const before = { listed: (await listed()).length, files: (await storedFiles()).length };
    const first = await files.uploadAttachment({ ...org, file: png(), idempotencyKey: 'up-1' });
    const again = await files.uploadAttachment({ ...org, file: png(), idempotencyKey: 'up-1' });
    expect(again).toEqual(first);
    expect(await listed()).toHaveLength(before.listed + 1);
    expect(await storedFiles()).toHaveLength(before.files + 1);
    expect(await tempFiles(s.config.UPLOAD_DIR)).toEqual([]);
  });

  it('concurrent repeats store one attachment and all answer it', async () => {
    const before = (await listed()).length;
    const answers = await Promise.all(
      [1, 2, 3].map(() => files.uploadAttachment({ ...org, file: png(), idempotencyKey: 'up-c' })),
    );
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(await listed()).toHaveLength(before + 1);
    expect((await storedFiles()).filter((f) => f.endsWith(answers[0]!.id))).toHaveLength(1);
    expect(await storedFiles()).toHaveLength((await listed()).length);
  });

  it('the same key with another file or name is refused (409) and leaves nothing behind', async () => {
    await files.uploadAttachment({ ...org, file: png(), idempotencyKey: 'up-2' });
    const before = { listed: (await listed()).length, files: await storedFiles() };
    const other = Buffer.concat([PNG, Buffer.from('different bytes')]);
    for (const file of [png('scan.png', other), png('renamed.png')]) {
      const error = await rejection(
        files.uploadAttachment({ ...org, file, idempotencyKey: 'up-2' }),
        isAttachmentError,
      );
      expect({ status: error.status, code: error.code }).toEqual({ status: 409, code: 'CONFLICT' });
    }
    expect(await listed()).toHaveLength(before.listed);
    expect(await storedFiles()).toEqual(before.files);
    expect(await tempFiles(s.config.UPLOAD_DIR)).toEqual([]);
  });

  it('the client sends a keyed upload whose answer was lost again; it is stored once', async () => {
    const before = { listed: (await listed()).length, files: (await storedFiles()).length };
    let requests = 0;
    const losing = createAttachmentClient({
      url,
      getToken: () => accountant.idToken,
      retry: { baseDelayMs: 1 },
      fetch: async (input, init) => {
        requests += 1;
        const response = await fetch(String(input), init as RequestInit | undefined);
        if (requests > 1) return response;
        await response.arrayBuffer();
        throw new TypeError('fetch failed');
      },
    });
    const stored = await losing.uploadAttachment({
      ...org,
      file: png(),
      idempotencyKey: 'up-lost',
    });
    expect(requests).toBe(2);
    expect((await listed()).map((a) => a.id)).toContain(stored.id);
    expect(await listed()).toHaveLength(before.listed + 1);
    expect(await storedFiles()).toHaveLength(before.files + 1);
  });

  it('a repeat whose key expires while its file is read is refused (503, retryable), keeping nothing', async () => {
    const key = 'up-expiring';
    const keysCollection = s.db.collections.idempotencyKeys.collectionName;
    const recordedFrom = new Date();
    const first = await files.uploadAttachment({ ...org, file: png(), idempotencyKey: key });
    const failures = (reason: string) => metricSample(s.app, 'upload_failures_total', { reason });
    const before = {
      listed: (await listed()).length,
      files: await storedFiles(),
      invalid: await failures('invalid'),
      db: await failures('db'),
    };
    // Told apart by the driver's request ids: the route's lookup of the key, then its answer.
    const lookups = new Set<number>();
    let looked = false;
    const started = (e: CommandStartedEvent) => {
      if (e.commandName === 'find' && e.command.find === keysCollection) lookups.add(e.requestId);
    };
    const succeeded = (e: CommandSucceededEvent) => {
      if (lookups.has(e.requestId)) looked = true;
    };
    s.db.client.on('commandStarted', started).on('commandSucceeded', succeeded);
    try {
      const { head, tail, contentType } = multipartFraming('scan.png', 'image/png');
      const body = new PassThrough();
      const post = postOverSocket(
        await listeningPort(s.app),
        attachmentsPath(org),
        {
          authorization: `Bearer ${accountant.idToken}`,
          'content-type': contentType,
          'idempotency-key': key,
        },
        body,
      );
      body.write(head);
      // The route found the key recorded; its retention runs out before the file has arrived.
      expect(await eventually(() => Promise.resolve(looked))).toBe(true);
      // This test's key only: the one recorded by its first upload.
      const expired = await s.db.collections.idempotencyKeys.deleteMany({
        scope: org.orgId,
        createdAt: { $gte: recordedFrom },
      });
      expect(expired.deletedCount).toBe(1);
      body.end(Buffer.concat([PNG, tail]));
      const res = await post.response;
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(JSON.parse(res.body)).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      s.db.client.off('commandStarted', started).off('commandSucceeded', succeeded);
    }
    expect(await listed()).toHaveLength(before.listed);
    expect(await storedFiles()).toEqual(before.files);
    // Counted with the key's other refusals, not as a database failure (that one pages).
    expect(await failures('invalid')).toBe(before.invalid + 1);
    expect(await failures('db')).toBe(before.db);
    // Sent again, it is a new upload under a key nobody holds any more.
    const again = await files.uploadAttachment({ ...org, file: png(), idempotencyKey: key });
    expect(again.id).not.toBe(first.id);
    expect(await listed()).toHaveLength(before.listed + 1);
  });

  it('without a key every upload is stored, as before', async () => {
    const before = (await listed()).length;
    await files.uploadAttachment({ ...org, file: png() });
    await files.uploadAttachment({ ...org, file: png() });
    expect(await listed()).toHaveLength(before + 2);
  });

  it('a malformed, oversized or hostile key is refused (400) before the body is read', async () => {
    const { body, contentType } = multipartBody(PNG, 'scan.png', 'image/png');
    for (const key of ['', ' '.repeat(0) + 'k'.repeat(256), 'naïve', '$where', 'a\tb']) {
      const res = await s.app.inject({
        method: 'POST',
        url: attachmentsPath(org),
        headers: {
          authorization: `Bearer ${accountant.idToken}`,
          'content-type': contentType,
          'idempotency-key': key,
        },
        payload: body,
      });
      expect(res.statusCode, JSON.stringify(key)).toBe(400);
      expect(res.json<{ code: string; message: string }>()).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/^Idempotency-Key: /) as unknown,
      });
    }
    expect(await tempFiles(s.config.UPLOAD_DIR)).toEqual([]);
  });

  it('the client refuses a bad key before sending anything', async () => {
    const error = await rejection(
      files.uploadAttachment({ ...org, file: png(), idempotencyKey: 'x'.repeat(300) }),
      isAttachmentError,
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/not sent: idempotencyKey/);
  });
});
