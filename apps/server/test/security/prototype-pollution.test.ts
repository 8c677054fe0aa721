import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { createOrgOverHttp, trpcRaw, TRPC_TRANSPORTS } from './http.js';

/**
 * SECURITY.md "Prototype pollution": `__proto__` / `constructor` / `prototype` payloads in
 * tRPC POST bodies and GET `input` (single and batched), raw JSON and superjson-shaped (meta
 * paths that would walk into a prototype), over the real HTTP server running in this process.
 * Each is refused with 400 before any procedure runs (nothing stored), and `Object.prototype`
 * of this very process stays untouched.
 */

const POLLUTE = '{"polluted":"yes"}';

/** Hostile variants of one valid JSON object text `{...}`: each inserts its key first. */
function hostileObjects(valid: string): [name: string, text: string][] {
  const withKey = (key: string, value: string) => `{${key}:${value},${valid.slice(1)}`;
  return [
    ['own "__proto__" key', withKey('"__proto__"', POLLUTE)],
    ['"\\u005f_proto__" (escaped)', withKey('"\\u005f\\u005fproto\\u005f\\u005f"', POLLUTE)],
    ['"constructor": {"prototype": …}', withKey('"constructor"', `{"prototype":${POLLUTE}}`)],
    ['"prototype" key', withKey('"prototype"', POLLUTE)],
  ];
}

/** superjson-shaped inputs whose meta paths point into a prototype. */
function hostileMeta(json: string): [name: string, text: string][] {
  return [
    [
      'superjson meta.values on __proto__',
      `{"json":${json},"meta":{"values":{"__proto__.polluted":["undefined"]}}}`,
    ],
    [
      'superjson meta.values on constructor.prototype',
      `{"json":${json},"meta":{"values":{"constructor.prototype.polluted":["undefined"]}}}`,
    ],
    [
      'superjson referentialEqualities into __proto__',
      `{"json":${json},"meta":{"referentialEqualities":{"name":["__proto__.polluted"]}}}`,
    ],
  ];
}

/** Every hostile envelope for one valid input object: in the input, around it, in its meta. */
function hostileEnvelopes(input: string): [name: string, text: string][] {
  const envelope = `{"json":${input}}`;
  return [
    ...hostileObjects(input).map(([n, t]): [string, string] => [
      `${n} in the input`,
      `{"json":${t}}`,
    ]),
    ...hostileObjects(envelope).map(([n, t]): [string, string] => [`${n} in the envelope`, t]),
    ...hostileMeta(input),
  ];
}

describe.each(TRPC_TRANSPORTS)('prototype pollution over HTTP (%s)', (_transport, transport) => {
  let s: TestServer;
  let token: string;
  let orgId: string;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    s = await startTestServer(`prototype-pollution-${transport.TRPC_FAST_PATH}`, {
      ...transport,
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    token = (await s.signIn('proto-owner@example.test')).idToken;
    orgId = await createOrgOverHttp(s, token);
  });
  afterAll(() => s.close());

  function expectPrototypeClean(): void {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(Object.prototype).not.toHaveProperty('polluted');
  }

  const customers = () => s.db.collections.customers.countDocuments({});
  const polluted = () =>
    s.db.db.collection('customers').countDocuments({
      $or: [{ polluted: { $exists: true } }, { 'address.polluted': { $exists: true } }],
    });

  /** A valid customer.create input, and one with a nested object to hide keys in. */
  const customer = (name: string) =>
    `{"orgId":"${orgId}","name":"${name}","address":{"line1":"1 Main St","city":"Paris","country":"FR"}}`;

  async function post(body: string, batch = false) {
    return trpcRaw(s.app, {
      method: 'POST',
      url: batch ? '/trpc/customer.create?batch=1' : '/trpc/customer.create',
      body,
      token,
    });
  }

  async function get(input: string, batch = false) {
    const path = batch ? 'customer.list?batch=1&input=' : 'customer.list?input=';
    return trpcRaw(s.app, {
      method: 'GET',
      url: `/trpc/${path}${encodeURIComponent(input)}`,
      token,
    });
  }

  it('accepts the same requests without the hostile keys (the control)', async () => {
    const before = await customers();
    expect((await post(`{"json":${customer('Control single')}}`)).statusCode).toBe(200);
    expect((await post(`{"0":{"json":${customer('Control batch')}}}`, true)).statusCode).toBe(200);
    expect((await get(`{"json":{"orgId":"${orgId}"}}`)).statusCode).toBe(200);
    expect((await get(`{"0":{"json":{"orgId":"${orgId}"}}}`, true)).statusCode).toBe(200);
    expect(await customers()).toBe(before + 2);
  });

  it.each(hostileEnvelopes(customer('Hostile')))(
    'refuses a POST body with %s, stores nothing',
    async (_name, body) => {
      const before = await customers();
      const res = await post(body);
      expect(res.statusCode).toBe(400);
      expect(res.body).not.toMatch(/"stack"/);
      expect(await customers()).toBe(before);
      expectPrototypeClean();
    },
  );

  it.each(hostileEnvelopes(customer('Hostile batch')))(
    'refuses a batched POST body with %s, stores nothing',
    async (_name, envelope) => {
      const before = await customers();
      const res = await post(`{"0":${envelope}}`, true);
      expect(res.statusCode).toBe(400);
      expect(await customers()).toBe(before);
      expectPrototypeClean();
    },
  );

  it.each(hostileObjects(`{"0":{"json":${customer('Batch map')}}}`))(
    'refuses a batched POST whose batch map carries %s',
    async (_name, body) => {
      const before = await customers();
      expect((await post(body, true)).statusCode).toBe(400);
      expect(await customers()).toBe(before);
      expectPrototypeClean();
    },
  );

  it.each(hostileObjects(`{"orgId":"${'0'.repeat(24)}"}`).map(([n]) => n))(
    'refuses GET input with %s, single and batched',
    async (name) => {
      const input = `{"orgId":"${orgId}"}`;
      for (const [label, text] of hostileEnvelopes(input)) {
        if (!label.startsWith(name)) continue;
        expect((await get(text)).statusCode, label).toBe(400);
        expect((await get(`{"0":${text}}`, true)).statusCode, `batched ${label}`).toBe(400);
      }
      expectPrototypeClean();
    },
  );

  it.each(hostileMeta(`{"orgId":"__ORG__"}`).map(([n]) => n))(
    'refuses GET input with %s, single and batched',
    async (name) => {
      const [, text] = hostileMeta(`{"orgId":"${orgId}"}`).find(([n]) => n === name)!;
      expect((await get(text)).statusCode).toBe(400);
      expect((await get(`{"0":${text}}`, true)).statusCode).toBe(400);
      expectPrototypeClean();
    },
  );

  it.each(hostileObjects(`{"0":{"json":{"orgId":"__ORG__"}}}`).map(([n]) => n))(
    'refuses a batched GET whose batch map carries %s',
    async (name) => {
      const [, text] = hostileObjects(`{"0":{"json":{"orgId":"${orgId}"}}}`).find(
        ([n]) => n === name,
      )!;
      expect((await get(text, true)).statusCode).toBe(400);
      expectPrototypeClean();
    },
  );

  it('refuses a repeated input parameter carrying the payload in its second value', async () => {
    const clean = encodeURIComponent(`{"json":{"orgId":"${orgId}"}}`);
    const hostile = encodeURIComponent(`{"json":{"orgId":"${orgId}","__proto__":${POLLUTE}}}`);
    const res = await trpcRaw(s.app, {
      method: 'GET',
      url: `/trpc/customer.list?input=${clean}&input=${hostile}`,
      token,
    });
    expect(res.statusCode).toBe(400);
    expectPrototypeClean();
  });

  it('keeps the words as values: a customer named "__proto__ constructor prototype"', async () => {
    const res = await post(`{"json":${customer('__proto__ constructor prototype')}}`);
    expect(res.statusCode).toBe(200);
    expectPrototypeClean();
  });

  it('stored no document carrying a polluted field', async () => {
    expect(await polluted()).toBe(0);
    expectPrototypeClean();
  });
});
