import { apiErrorCode, createInvoiceClient, isApiError, type ApiErrorCode } from '@invoice/client';
import { rejection } from '@invoice/vitest-config/rejection';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { listeningPort } from './uploads.js';

/**
 * A frontend catching a failed call needs to tell the API's refusals apart from its own bugs
 * and read their code ("not found" page, "already exists" message) without casting `unknown`:
 * @invoice/client exports `isApiError` (a type guard for the errors its calls reject with) and
 * `apiErrorCode` (the tRPC code the server answered, typed). (This test failed before: neither
 * was exported.)
 */

describe('@invoice/client: isApiError and apiErrorCode against the real server', () => {
  let s: TestServer;
  let url: string;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer('client-api-error-guard', { RATE_LIMIT_PER_MINUTE: '1000000' });
    url = `http://127.0.0.1:${await listeningPort(s.app)}/trpc`;
    token = (await s.signIn('api-error-guard@example.test')).idToken;
  });
  afterAll(() => s.close());

  it("recognises the server's refusals and reads their code", async () => {
    const signedOut = createInvoiceClient({ url });
    const client = createInvoiceClient({ url, getToken: () => token });
    const org = { name: 'Guard Ltd', currency: 'EUR', timezone: 'UTC' } as const;
    await client.organization.create.mutate({ ...org, idempotencyKey: 'guard-1' });

    const refusals = {
      UNAUTHORIZED: await rejection(signedOut.organization.list.query()),
      NOT_FOUND: await rejection(
        client.organization.byId.query({ orgId: '000000000000000000000000' }),
      ),
      BAD_REQUEST: await rejection(client.organization.byId.query({ orgId: 'not an id' })),
      CONFLICT: await rejection(
        client.organization.create.mutate({ ...org, name: 'Other', idempotencyKey: 'guard-1' }),
      ),
    };
    for (const [code, error] of Object.entries(refusals)) {
      expect(isApiError(error), code).toBe(true);
      expect(apiErrorCode(error), code).toBe(code);
      if (isApiError(error)) expect(error.data?.code, code).toBe(code);
    }
  });

  it('narrows to the typed client error, and the code to tRPC error codes', async () => {
    const error = await rejection(createInvoiceClient({ url }).organization.list.query());
    if (!isApiError(error)) throw new Error('not an API error');
    expectTypeOf(error.data?.httpStatus).toEqualTypeOf<number | undefined>();
    expect(error.data?.httpStatus).toBe(401);
    expectTypeOf(apiErrorCode(error)).toEqualTypeOf<ApiErrorCode | null>();
    expectTypeOf<ApiErrorCode>().toEqualTypeOf<TRPC_ERROR_CODE_KEY>();
    expectTypeOf<'NOT_FOUND' | 'CONFLICT'>().toExtend<ApiErrorCode>();
    expectTypeOf<'NOT_A_CODE'>().not.toExtend<ApiErrorCode>();
  });

  it('is false for errors that are not from a client call, and the code null', () => {
    for (const other of [new Error('boom'), new TypeError('x is undefined'), 'NOT_FOUND', null]) {
      expect(isApiError(other)).toBe(false);
      expect(apiErrorCode(other)).toBeNull();
    }
  });

  it('a call that never reached the server is an API error without a code', async () => {
    const closed = createInvoiceClient({ url: 'http://127.0.0.1:1/trpc' });
    const error = await rejection(closed.system.ping.query());
    expect(isApiError(error)).toBe(true);
    expect(apiErrorCode(error)).toBeNull();
  });
});
