import { describe, expect, it } from 'vitest';
import { apiErrorCode, createInvoiceClient, isApiError } from './index.js';

describe('createInvoiceClient', () => {
  it('sends the bearer token and the superjson-encoded batch to the url', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fakeFetch = (input: unknown, init?: { headers?: unknown }) => {
      const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]);
      seen.push({ url: String(input), auth: headers.get('authorization') });
      const body = JSON.stringify([
        {
          result: {
            data: {
              json: { ok: true, time: '2026-01-01T00:00:00.000Z' },
              meta: { values: { time: ['Date'] } },
            },
          },
        },
      ]);
      return Promise.resolve(
        new Response(body, { headers: { 'content-type': 'application/json' } }),
      );
    };
    const client = createInvoiceClient({
      url: 'http://api.test/trpc',
      getToken: () => 'tok',
      fetch: fakeFetch,
    });
    const result = await client.system.ping.query();
    expect(result.time).toBeInstanceOf(Date);
    expect(seen[0]?.auth).toBe('Bearer tok');
    expect(seen[0]?.url).toContain('http://api.test/trpc/system.ping?batch=1');
  });
});

describe('apiErrorCode', () => {
  it('is null for a tRPC-shaped error whose code is not a tRPC code (a proxy, a foreign server)', async () => {
    const answer = (code: string) => () =>
      Promise.resolve(
        new Response(
          JSON.stringify([
            { error: { json: { message: 'no', code: -32603, data: { code, httpStatus: 500 } } } },
          ]),
          { status: 500, headers: { 'content-type': 'application/json' } },
        ),
      );
    for (const code of ['constructor', 'SOMETHING_ELSE']) {
      const client = createInvoiceClient({ url: 'http://api.test/trpc', fetch: answer(code) });
      const error = await client.system.ping.query().catch((e: unknown) => e);
      expect(isApiError(error), code).toBe(true);
      expect(apiErrorCode(error), code).toBeNull();
    }
  });
});
