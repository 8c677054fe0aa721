import { createInvoiceClient } from '@invoice/client';
import { rejection } from '@invoice/vitest-config/rejection';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { listeningPort } from './uploads.js';

/**
 * Refusals the server answers on /trpc/* before any procedure runs reach @invoice/client users
 * as tRPC errors with a code and HTTP status (`err.data.code`, `err.data.httpStatus`), as the
 * rate limit's TOO_MANY_REQUESTS does. The body limit (413) and load shedding (503) answered
 * with Fastify's `{statusCode, error, message}` body, which the client turned into "Unable to
 * transform response from server" with no `data`: a frontend could not tell "retry later" from
 * a broken answer. (This test failed before.)
 */
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function clientFor(suite: string, env: Record<string, string>) {
  const s = await startTestServer(suite, env);
  servers.push(s);
  const { idToken } = await s.signIn(`${suite}@example.test`);
  const url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
  // The refusal itself, not what a retry makes of it.
  return createInvoiceClient({ url, getToken: () => idToken, retry: false });
}

async function failure(call: Promise<unknown>) {
  const e = (await rejection(call)) as {
    name: string;
    data?: { code?: string; httpStatus?: number };
  };
  return { name: e.name, code: e.data?.code, httpStatus: e.data?.httpStatus };
}

describe('@invoice/client: refusals before any procedure keep a tRPC code', () => {
  it('a mutation over BODY_LIMIT_BYTES fails as PAYLOAD_TOO_LARGE (413)', async () => {
    const client = await clientFor('client-body-limit', { BODY_LIMIT_BYTES: '2048' });
    const result = await failure(
      client.organization.create.mutate({
        name: 'x'.repeat(5000),
        currency: 'EUR',
        timezone: 'UTC',
      }),
    );
    expect(result).toEqual({ name: 'TRPCClientError', code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
  });

  it('a load-shed call fails as SERVICE_UNAVAILABLE (503), like every other retryable 503', async () => {
    // Any heap in use is over 1 byte: every request is shed once under-pressure has sampled.
    const client = await clientFor('client-shed', { SHED_MAX_HEAP_USED_BYTES: '1' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const result = await failure(client.system.ping.query());
    expect(result).toEqual({
      name: 'TRPCClientError',
      code: 'SERVICE_UNAVAILABLE',
      httpStatus: 503,
    });
  });
});
