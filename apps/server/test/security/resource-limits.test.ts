import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommandStartedEvent } from 'mongodb';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { createOrgOverHttp, routedProcedures, trpc, trpcRaw, TRPC_TRANSPORTS } from './http.js';

/**
 * SECURITY.md "Resource limits": a 2 MB JSON body is 413, `limit: 1e6` on any list is
 * BAD_REQUEST, a 100-call tRPC batch (GET or POST) is BAD_REQUEST with no call executed —
 * proven by counting the MongoDB commands the request issued (zero) and the documents it
 * would have created (none). Plus the other shapes of oversized input: no Content-Length,
 * other content types, deep nesting, many keys; each a 4xx, never a 5xx.
 */

const MB = 1024 * 1024;

describe.each(TRPC_TRANSPORTS)('resource limits over HTTP (%s)', (_transport, transport) => {
  let s: TestServer;
  let token: string;
  let orgId: string;
  let commands: string[] = [];
  const record = (event: CommandStartedEvent) => commands.push(event.commandName);

  beforeAll(async () => {
    s = await startTestServer(`resource-limits-${transport.TRPC_FAST_PATH}`, {
      ...transport,
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    token = (await s.signIn('limits-owner@example.test')).idToken;
    orgId = await createOrgOverHttp(s, token);
    s.db.client.on('commandStarted', record);
  });
  afterAll(async () => {
    s.db.client.off('commandStarted', record);
    await s.close();
  });

  /** The MongoDB commands `action` caused (the test server monitors commands). */
  async function commandsDuring<T>(action: () => Promise<T>): Promise<[T, string[]]> {
    commands = [];
    const result = await action();
    return [result, commands];
  }

  const customers = () => s.db.collections.customers.countDocuments({});
  const customerInput = (name: string) => ({ orgId, name });

  it('configures a body limit well under 2 MB and a batch limit well under 100', () => {
    expect(s.config.BODY_LIMIT_BYTES).toBeLessThan(2 * MB);
    expect(s.config.TRPC_MAX_BATCH).toBeLessThan(100);
  });

  describe('body size', () => {
    it('answers a 2 MB JSON body with 413 and stores nothing', async () => {
      const before = await customers();
      const payload = JSON.stringify(superjson.serialize(customerInput('x'.repeat(2 * MB))));
      const [res, issued] = await commandsDuring(() =>
        trpcRaw(s.app, { method: 'POST', url: '/trpc/customer.create', body: payload, token }),
      );
      expect(res.statusCode).toBe(413);
      expect(issued).toEqual([]);
      expect(await customers()).toBe(before);
    });

    it('reads a body just under the limit (refused by validation, not by size)', async () => {
      const name = 'x'.repeat(s.config.BODY_LIMIT_BYTES - 200);
      const res = await trpc(s.app, 'mutation', 'customer.create', customerInput(name), token);
      expect(res.status).toBe(400);
      expect(res.code).toBe('BAD_REQUEST');
    });

    it('stops a chunked 2 MB body without Content-Length at the limit with 413', async () => {
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = s.app.server.address() as AddressInfo;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/trpc/customer.create',
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'transfer-encoding': 'chunked',
              authorization: `Bearer ${token}`,
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        // The server may answer and close before the whole body is sent.
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
        });
        req.write(`{"json":{"orgId":"${orgId}","name":"`);
        const chunk = 'y'.repeat(64 * 1024);
        for (let sent = 0; sent < 2 * MB; sent += chunk.length) req.write(chunk);
        req.end('"}}');
      });
      expect(status).toBe(413);
    });

    it.each([
      ['text/plain', 413],
      ['multipart/form-data; boundary=b', 415],
      ['application/octet-stream', 415],
      ['application/x-www-form-urlencoded', 415],
    ])('answers a 2 MB %s body with %i and stores nothing', async (contentType, status) => {
      const before = await customers();
      const res = await s.app.inject({
        method: 'POST',
        url: '/trpc/customer.create',
        headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
        payload: `--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n${'z'.repeat(2 * MB)}\r\n--b--\r\n`,
      });
      expect(res.statusCode).toBe(status);
      expect(await customers()).toBe(before);
    });

    it('answers deeply nested and very wide bodies under the limit with 400, never 5xx', async () => {
      const deep = `{"json":{"orgId":"${orgId}","name":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`;
      const wideKeys = Array.from({ length: 40_000 }, (_, i) => `"k${i}":1`).join(',');
      const wide = `{"json":{"orgId":"${orgId}","name":"W",${wideKeys}}}`;
      expect(wide.length).toBeLessThan(s.config.BODY_LIMIT_BYTES);
      for (const body of [deep, wide]) {
        const res = await trpcRaw(s.app, {
          method: 'POST',
          url: '/trpc/customer.create',
          body,
          token,
        });
        expect(res.statusCode).toBe(400);
      }
    });
  });

  describe('page size', () => {
    /**
     * Queries that take a `limit`, found by asking the server: the input schemas are strict,
     * so an unknown key is refused while `limit: 1` is accepted only where `limit` exists.
     */
    async function limitTakingQueries(): Promise<string[]> {
      const found: string[] = [];
      for (const p of routedProcedures().filter((x) => x.kind === 'query')) {
        const small = await trpc(s.app, 'query', p.path, { orgId, limit: 1 }, token);
        const unknown = await trpc(s.app, 'query', p.path, { orgId, notAField: 1 }, token);
        if (small.status === 200 && unknown.status === 400) found.push(p.path);
      }
      return found;
    }

    it('refuses limit: 1e6 (and other out-of-range limits) on every list with BAD_REQUEST', async () => {
      const lists = await limitTakingQueries();
      expect(lists).toEqual(expect.arrayContaining(['customer.list', 'invoice.list']));
      expect(lists.length).toBeGreaterThanOrEqual(5);
      const hostile = [1e6, 1e21, 0, -1, 1.5, Number.POSITIVE_INFINITY, Number.NaN, '10'];
      const problems: string[] = [];
      for (const path of lists) {
        for (const limit of hostile) {
          const answer = await trpc(s.app, 'query', path, { orgId, limit }, token);
          if (answer.status !== 400 || answer.code !== 'BAD_REQUEST')
            problems.push(`${path} limit ${String(limit)}: ${answer.status} ${answer.code}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('batch size', () => {
    const batchGet = (n: number) => {
      const paths = Array.from({ length: n }, () => 'customer.list').join(',');
      const inputs = Object.fromEntries(
        Array.from({ length: n }, (_, i) => [i, superjson.serialize({ orgId })]),
      );
      return trpcRaw(s.app, {
        method: 'GET',
        url: `/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`,
        token,
      });
    };
    const batchPost = (n: number, prefix: string) => {
      const paths = Array.from({ length: n }, () => 'customer.create').join(',');
      const inputs = Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          i,
          superjson.serialize(customerInput(`${prefix} ${i}`)),
        ]),
      );
      return trpcRaw(s.app, {
        method: 'POST',
        url: `/trpc/${paths}?batch=1`,
        body: JSON.stringify(inputs),
        token,
      });
    };

    it('runs a batch of exactly the configured maximum (the control)', async () => {
      const max = s.config.TRPC_MAX_BATCH;
      const before = await customers();
      const [created, issued] = await commandsDuring(() => batchPost(max, 'At max'));
      expect(created.statusCode).toBe(200);
      expect(created.json()).toHaveLength(max);
      expect(issued.length).toBeGreaterThan(0);
      expect(await customers()).toBe(before + max);
      expect((await batchGet(max)).statusCode).toBe(200);
    });

    it.each([100, 21])(
      'refuses a %i-call POST batch with BAD_REQUEST and executes none of it',
      async (n) => {
        const calls = Math.max(n, s.config.TRPC_MAX_BATCH + 1);
        const before = await customers();
        const [res, issued] = await commandsDuring(() => batchPost(calls, `Over ${n}`));
        expect(res.statusCode).toBe(400);
        expect(JSON.stringify(res.json())).toContain('BAD_REQUEST');
        expect(issued).toEqual([]);
        expect(await customers()).toBe(before);
      },
    );

    it.each([100, 21])(
      'refuses a %i-call GET batch with BAD_REQUEST and executes none of it',
      async (n) => {
        const calls = Math.max(n, s.config.TRPC_MAX_BATCH + 1);
        const [res, issued] = await commandsDuring(() => batchGet(calls));
        expect(res.statusCode).toBe(400);
        expect(JSON.stringify(res.json())).toContain('BAD_REQUEST');
        expect(issued).toEqual([]);
      },
    );
  });
});
