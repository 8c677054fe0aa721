import { createInvoiceClient, type InvoiceClientOptions } from '@invoice/client';
import { rejection } from '@invoice/vitest-config/rejection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { listeningPort } from './uploads.js';

/**
 * @invoice/client's retries against the real server: the answer to the first request is lost
 * on the way back (the server did the work; the caller sees a network failure). A query is
 * simply asked again. A mutation with an idempotencyKey is sent again and the server answers
 * with the stored result: one organization, the same id. A mutation without a key is not sent
 * again, because the caller cannot know whether it was applied, and it was.
 */
describe('@invoice/client retries against the server', () => {
  let s: TestServer;
  let url: string;
  let idToken: string;
  beforeAll(async () => {
    s = await startTestServer('client-retry');
    url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
    ({ idToken } = await s.signIn('client-retry@example.test'));
  });
  afterAll(() => s.close());

  /** A client whose first `lose` answers reach the server but never come back. */
  function losingAnswers(lose: number) {
    let requests = 0;
    const fetch: NonNullable<InvoiceClientOptions['fetch']> = async (input, init) => {
      requests += 1;
      const response = await globalThis.fetch(String(input), init as RequestInit | undefined);
      if (requests > lose) return response;
      await response.arrayBuffer();
      throw new TypeError('fetch failed');
    };
    const client = createInvoiceClient({
      url,
      getToken: () => idToken,
      fetch,
      retry: { baseDelayMs: 1 },
    });
    return { client, requests: () => requests };
  }

  const orgs = async () =>
    createInvoiceClient({ url, getToken: () => idToken, retry: false }).organization.list.query();

  it('a keyed mutation whose answer was lost is applied once and answers with the same result', async () => {
    const before = (await orgs()).length;
    const { client, requests } = losingAnswers(1);
    const org = await client.organization.create.mutate({
      name: 'Retried Ltd',
      currency: 'EUR',
      timezone: 'Europe/Paris',
      idempotencyKey: 'client-retry-org-1',
    });
    expect(requests()).toBe(2);
    const after = await orgs();
    expect(after).toHaveLength(before + 1);
    expect(after.filter((o) => o.name === 'Retried Ltd').map((o) => o.id)).toEqual([org.id]);
  });

  it('a mutation without a key is not sent again: the caller gets the failure', async () => {
    const before = (await orgs()).length;
    const { client, requests } = losingAnswers(1);
    const error = await rejection(
      client.organization.create.mutate({ name: 'Unkeyed Ltd', currency: 'EUR', timezone: 'UTC' }),
    );
    expect(error).toMatchObject({ name: 'TRPCClientError', message: 'fetch failed' });
    expect(requests()).toBe(1);
    // The server did apply it: exactly why an unkeyed mutation must not be repeated.
    expect(await orgs()).toHaveLength(before + 1);
  });

  it('a query is asked again after lost answers', async () => {
    const { client, requests } = losingAnswers(2);
    const list = await client.organization.list.query();
    expect(list.map((o) => o.name)).toContain('Retried Ltd');
    expect(requests()).toBe(3);
  });
});
