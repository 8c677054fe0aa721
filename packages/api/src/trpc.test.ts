import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, makeUser, type Harness } from '../test/harness.js';
import { createContextInner } from './context.js';
import { appRouter } from './root.js';

interface WireError {
  message: string;
  code: number;
  data: { code: string; httpStatus: number; zodError: unknown };
}

/**
 * The errorFormatter over tRPC's own HTTP handling (fetch adapter): what a client sees when tRPC
 * cannot even read the raw input, before any procedure code runs.
 */
describe('errorFormatter over HTTP: input tRPC cannot read', () => {
  let h: Harness;
  const user = makeUser('http');
  beforeAll(async () => {
    h = await createHarness('trpc-http-input');
  });
  afterAll(() => h.close());

  async function call(
    path: string,
    init: { method: 'GET' | 'POST'; body?: string },
  ): Promise<{ status: number; errors: WireError[] }> {
    const res = await fetchRequestHandler({
      endpoint: '/trpc',
      router: appRouter,
      req: new Request(`http://api.test/trpc/${path}`, {
        method: init.method,
        headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
        ...(init.body === undefined ? {} : { body: init.body }),
      }),
      createContext: () =>
        createContextInner({
          db: h.db,
          log: pino({ level: 'silent' }),
          user,
          clock: h.clock,
          requestId: 'http-test',
        }),
    });
    const body: unknown = await res.json();
    const items: unknown[] = Array.isArray(body) ? body : [body];
    return {
      status: res.status,
      errors: items.map((item) => (item as { error: { json: WireError } }).error.json),
    };
  }

  it.each([
    ['GET ?input=null', 'organization.list?input=null', { method: 'GET' }],
    ['POST body null', 'organization.create', { method: 'POST', body: 'null' }],
    [
      'superjson meta naming an unknown custom type',
      'organization.create',
      {
        method: 'POST',
        body: '{"json":{"name":"x"},"meta":{"values":{"name":["custom","nope"]}}}',
      },
    ],
  ] as const)(
    '%s: 400 "Invalid input", never the transformer’s TypeError text',
    async (_c, path, init) => {
      const { status, errors } = await call(path, init);
      expect(status).toBe(400);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        message: 'Invalid input',
        data: { code: 'BAD_REQUEST', httpStatus: 400, zodError: null },
      });
    },
  );

  it('keeps JSON.parse’s description of malformed JSON and tRPC’s own batch message', async () => {
    const malformed = await call('organization.create', { method: 'POST', body: '{"json":' });
    expect(malformed.status).toBe(400);
    expect(malformed.errors[0]?.message).toMatch(/JSON/);
    expect(malformed.errors[0]?.data.code).toBe('BAD_REQUEST');

    const batch = await call('organization.list?batch=1&input=null', { method: 'GET' });
    expect(batch.status).toBe(400);
    expect(batch.errors[0]?.message).toBe('"input" needs to be an object when doing a batch call');
  });

  it('still answers zod failures and deliberate BAD_REQUESTs as before', async () => {
    const zod = await call('organization.create', {
      method: 'POST',
      body: JSON.stringify({ json: { name: 'X', currency: 'EUR', timezone: 'Nowhere/Atlantis' } }),
    });
    expect(zod.status).toBe(400);
    expect(zod.errors[0]).toMatchObject({ message: 'Invalid input' });
    expect(zod.errors[0]?.data.zodError).toMatchObject({
      fieldErrors: { timezone: [expect.any(String)] },
    });

    const deep = await call('organization.create', {
      method: 'POST',
      // 200 nested arrays: refused by the shape guard with its own message.
      body: `{"json":{"name":${'['.repeat(200)}${']'.repeat(200)}}}`,
    });
    expect(deep.status).toBe(400);
    expect(deep.errors[0]?.message).not.toBe('Invalid input');
  });
});
