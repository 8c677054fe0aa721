import type { IncomingMessage } from 'node:http';
import { apiErrorCode, createInvoiceClient, DEFAULT_MAX_BATCH_ITEMS } from '@invoice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';
import { startTestServer, type TestServer } from './server.js';
import { listeningPort } from './uploads.js';

/**
 * The client batches at most `maxItems` calls per HTTP request, and the server refuses a batch
 * over TRPC_MAX_BATCH with BAD_REQUEST for every call in it. The client's default was a second
 * literal `20` in packages/client/src/index.ts, beside the server's `.default(20)`: nothing tied
 * the two. Both now take DEFAULT_MAX_BATCH_ITEMS from @invoice/validators; this test checks the
 * client's export and the server's parsed default are that number, and that a burst larger than
 * one batch goes out in batches the server accepts. (It failed before: the client exported no
 * such constant.)
 */

describe("@invoice/client's default batch size and the server's TRPC_MAX_BATCH", () => {
  it('are the same number', () => {
    expect(DEFAULT_MAX_BATCH_ITEMS).toBe(parseEnv({}).TRPC_MAX_BATCH);
  });

  describe('against a server with the default limit', () => {
    let s: TestServer;
    let url: string;
    beforeAll(async () => {
      s = await startTestServer('client-max-batch', { RATE_LIMIT_PER_MINUTE: '1000000' });
      url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
    });
    afterAll(() => s.close());

    it('more concurrent calls than one batch holds all succeed', async () => {
      let requests = 0;
      const count = (req: IncomingMessage) => {
        if (req.url?.startsWith('/trpc/')) requests += 1;
      };
      s.app.server.on('request', count);
      const client = createInvoiceClient({ url });
      const calls = DEFAULT_MAX_BATCH_ITEMS * 2 + 1;
      const results = await Promise.all(
        Array.from({ length: calls }, () => client.system.ping.query()),
      );
      expect(results).toHaveLength(calls);
      s.app.server.off('request', count);
      expect(requests).toBe(3);
    });
  });

  // The client's documentation says so; the refusal is answered text/plain (as tRPC's adapter
  // answers it), and the client read it as a proxy's page: no code (failed before).
  it('a batch over a lower TRPC_MAX_BATCH fails every call with BAD_REQUEST', async () => {
    const s = await startTestServer('client-max-batch-lower', { TRPC_MAX_BATCH: '2' });
    try {
      const url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
      const client = createInvoiceClient({ url, maxItems: 3, retry: false });
      const outcomes = await Promise.allSettled([1, 2, 3].map(() => client.system.ping.query()));
      expect(
        outcomes.map((o) => (o.status === 'rejected' ? apiErrorCode(o.reason) : 'ok')),
      ).toEqual(['BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST']);
    } finally {
      await s.close();
    }
  });
});
