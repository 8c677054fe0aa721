import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { TRPC_TRANSPORTS } from './http.js';

/**
 * Error responses never carry internal messages (the brief; packages/api errorFormatter: "nor
 * the text of an unexpected error (... a TypeError ...)"). An `input` that is valid JSON but not
 * a superjson envelope makes superjson's deserializer throw a TypeError; tRPC wraps it as
 * BAD_REQUEST keeping the TypeError's text, which names superjson's internal variables; the
 * router's errorFormatter (packages/api/src/trpc.ts) now answers "Invalid input" instead.
 */
describe.each(TRPC_TRANSPORTS)('input the transformer cannot read (%s)', (_name, transport) => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer('unreadable-input', transport);
    token = (await s.signIn('unreadable-input@example.test')).idToken;
  });
  afterAll(() => s.close());

  it.each([
    ['GET ?input=null', 'GET', '/trpc/organization.list?input=null', undefined],
    ['POST body null', 'POST', '/trpc/organization.create', 'null'],
  ] as const)('%s: 400 without the TypeError text', async (_case, method, url, body) => {
    const res = await s.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: body }),
    });
    expect(res.statusCode).toBe(400);
    const message = res.json<{ error: { json: { message: string } } }>().error.json.message;
    expect(message).not.toMatch(/destructure|payload|Cannot read|undefined|null/i);
  });
});
