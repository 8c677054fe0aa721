import { initTRPC, lazy, TRPCError } from '@trpc/server';
import type { TRPCRequestInfo } from '@trpc/server/http';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../env.js';
import { registerTrpcHttp } from './plugin.js';

/**
 * The fast path against the official adapter on a small router with what the application's
 * router lacks (subscriptions, async generators, deferred results, a lazy sub-router, a
 * throwing createContext and output transformer): every request goes to two apps, one with
 * `fastifyTRPCPlugin` alone and one with the fast path, and status, body, headers and the
 * `onError` calls must be the same. The full application is compared over real HTTP with
 * `@trpc/client` in compat.test.ts.
 */

interface Ctx {
  user: string | null;
}

const UNSERIALIZABLE = 'unserializable';

const t = initTRPC.context<Ctx>().create({
  transformer: {
    input: superjson,
    output: {
      serialize: (value: unknown) => {
        if (JSON.stringify(superjson.serialize(value).json ?? null).includes(UNSERIALIZABLE)) {
          throw new Error('cannot serialize');
        }
        return superjson.serialize(value);
      },
      deserialize: (value: Parameters<typeof superjson.deserialize>[0]): unknown =>
        superjson.deserialize(value),
    },
  },
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: { ...shape.data, stack: undefined, cause: error.cause?.message ?? null },
  }),
});

const router = t.router({
  echo: t.procedure
    .input(z.object({ at: z.date(), n: z.number() }))
    .query(({ input }) => ({ ...input, big: 10n, set: new Set([1, 2]) })),
  noInput: t.procedure.query(() => 'hi'),
  optional: t.procedure.input(z.string().optional()).query(({ input }) => input ?? 'none'),
  whoami: t.procedure.query(({ ctx }) => ctx.user),
  add: t.procedure
    .input(z.object({ a: z.number(), b: z.number() }))
    .mutation(({ input }) => input.a + input.b),
  touch: t.procedure.mutation(() => 'touched'),
  boom: t.procedure.query(() => {
    throw new Error('secret detail');
  }),
  conflict: t.procedure.mutation(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'already there' });
  }),
  deferred: t.procedure.query(() => ({ later: Promise.resolve(1) })),
  generator: t.procedure.query(async function* () {
    yield 1;
    yield 2;
  }),
  ticks: t.procedure.subscription(async function* () {
    yield 1;
  }),
  unserializable: t.procedure.query(() => ({ value: UNSERIALIZABLE })),
  nested: lazy(() => Promise.resolve(t.router({ inner: t.procedure.query(() => 'lazy') }))),
});

interface ErrorCall {
  code: string;
  message: string;
  path: string | undefined;
  type: string;
  input: unknown;
  ctx: unknown;
  reqId: string;
}

async function buildTestApp(
  fastPath: boolean,
  errors: ErrorCall[],
  onInfo?: (info: TRPCRequestInfo) => void,
): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { maxParamLength: 5000 } });
  await registerTrpcHttp(app, {
    prefix: '/trpc',
    fastPath,
    trpcOptions: {
      router,
      maxBatchSize: 3,
      createContext: ({ req, info }) => {
        onInfo?.(info);
        if (req.headers['x-fail-context'] !== undefined) {
          throw new TRPCError({ code: 'UNAUTHORIZED', message: 'bad context' });
        }
        const user = req.headers['x-user'];
        return { user: typeof user === 'string' ? user : null };
      },
      onError: ({ error, path, type, input, ctx, req }) => {
        errors.push({
          code: error.code,
          message: error.message,
          path,
          type,
          input,
          ctx,
          reqId: req.id,
        });
      },
    },
  });
  await app.ready();
  return app;
}

const q = (value: unknown) => encodeURIComponent(JSON.stringify(superjson.serialize(value)));
const batchInput = (...values: unknown[]) =>
  encodeURIComponent(
    JSON.stringify(Object.fromEntries(values.map((v, i) => [i, superjson.serialize(v)]))),
  );
const json = { 'content-type': 'application/json' };
const AT = new Date('2026-03-01T10:00:00.000Z');

/** Requests the fast path answers itself. */
const ORDINARY: InjectOptions[] = [
  { method: 'GET', url: `/trpc/echo?input=${q({ at: AT, n: 1 })}` },
  { method: 'GET', url: '/trpc/noInput' },
  { method: 'GET', url: '/trpc/noInput', headers: json },
  {
    method: 'GET',
    url: '/trpc/noInput',
    headers: { 'content-type': 'Application/JSON; charset=utf-8' },
  },
  { method: 'GET', url: `/trpc/optional?input=${q(undefined)}` },
  { method: 'GET', url: '/trpc/optional?input=' },
  { method: 'GET', url: '/trpc/whoami', headers: { 'x-user': 'ada' } },
  { method: 'GET', url: '/trpc/whoami', headers: { 'x-fail-context': '1' } },
  { method: 'GET', url: '/trpc/nested.inner' },
  { method: 'GET', url: '/trpc/nested.missing' },
  { method: 'GET', url: '/trpc/nope' },
  { method: 'GET', url: '/trpc/boom' },
  { method: 'GET', url: '/trpc/deferred' },
  { method: 'GET', url: '/trpc/generator' },
  { method: 'GET', url: '/trpc/unserializable' },
  { method: 'GET', url: `/trpc/echo?input=${q({ at: 'not a date', n: 'x' })}` },
  { method: 'GET', url: '/trpc/echo?input=%7Bbad' },
  { method: 'GET', url: '/trpc/echo?input={"json":{"__proto__":{"polluted":true}}}' },
  { method: 'GET', url: '/trpc/add' },
  { method: 'GET', url: '/trpc/noInput?batch=0' },
  {
    method: 'POST',
    url: '/trpc/add',
    headers: json,
    payload: JSON.stringify(superjson.serialize({ a: 1, b: 2 })),
  },
  { method: 'POST', url: '/trpc/add', headers: json, payload: '{"json":' },
  { method: 'POST', url: '/trpc/add', headers: json, payload: '' },
  { method: 'POST', url: '/trpc/touch', headers: json },
  { method: 'POST', url: '/trpc/conflict', headers: json },
  { method: 'POST', url: '/trpc/noInput', headers: json },
  { method: 'POST', url: '/trpc/nope', headers: json, payload: '{}' },
  { method: 'GET', url: `/trpc/echo,noInput,nope?batch=1&input=${batchInput({ at: AT, n: 2 })}` },
  { method: 'GET', url: '/trpc/noInput,noInput?batch=1' },
  { method: 'GET', url: '/trpc/noInput,whoami?batch=1', headers: { 'x-fail-context': '1' } },
  { method: 'GET', url: '/trpc/noInput,boom?batch=1' },
  { method: 'GET', url: '/trpc/noInput,deferred,generator?batch=1' },
  { method: 'GET', url: '/trpc/noInput,nope?batch=1&input=[1,2]' },
  { method: 'GET', url: '/trpc/noInput,nope?batch=1&input=%7B' },
  { method: 'GET', url: '/trpc/noInput,noInput,noInput,noInput?batch=1' },
  { method: 'GET', url: '/trpc/noInput,add?batch=1' },
  { method: 'GET', url: '/trpc/nope,missing?batch=1' },
  { method: 'GET', url: '/trpc/noInput,add?batch=1&input={}' },
  {
    method: 'POST',
    url: '/trpc/add,add?batch=1',
    headers: json,
    payload: `{"0":{"json":{"a":1,"b":2}},"1":{"json":{"a":"x"}}}`,
  },
  {
    method: 'POST',
    url: '/trpc/conflict,conflict?batch=1',
    headers: json,
    payload: '{"1":{"json":{"k":1}}}',
  },
  { method: 'POST', url: '/trpc/add,noInput?batch=1', headers: json, payload: '{}' },
  { method: 'POST', url: '/trpc/add%2Cadd?batch=1', headers: json, payload: '{}' },
];

/** Requests the fast path leaves to the adapter. */
const DELEGATED: InjectOptions[] = [
  { method: 'HEAD', url: '/trpc/noInput' },
  { method: 'PUT', url: '/trpc/add', headers: json, payload: '{}' },
  {
    method: 'GET',
    url: '/trpc/noInput,generator?batch=1',
    headers: { 'trpc-accept': 'application/jsonl' },
  },
  {
    method: 'GET',
    url: '/trpc/noInput?batch=1',
    headers: { accept: 'text/html, application/jsonl' },
  },
  { method: 'GET', url: '/trpc/noInput', headers: { 'trpc-accept': 'application/jsonl' } },
  { method: 'GET', url: '/trpc/ticks' },
  { method: 'GET', url: '/trpc/noInput,ticks?batch=1' },
  { method: 'GET', url: '/trpc/noInput', headers: { 'content-type': 'text/plain' } },
  { method: 'GET', url: '/trpc/%25E0%25A4%25A' },
  { method: 'GET', url: '/trpc/noInput?connectionParams=%7B%7D' },
  { method: 'POST', url: '/trpc/add', headers: { 'content-type': 'text/plain' }, payload: '{}' },
];

/** Requests Fastify refuses before any tRPC code runs (bad URL encoding, no body parser). */
const BEFORE_TRPC: InjectOptions[] = [
  { method: 'GET', url: '/trpc/%E0%A4%A' },
  { method: 'POST', url: '/trpc/add', payload: '{}' },
  {
    method: 'POST',
    url: '/trpc/add',
    headers: { 'content-type': 'application/octet-stream' },
    payload: 'x',
  },
];

const IGNORED_HEADERS = new Set(['date', 'content-length', 'transfer-encoding', 'connection']);

function comparable(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(([key]) => !IGNORED_HEADERS.has(key.toLowerCase())),
  );
}

describe('tRPC fast path versus the official fastify adapter (small router)', () => {
  const adapterErrors: ErrorCall[] = [];
  const fastErrors: ErrorCall[] = [];
  let adapter: FastifyInstance;
  let fast: FastifyInstance;
  beforeAll(async () => {
    adapter = await buildTestApp(false, adapterErrors);
    fast = await buildTestApp(true, fastErrors);
  });
  afterAll(async () => {
    await adapter.close();
    await fast.close();
  });

  async function compare(request: InjectOptions) {
    const label = `${request.method} ${request.url as string}`;
    adapterErrors.length = 0;
    fastErrors.length = 0;
    const id = { 'x-request-id': 'same' };
    const a = await adapter.inject({ ...request, headers: { ...request.headers, ...id } });
    const f = await fast.inject({ ...request, headers: { ...request.headers, ...id } });
    expect(f.statusCode, label).toBe(a.statusCode);
    expect(f.body, label).toBe(a.body);
    expect(comparable(f.headers), label).toEqual(comparable(a.headers));
    const normalized = (errors: ErrorCall[]) =>
      errors.map((e) => JSON.stringify({ ...e, reqId: typeof e.reqId })).sort();
    expect(normalized(fastErrors), label).toEqual(normalized(adapterErrors));
    return { a, f, errors: [...fastErrors] };
  }

  it.each(ORDINARY.map((r) => [`${r.method} ${r.url as string}`, r] as const))(
    'answers %s itself, exactly like the adapter',
    async (_label, request) => {
      const { a, f } = await compare(request);
      // The adapter streams its Response back (no length); the fast path sends one buffer.
      expect(a.headers['content-length']).toBeUndefined();
      expect(f.headers['content-length']).toBe(String(Buffer.byteLength(f.body)));
    },
  );

  it.each(DELEGATED.map((r) => [`${r.method} ${r.url as string}`, r] as const))(
    'leaves %s to the adapter',
    async (_label, request) => {
      const { f } = await compare(request);
      expect(f.headers['content-length']).toBeUndefined();
    },
  );

  it.each(BEFORE_TRPC.map((r) => [`${r.method} ${r.url as string}`, r] as const))(
    'answers %s like the adapter app before tRPC runs',
    async (_label, request) => {
      const { f } = await compare(request);
      expect([400, 415]).toContain(f.statusCode);
    },
  );

  it('keeps the protocol: data through superjson, batch statuses, method and size errors', async () => {
    const echo = await fast.inject({
      method: 'GET',
      url: `/trpc/echo?input=${q({ at: AT, n: 1 })}`,
    });
    expect(echo.statusCode).toBe(200);
    const parsed = superjson.deserialize<{ at: Date; n: number; big: bigint; set: Set<number> }>(
      echo.json<{ result: { data: Parameters<typeof superjson.deserialize>[0] } }>().result.data,
    );
    expect(parsed).toEqual({ at: AT, n: 1, big: 10n, set: new Set([1, 2]) });
    expect(echo.headers['content-type']).toBe('application/json');
    // tRPC's own vary, with Origin kept in front (the CORS hook's, which tRPC's replaced).
    expect(echo.headers.vary).toBe('Origin, trpc-accept, accept');

    const mixed = await fast.inject({ method: 'GET', url: '/trpc/noInput,nope?batch=1' });
    expect(mixed.statusCode).toBe(207);
    const [ok, missing] =
      mixed.json<
        [
          { result: { data: { json: string } } },
          { error: { json: { data: { code: string; httpStatus: number; path: string } } } },
        ]
      >();
    expect(ok.result.data.json).toBe('hi');
    expect(missing.error.json.data).toMatchObject({
      code: 'NOT_FOUND',
      httpStatus: 404,
      path: 'nope',
    });

    const wrongMethod = await fast.inject({ method: 'POST', url: '/trpc/noInput', headers: json });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
    const getMutation = await fast.inject({ method: 'GET', url: '/trpc/add' });
    expect(getMutation.statusCode).toBe(405);
    expect(getMutation.headers.allow).toBe('POST');

    const tooMany = await fast.inject({
      method: 'GET',
      url: '/trpc/noInput,noInput,noInput,noInput?batch=1',
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({
      error: {
        json: { message: 'Batch call exceeds maximum size', data: { code: 'BAD_REQUEST' } },
      },
    });

    const malformed = await fast.inject({ method: 'GET', url: '/trpc/echo?input=%7Bbad' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { json: { data: { code: 'BAD_REQUEST' } } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('calls onError once per failed call with path, type, input and context', async () => {
    const { errors } = await compare({
      method: 'POST',
      url: '/trpc/add,add,touch?batch=1',
      headers: { ...json, 'x-user': 'ada' },
      payload: '{"0":{"json":{"a":"x"}},"1":{"json":{"b":2}}}',
    });
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'BAD_REQUEST',
        path: 'add',
        type: 'mutation',
        input: { a: 'x' },
        ctx: { user: 'ada' },
      }),
      expect.objectContaining({
        code: 'BAD_REQUEST',
        path: 'add',
        type: 'mutation',
        input: { b: 2 },
        ctx: { user: 'ada' },
      }),
    ]);
  });

  it('refuses adapter options it cannot honour instead of ignoring them', async () => {
    const app = Fastify();
    await expect(
      registerTrpcHttp(app, {
        prefix: '/trpc',
        fastPath: true,
        trpcOptions: { router, responseMeta: () => ({}), createContext: () => ({ user: null }) },
      }),
    ).rejects.toThrow(/responseMeta/);
    await app.close();
  });
});

/** What createContext saw of `info`, in a form both transports can be compared by. */
function describeInfo(info: TRPCRequestInfo) {
  return {
    // Every property a plain data property: a getter here was an old-space AccessorPair per
    // request holding the request alive through every scavenge (bench/README.md, GC).
    kinds: Object.entries(Object.getOwnPropertyDescriptors(info)).map(
      ([key, descriptor]) => `${key}:${'value' in descriptor ? 'data' : 'accessor'}`,
    ),
    isBatchCall: info.isBatchCall,
    accept: info.accept,
    type: info.type,
    connectionParams: info.connectionParams,
    paths: info.calls.map((call) => call.path),
    url: info.url?.href,
    signal: info.signal instanceof AbortSignal && !info.signal.aborted,
  };
}

describe('createContext info', () => {
  it('is what the adapter hands it, every property a data property', async () => {
    const seen = { adapter: [] as unknown[], fast: [] as unknown[] };
    const build = (fastPath: boolean) =>
      buildTestApp(fastPath, [], (info) =>
        seen[fastPath ? 'fast' : 'adapter'].push(describeInfo(info)),
      );
    const apps = { adapter: await build(false), fast: await build(true) };
    try {
      for (const request of [
        { method: 'GET', url: `/trpc/echo?input=${q({ at: AT, n: 1 })}` },
        { method: 'GET', url: '/trpc/noInput,echo?batch=1', headers: { host: 'api.example:8443' } },
        { method: 'POST', url: '/trpc/touch', headers: json, payload: '' },
      ] satisfies InjectOptions[]) {
        for (const app of Object.values(apps)) await app.inject(request);
      }
      expect(seen.fast).toHaveLength(3);
      expect(seen.fast).toEqual(seen.adapter);
    } finally {
      await apps.adapter.close();
      await apps.fast.close();
    }
  });
});

describe('TRPC_FAST_PATH', () => {
  it('is on by default, off with false or 0, and refuses anything else naming the variable', () => {
    expect(parseEnv({}).TRPC_FAST_PATH).toBe(true);
    expect(parseEnv({ TRPC_FAST_PATH: 'false' }).TRPC_FAST_PATH).toBe(false);
    expect(parseEnv({ TRPC_FAST_PATH: '0' }).TRPC_FAST_PATH).toBe(false);
    expect(parseEnv({ TRPC_FAST_PATH: 'true' }).TRPC_FAST_PATH).toBe(true);
    expect(parseEnv({ TRPC_FAST_PATH: '' }).TRPC_FAST_PATH).toBe(true); // empty: unset
    for (const bad of ['maybe', 'FALSE', 'x'.repeat(10_000)]) {
      expect(() => parseEnv({ TRPC_FAST_PATH: bad }), bad.slice(0, 10)).toThrow(ConfigError);
      expect(() => parseEnv({ TRPC_FAST_PATH: bad })).toThrow(/TRPC_FAST_PATH/);
    }
  });
});
