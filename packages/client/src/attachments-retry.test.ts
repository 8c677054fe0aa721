import { rejection } from '@invoice/vitest-config/rejection';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT, INVOICE, ORG, uploaded } from '../test/attachment-fixtures.js';
import { createAttachmentClient, isAttachmentError, type RetryOptions } from './index.js';

type Answer = 'network' | 'broken' | 'ok' | { status: number; retryAfter?: string };

/** A fetch that plays `answers` in order (the last repeats) and records what was sent. */
function scripted(answers: Answer[]) {
  const sent: { method: string | undefined; key: string | null; body: unknown }[] = [];
  const fetch = (_url: unknown, init?: { method?: string; headers?: unknown; body?: unknown }) => {
    const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]);
    sent.push({ method: init?.method, key: headers.get('idempotency-key'), body: init?.body });
    const answer = answers[Math.min(sent.length, answers.length) - 1] ?? 'ok';
    if (answer === 'network') return Promise.reject(new TypeError('fetch failed'));
    if (answer === 'broken') {
      // A 200 whose body breaks off after its first bytes (the connection lost midway).
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('%P'));
          controller.error(new TypeError('terminated'));
        },
      });
      return Promise.resolve(
        new Response(body, {
          headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment' },
        }),
      );
    }
    if (answer === 'ok') {
      return Promise.resolve(
        init?.method === 'POST'
          ? Response.json(uploaded, { status: 201 })
          : new Response('%PDF', {
              headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment' },
            }),
      );
    }
    return Promise.resolve(
      Response.json(
        { statusCode: answer.status, code: 'SERVICE_UNAVAILABLE', message: 'later' },
        {
          status: answer.status,
          headers: answer.retryAfter === undefined ? {} : { 'retry-after': answer.retryAfter },
        },
      ),
    );
  };
  return { fetch, sent };
}

function client(answers: Answer[], retry: RetryOptions | false = { baseDelayMs: 1 }) {
  const { fetch, sent } = scripted(answers);
  return { files: createAttachmentClient({ url: 'http://api.test/trpc', fetch, retry }), sent };
}

const download = (c: ReturnType<typeof client>, signal?: AbortSignal) =>
  c.files.downloadAttachment({ orgId: ORG, attachmentId: ATTACHMENT, signal });
const upload = (c: ReturnType<typeof client>, idempotencyKey?: string) =>
  c.files.uploadAttachment({
    orgId: ORG,
    invoiceId: INVOICE,
    file: new File(['%PDF-1.4\n'], 'a.pdf', { type: 'application/pdf' }),
    idempotencyKey,
  });

describe('attachment client retries', () => {
  it('a download that met no answer, 503 and 429 is sent again until it succeeds', async () => {
    const c = client(['network', { status: 503, retryAfter: '0' }, { status: 429 }, 'ok'], {
      baseDelayMs: 1,
      attempts: 4,
    });
    const got = await download(c);
    expect(got.size).toBe(4);
    expect(c.sent).toHaveLength(4);
  });

  it('a download whose answer broke off midway is sent again and read whole', async () => {
    const c = client(['broken', 'broken', 'ok']);
    const got = await download(c);
    expect(got.size).toBe(4);
    expect(await got.blob.text()).toBe('%PDF');
    expect(c.sent.map((s) => s.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('a download that keeps breaking off ends as NETWORK_ERROR after the last attempt', async () => {
    const c = client(['broken'], { baseDelayMs: 1, attempts: 2 });
    const error = await rejection(download(c), isAttachmentError);
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/answer broke off/);
    expect(c.sent).toHaveLength(2);
  });

  it('a keyed upload is sent again, whole and with the same key', async () => {
    const c = client(['network', { status: 502 }, 'ok']);
    await expect(upload(c, 'up-1')).resolves.toMatchObject({ id: ATTACHMENT });
    expect(c.sent.map((s) => s.key)).toEqual(['up-1', 'up-1', 'up-1']);
    for (const { body } of c.sent) {
      const file = body instanceof FormData ? body.get('file') : null;
      expect(file).toBeInstanceOf(File);
      expect((file as File).size).toBe(9);
    }
  });

  it('an upload without a key is not sent again', async () => {
    const c = client(['network', 'ok']);
    const error = await rejection(upload(c), isAttachmentError);
    expect(error.code).toBe('NETWORK_ERROR');
    expect(c.sent).toHaveLength(1);
  });

  it('a refusal is not retried, and the last transient failure is what the caller gets', async () => {
    const refused = client([{ status: 404 }, 'ok']);
    expect((await rejection(download(refused), isAttachmentError)).status).toBe(404);
    expect(refused.sent).toHaveLength(1);

    const unavailable = client([{ status: 503 }]);
    const error = await rejection(download(unavailable), isAttachmentError);
    expect({ status: error.status, code: error.code }).toEqual({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(unavailable.sent).toHaveLength(3);
  });

  it("a caller's abort during the wait ends the call at once as CLIENT_CLOSED_REQUEST", async () => {
    // A 60 s wait: if the abort did not end it, the test would time out.
    const c = client([{ status: 503, retryAfter: '60' }, 'ok'], { maxDelayMs: 120_000 });
    const controller = new AbortController();
    const call = download(c, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    const error = await rejection(call, isAttachmentError);
    expect(error.code).toBe('CLIENT_CLOSED_REQUEST');
    expect(c.sent).toHaveLength(1);
  });

  it('`retry: false` sends once', async () => {
    const c = client(['network', 'ok'], false);
    await rejection(download(c), isAttachmentError);
    expect(c.sent).toHaveLength(1);
  });
});
