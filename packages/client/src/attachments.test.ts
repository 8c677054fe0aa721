import { rejection } from '@invoice/vitest-config/rejection';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT, INVOICE, ORG, uploaded } from '../test/attachment-fixtures.js';
import { AttachmentError, createAttachmentClient, isAttachmentError } from './index.js';

interface Sent {
  url: string;
  method: string | undefined;
  auth: string | null;
  body: unknown;
}

/** A fetch that records what was sent and answers `answer()` (a Response, or a throw). */
function fakeFetch(answer: () => Response) {
  const sent: Sent[] = [];
  const fetch = (input: unknown, init?: { method?: string; headers?: unknown; body?: unknown }) => {
    sent.push({
      url: typeof input === 'string' ? input : 'not a string',
      method: init?.method,
      auth: new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]).get(
        'authorization',
      ),
      body: init?.body,
    });
    try {
      return Promise.resolve(answer());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return { fetch, sent };
}

/** The AttachmentError a call rejects with. */
const attachmentRejection = (call: Promise<unknown>): Promise<AttachmentError> =>
  rejection(call, isAttachmentError);

const pdf = () => new Blob(['%PDF-1.4\n'], { type: 'application/pdf' });
const upload = { orgId: ORG, invoiceId: INVOICE, file: pdf(), filename: 'a.pdf' };

describe('attachment errors from answers that are not the server JSON error', () => {
  it("a proxy's HTML page keeps the status, derives the code and says what happened", async () => {
    const html = '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>';
    const { fetch } = fakeFetch(
      () =>
        new Response(html, {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'content-type': 'text/html; charset=utf-8' },
        }),
    );
    const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
    for (const call of [
      client.uploadAttachment(upload),
      client.downloadAttachment({ orgId: ORG, attachmentId: ATTACHMENT }),
    ]) {
      const error = await attachmentRejection(call);
      expect(error).toBeInstanceOf(AttachmentError);
      expect(error.name).toBe('AttachmentError');
      expect(error.status).toBe(502);
      expect(error.code).toBe('BAD_GATEWAY');
      expect(error.serverCode).toBeNull();
      expect(error.message).toMatch(/HTTP 502 Bad Gateway with a text\/html body/);
      expect(error.message).toMatch(/not the server's JSON error/);
      expect(error.message).not.toContain('<html>');
    }
  });

  it('an empty body, JSON without a message and an unmapped status still give a typed error', async () => {
    const cases: [Response, number, string, RegExp][] = [
      [new Response(null, { status: 504 }), 504, 'GATEWAY_TIMEOUT', /HTTP 504 with an empty body/],
      [
        new Response('{"oops":true}', {
          status: 500,
          headers: { 'content-type': 'application/json' },
        }),
        500,
        'INTERNAL_SERVER_ERROR',
        /a application\/json body, not the server's JSON error/,
      ],
      [new Response('gone', { status: 410 }), 410, 'BAD_REQUEST', /HTTP 410/],
      [new Response('?', { status: 520 }), 520, 'INTERNAL_SERVER_ERROR', /HTTP 520/],
    ];
    for (const [response, status, code, message] of cases) {
      const { fetch } = fakeFetch(() => response);
      const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
      const error = await attachmentRejection(
        client.downloadAttachment({ orgId: ORG, attachmentId: ATTACHMENT }),
      );
      expect({ status: error.status, code: error.code }).toEqual({ status, code });
      expect(error.message).toMatch(message);
    }
  });

  it("carries the server's JSON error: code, message, request id and Retry-After", async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response(
          JSON.stringify({ statusCode: 429, code: 'TOO_MANY_REQUESTS', message: 'Slow down' }),
          {
            status: 429,
            headers: {
              'content-type': 'application/json',
              'retry-after': '7',
              'x-request-id': 'req-1',
            },
          },
        ),
    );
    const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
    const error = await attachmentRejection(client.uploadAttachment(upload));
    expect({ ...error, message: error.message }).toMatchObject({
      status: 429,
      code: 'TOO_MANY_REQUESTS',
      serverCode: 'TOO_MANY_REQUESTS',
      message: 'Slow down',
      requestId: 'req-1',
      retryAfterSeconds: 7,
    });
  });

  it('reads Retry-After as the API client does: delta-seconds or an HTTP date, else nothing', async () => {
    const retryAfterOf = async (header: string) => {
      const { fetch } = fakeFetch(
        () => new Response('busy', { status: 503, headers: { 'retry-after': header } }),
      );
      const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch, retry: false });
      return (await attachmentRejection(client.uploadAttachment(upload))).retryAfterSeconds;
    };
    expect(await retryAfterOf('7')).toBe(7);
    const inTenSeconds = await retryAfterOf(new Date(Date.now() + 10_000).toUTCString());
    expect(inTenSeconds).toBeGreaterThanOrEqual(9);
    expect(inTenSeconds).toBeLessThanOrEqual(10);
    expect(await retryAfterOf(new Date(Date.now() - 60_000).toUTCString())).toBe(0);
    expect(await retryAfterOf('soon')).toBeNull();
    expect(await retryAfterOf('-5')).toBeNull();
  });

  it("keeps a JSON error's unknown code as serverCode and derives the code from the status", async () => {
    const { fetch } = fakeFetch(() =>
      Response.json(
        { statusCode: 403, code: 'CORS_ORIGIN_NOT_ALLOWED', message: 'nope' },
        { status: 403 },
      ),
    );
    const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
    const error = await attachmentRejection(client.uploadAttachment(upload));
    expect([error.code, error.serverCode, error.message]).toEqual([
      'FORBIDDEN',
      'CORS_ORIGIN_NOT_ALLOWED',
      'nope',
    ]);
  });

  it('a 2xx that is not attachment metadata is UNEXPECTED_RESPONSE, saying the file may be stored', async () => {
    for (const body of ['<html>ok</html>', JSON.stringify({ ...uploaded, size: 'big' })]) {
      const { fetch } = fakeFetch(() => new Response(body, { status: 201 }));
      const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
      const error = await attachmentRejection(client.uploadAttachment(upload));
      expect([error.code, error.status]).toEqual(['UNEXPECTED_RESPONSE', 201]);
      expect(error.message).toMatch(/may have been stored/);
    }
  });

  it('a 200 download without Content-Disposition (an app shell for an unknown path) is refused', async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response('<!doctype html><div id="app">', { headers: { 'content-type': 'text/html' } }),
    );
    const client = createAttachmentClient({ url: 'http://app.test/trpc', fetch });
    const error = await attachmentRejection(
      client.downloadAttachment({ orgId: ORG, attachmentId: ATTACHMENT }),
    );
    expect([error.code, error.status]).toEqual(['UNEXPECTED_RESPONSE', 200]);
    expect(error.message).toMatch(/Content-Disposition/);
  });

  it('no answer is NETWORK_ERROR, an abort CLIENT_CLOSED_REQUEST, a failing getToken UNAUTHORIZED', async () => {
    const refused = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch: refused.fetch });
    const network = await attachmentRejection(client.uploadAttachment(upload));
    expect([network.code, network.status]).toEqual(['NETWORK_ERROR', null]);
    expect(network.cause).toBeInstanceOf(TypeError);

    const controller = new AbortController();
    controller.abort();
    const abortedFetch = fakeFetch(() => {
      throw new DOMException('aborted', 'AbortError');
    });
    const abortable = createAttachmentClient({
      url: 'http://api.test/trpc',
      fetch: abortedFetch.fetch,
    });
    const aborted = await attachmentRejection(
      abortable.downloadAttachment({
        orgId: ORG,
        attachmentId: ATTACHMENT,
        signal: controller.signal,
      }),
    );
    expect(aborted.code).toBe('CLIENT_CLOSED_REQUEST');

    const tokenless = createAttachmentClient({
      url: 'http://api.test/trpc',
      fetch: refused.fetch,
      getToken: () => Promise.reject(new Error('offline')),
    });
    const unauthorized = await attachmentRejection(tokenless.uploadAttachment(upload));
    expect([unauthorized.code, unauthorized.status]).toEqual(['UNAUTHORIZED', null]);
    expect(refused.sent).toHaveLength(1);
  });

  it('refuses malformed ids before sending anything, so no id can change the path', async () => {
    const { fetch, sent } = fakeFetch(() => new Response(null, { status: 500 }));
    const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
    const error = await attachmentRejection(
      client.uploadAttachment({ ...upload, orgId: '../../trpc' }),
    );
    expect([error.code, error.status]).toEqual(['BAD_REQUEST', null]);
    expect(error.message).toMatch(/^Attachment upload not sent: orgId: /);
    const download = await attachmentRejection(
      client.downloadAttachment({ orgId: ORG, attachmentId: 'x/../../y' }),
    );
    expect(download.message).toMatch(/attachmentId/);
    expect(sent).toEqual([]);
  });
});

describe('createAttachmentClient', () => {
  it('derives the routes from the tRPC url, or takes baseUrl, and sends the bearer token', async () => {
    const cases: [{ url: string; baseUrl?: string }, string][] = [
      [{ url: 'http://api.test/trpc' }, 'http://api.test/v1/'],
      [{ url: 'https://example.test/api/trpc/' }, 'https://example.test/api/v1/'],
      [{ url: '/trpc' }, '/v1/'],
      [
        { url: 'http://api.test/rpc', baseUrl: 'http://files.test/root/' },
        'http://files.test/root/v1/',
      ],
    ];
    for (const [urls, prefix] of cases) {
      const { fetch, sent } = fakeFetch(() => Response.json(uploaded, { status: 201 }));
      const client = createAttachmentClient({ ...urls, fetch, getToken: () => 'tok' });
      await client.uploadAttachment(upload);
      expect(sent[0]?.url).toBe(`${prefix}orgs/${ORG}/invoices/${INVOICE}/attachments`);
      expect(sent[0]?.method).toBe('POST');
      expect(sent[0]?.auth).toBe('Bearer tok');
    }
    expect(() => createAttachmentClient({ url: 'http://api.test/rpc' })).toThrow(
      /does not end in \/trpc.*pass baseUrl/,
    );
  });

  it('uploads one multipart file with its name and declared type, and parses createdAt', async () => {
    const { fetch, sent } = fakeFetch(() => Response.json(uploaded, { status: 201 }));
    const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
    const bytes = new Blob(['%PDF-1.4\n']);
    const result = await client.uploadAttachment({
      orgId: ORG,
      invoiceId: INVOICE,
      file: bytes,
      filename: 'Rechnung März.pdf',
      contentType: 'application/pdf',
    });
    expect(result).toEqual({ ...uploaded, createdAt: new Date(uploaded.createdAt) });
    const form = sent[0]?.body;
    if (!(form instanceof FormData)) throw new Error('not multipart');
    const file = form.get('file');
    expect(file).toBeInstanceOf(File);
    expect([(file as File).name, (file as File).type]).toEqual([
      'Rechnung März.pdf',
      'application/pdf',
    ]);
    expect([...form.keys()]).toEqual(['file']);
  });

  it("downloads the file with the name from Content-Disposition and the server's type", async () => {
    const body = new Uint8Array([0x25, 0x50, 0x44, 0x46]);
    const dispositions: [string, string][] = [
      [`attachment; filename*=UTF-8''Scan%20M%C3%A4rz.pdf`, 'Scan März.pdf'],
      ['attachment; filename="a \\"b\\".pdf"', 'a "b".pdf'],
      [`attachment; filename*=UTF-8''%E0%A4%A; filename="fallback.pdf"`, 'fallback.pdf'],
      ['attachment', 'attachment'],
    ];
    for (const [disposition, filename] of dispositions) {
      const { fetch, sent } = fakeFetch(
        () =>
          new Response(body, {
            headers: { 'content-type': 'application/pdf', 'content-disposition': disposition },
          }),
      );
      const client = createAttachmentClient({ url: 'http://api.test/trpc', fetch });
      const got = await client.downloadAttachment({ orgId: ORG, attachmentId: ATTACHMENT });
      expect(sent[0]?.url).toBe(`http://api.test/v1/orgs/${ORG}/attachments/${ATTACHMENT}`);
      expect({ filename: got.filename, contentType: got.contentType, size: got.size }).toEqual({
        filename,
        contentType: 'application/pdf',
        size: 4,
      });
      expect(new Uint8Array(await got.blob.arrayBuffer())).toEqual(body);
    }
  });
});
