import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createCaller, createContextInner, type AppRouter, type AuthUser } from '@invoice/api';
import {
  createTRPCUntypedClient,
  httpBatchLink,
  httpBatchStreamLink,
  httpLink,
  TRPCClientError,
  type HTTPLinkOptions,
  type TRPCLink,
  type TRPCUntypedClient,
} from '@trpc/client';
import type { AnyClientTypes } from '@trpc/server/unstable-core-do-not-import';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../../test/uploads.js';
import { PROJECT_ID, startTestServer, type TestServer } from '../../test/server.js';
import { buildApp } from '../app.js';
import { createFirebaseVerifier } from '../auth/token-verifier.js';

/**
 * The compatibility suite of the tRPC fast path: two instances of the real app on one
 * database, one serving /trpc through the official fastify adapter alone (TRPC_FAST_PATH=false),
 * one through the fast path, both verifying real Auth-emulator tokens. Every call goes to both
 * over real HTTP, through @trpc/client's httpLink, httpBatchLink and httpBatchStreamLink with
 * superjson, and through raw fetch; results, errors (message, shape, data with httpStatus),
 * statuses, bodies, headers, metrics and log lines must be the same. Raw responses also show
 * which path answered: the adapter streams its Response (chunked), the fast path sends a length.
 */

const MAX_BATCH = 4;
const ORIGIN = 'http://app.example.test';

interface Side {
  name: 'adapter' | 'fast';
  app: FastifyInstance;
  url: string;
  logs: Record<string, unknown>[];
}

function logSink(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

type LinkKind = 'httpLink' | 'httpBatchLink' | 'httpBatchStreamLink';
type Who = 'owner' | 'viewer' | 'outsider' | 'anonymous' | 'badToken';
type Client = TRPCUntypedClient<AppRouter>;

/** How each response came back: with a length (fast path) or chunked (adapter). */
const framing: Record<string, ('length' | 'chunked')[]> = {};

function link(kind: LinkKind, url: string, token: string | null): TRPCLink<AppRouter> {
  const headers = () => (token === null ? {} : { authorization: `Bearer ${token}` });
  const seen = (framing[`${kind} ${url}`] ??= []);
  const recordingFetch: NonNullable<HTTPLinkOptions<AnyClientTypes>['fetch']> = async (
    url,
    init,
  ) => {
    const res = await fetch(url as string | URL, init as RequestInit);
    seen.push(res.headers.has('content-length') ? 'length' : 'chunked');
    return res;
  };
  const common = { url: `${url}/trpc`, transformer: superjson, headers, fetch: recordingFetch };
  if (kind === 'httpLink') return httpLink(common);
  if (kind === 'httpBatchLink') return httpBatchLink(common);
  return httpBatchStreamLink(common);
}

type Outcome =
  { ok: true; data: unknown } | { ok: false; message: string; shape: unknown; data: unknown };

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, data: await call };
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const e = error as TRPCClientError<AppRouter>;
    return { ok: false, message: e.message, shape: e.shape, data: e.data };
  }
}

function codeOf(o: Outcome): string {
  if (o.ok) return 'OK';
  return (o.data as { code?: string } | undefined)?.code ?? 'NO_CODE';
}

interface Case {
  name: string;
  who: Who;
  type: 'query' | 'mutation';
  path: string;
  input?: unknown;
  expected: string;
}

function deeplyNested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('tRPC fast path compatibility with the official adapter (real app, real HTTP)', () => {
  let base: TestServer;
  const sides: Side[] = [];
  const tokens: Record<Who, string | null> = {
    owner: null,
    viewer: null,
    outsider: null,
    anonymous: null,
    badToken: 'not-a-token',
  };
  let orgId = '';
  let invoiceId = '';
  const createOrgInput = {
    name: 'Compat Co',
    currency: 'EUR',
    timezone: 'Europe/Paris',
    idempotencyKey: 'compat-org',
  };
  let invoiceInput: Record<string, unknown> = {};

  beforeAll(async () => {
    const adapterLogs: Record<string, unknown>[] = [];
    const fastLogs: Record<string, unknown>[] = [];
    const env = {
      TRPC_FAST_PATH: 'false',
      TRPC_MAX_BATCH: String(MAX_BATCH),
      RATE_LIMIT_PER_MINUTE: '100000',
      CORS_ORIGINS: ORIGIN,
      LOG_LEVEL: 'info',
    };
    base = await startTestServer('trpc-compat', env, { stream: logSink(adapterLogs) });
    const fastApp = await buildApp({
      config: { ...base.config, TRPC_FAST_PATH: true },
      db: base.db,
      verifier: createFirebaseVerifier(PROJECT_ID),
      logging: { stream: logSink(fastLogs) },
    });
    sides.push({ name: 'adapter', app: base.app, url: await listen(base.app), logs: adapterLogs });
    sides.push({ name: 'fast', app: fastApp, url: await listen(fastApp), logs: fastLogs });

    const [owner, viewer, outsider] = await Promise.all([
      base.signIn('compat-owner@example.test'),
      base.signIn('compat-viewer@example.test'),
      base.signIn('compat-outsider@example.test'),
    ]);
    tokens.owner = owner.idToken;
    tokens.viewer = viewer.idToken;
    tokens.outsider = outsider.idToken;

    // Fixtures in-process, so both apps see exactly the same HTTP traffic (metrics compare).
    const ownerUser: AuthUser = { uid: owner.uid, email: owner.email, emailVerified: true };
    const caller = createCaller(
      createContextInner({ db: base.db, log: pino({ level: 'silent' }), user: ownerUser }),
    );
    const org = await caller.organization.create({ ...createOrgInput, currency: 'EUR' });
    orgId = org.id;
    await addMember(base.db, orgId, viewer.uid, 'viewer');
    const customer = await caller.customer.create({ orgId, name: 'Globex', currency: 'EUR' });
    invoiceInput = {
      orgId,
      customerId: customer.id,
      issueDate: '2026-02-01',
      dueDate: '2026-03-03',
      lines: [{ description: 'Consulting', quantity: 1.5, unitPrice: 12_000, taxRates: [2000] }],
      notes: 'Thank you',
      idempotencyKey: 'compat-invoice',
    };
    const invoice = await caller.invoice.create(invoiceInput as never);
    invoiceId = invoice.id;
  });

  afterAll(async () => {
    await sides[1]?.app.close();
    await base.close();
  });

  function cases(): Case[] {
    const missingId = 'f'.repeat(24);
    return [
      { name: 'list', who: 'owner', type: 'query', path: 'organization.list', expected: 'OK' },
      {
        name: 'org by id',
        who: 'owner',
        type: 'query',
        path: 'organization.byId',
        input: { orgId },
        expected: 'OK',
      },
      {
        name: 'invoice by id (dates, money)',
        who: 'owner',
        type: 'query',
        path: 'invoice.byId',
        input: { orgId, invoiceId },
        expected: 'OK',
      },
      {
        name: 'invoice list',
        who: 'viewer',
        type: 'query',
        path: 'invoice.list',
        input: { orgId, limit: 5 },
        expected: 'OK',
      },
      {
        name: 'replayed create (idempotency)',
        who: 'owner',
        type: 'mutation',
        path: 'organization.create',
        input: createOrgInput,
        expected: 'OK',
      },
      {
        name: 'replayed invoice create',
        who: 'owner',
        type: 'mutation',
        path: 'invoice.create',
        input: invoiceInput,
        expected: 'OK',
      },
      {
        name: 'same key, other input',
        who: 'owner',
        type: 'mutation',
        path: 'organization.create',
        input: { ...createOrgInput, name: 'Other' },
        expected: 'CONFLICT',
      },
      {
        name: 'no token',
        who: 'anonymous',
        type: 'query',
        path: 'organization.list',
        expected: 'UNAUTHORIZED',
      },
      {
        name: 'bad token',
        who: 'badToken',
        type: 'query',
        path: 'organization.list',
        expected: 'UNAUTHORIZED',
      },
      {
        name: 'bad token on a missing procedure',
        who: 'badToken',
        type: 'query',
        path: 'nothing.here',
        expected: 'NOT_FOUND',
      },
      {
        name: 'viewer updates',
        who: 'viewer',
        type: 'mutation',
        path: 'organization.update',
        input: { orgId, name: 'Hijack' },
        expected: 'FORBIDDEN',
      },
      {
        name: 'outsider reads',
        who: 'outsider',
        type: 'query',
        path: 'organization.byId',
        input: { orgId },
        expected: 'NOT_FOUND',
      },
      {
        name: 'missing invoice',
        who: 'owner',
        type: 'query',
        path: 'invoice.byId',
        input: { orgId, invoiceId: missingId },
        expected: 'NOT_FOUND',
      },
      {
        name: 'zod issues',
        who: 'owner',
        type: 'mutation',
        path: 'organization.create',
        input: { name: '', currency: 'XXX', timezone: 'Not/AZone' },
        expected: 'BAD_REQUEST',
      },
      {
        name: 'list limit over the maximum',
        who: 'owner',
        type: 'query',
        path: 'invoice.list',
        input: { orgId, limit: 1000 },
        expected: 'BAD_REQUEST',
      },
      {
        name: 'deep nesting (shape guard)',
        who: 'owner',
        type: 'mutation',
        path: 'organization.create',
        input: { name: deeplyNested(100), currency: 'EUR', timezone: 'UTC' },
        expected: 'BAD_REQUEST',
      },
      {
        name: 'unknown procedure',
        who: 'owner',
        type: 'query',
        path: 'nothing.here',
        expected: 'NOT_FOUND',
      },
      {
        name: 'query sent as a mutation (POST)',
        who: 'owner',
        type: 'mutation',
        path: 'organization.list',
        expected: 'METHOD_NOT_SUPPORTED',
      },
      {
        name: 'mutation sent as a query (GET)',
        who: 'owner',
        type: 'query',
        path: 'organization.create',
        input: createOrgInput,
        expected: 'METHOD_NOT_SUPPORTED',
      },
    ];
  }

  function clientsFor(kind: LinkKind, who: Who): [Client, Client] {
    const make = (side: Side) =>
      createTRPCUntypedClient<AppRouter>({ links: [link(kind, side.url, tokens[who])] });
    return [make(sides[0]!), make(sides[1]!)];
  }

  const run = (client: Client, c: Case) =>
    c.type === 'query' ? client.query(c.path, c.input) : client.mutation(c.path, c.input);

  it.each(['httpLink', 'httpBatchLink', 'httpBatchStreamLink'] as const)(
    '%s: every call has the same result or error through both',
    async (kind) => {
      for (const c of cases()) {
        const [viaAdapter, viaFast] = clientsFor(kind, c.who);
        const expected = await outcome(run(viaAdapter, c));
        const actual = await outcome(run(viaFast, c));
        expect(codeOf(expected), `${kind} ${c.name} (adapter)`).toBe(c.expected);
        expect(actual, `${kind} ${c.name}`).toEqual(expected);
        if (!expected.ok) {
          expect((expected.data as { httpStatus?: number }).httpStatus).toBeGreaterThanOrEqual(400);
        }
      }
      const [adapterSide, fastSide] = sides;
      expect(new Set(framing[`${kind} ${adapterSide!.url}`])).toEqual(new Set(['chunked']));
      // httpBatchStreamLink is always the adapter's; the other links are always the fast path's.
      expect(new Set(framing[`${kind} ${fastSide!.url}`])).toEqual(
        new Set([kind === 'httpBatchStreamLink' ? 'chunked' : 'length']),
      );
    },
  );

  it.each(['httpBatchLink', 'httpBatchStreamLink'] as const)(
    '%s: one batch of mixed successes and errors, and an oversized batch',
    async (kind) => {
      const batch = (client: Client, count: number) =>
        Promise.all(
          cases()
            .filter((c) => c.type === 'query' && c.who === 'owner')
            .slice(0, count)
            .map((c) => outcome(run(client, c))),
        );
      const [viaAdapter, viaFast] = clientsFor(kind, 'owner');
      const mixed = await batch(viaAdapter, MAX_BATCH);
      expect(mixed.map(codeOf)).toEqual(['OK', 'OK', 'OK', 'NOT_FOUND']);
      expect(await batch(viaFast, MAX_BATCH)).toEqual(mixed);

      const oversized = await batch(viaAdapter, MAX_BATCH + 2);
      expect(new Set(oversized.map(codeOf))).toEqual(new Set(['BAD_REQUEST']));
      expect(await batch(viaFast, MAX_BATCH + 2)).toEqual(oversized);
    },
  );

  interface Raw {
    name: string;
    method: string;
    path: string;
    who?: Who;
    headers?: Record<string, string>;
    body?: string;
    status: number;
    /**
     * Who answers on the fast side: the fast path, the adapter (delegated), or either because
     * a server-wide hook may refuse the request before tRPC runs (prototype-key guard).
     */
    fast: boolean | 'either';
  }

  function rawCases(): Raw[] {
    const q = (v: unknown) => encodeURIComponent(JSON.stringify(superjson.serialize(v)));
    const batchQ = (...v: unknown[]) =>
      encodeURIComponent(
        JSON.stringify(Object.fromEntries(v.map((x, i) => [i, superjson.serialize(x)]))),
      );
    const json = { 'content-type': 'application/json' };
    const create = JSON.stringify(superjson.serialize(createOrgInput));
    return [
      {
        name: 'query',
        method: 'GET',
        path: '/trpc/organization.list',
        who: 'owner',
        status: 200,
        fast: true,
      },
      {
        name: 'query with input',
        method: 'GET',
        path: `/trpc/invoice.byId?input=${q({ orgId, invoiceId })}`,
        who: 'owner',
        status: 200,
        fast: true,
      },
      {
        name: 'batch',
        method: 'GET',
        path: `/trpc/organization.list,organization.byId?batch=1&input=${batchQ(undefined, { orgId })}`,
        who: 'owner',
        status: 200,
        fast: true,
      },
      {
        name: 'batch with an error (207)',
        method: 'GET',
        path: `/trpc/organization.list,nothing.here?batch=1`,
        who: 'owner',
        status: 207,
        fast: true,
      },
      {
        name: 'oversized batch',
        method: 'GET',
        path: `/trpc/${Array.from({ length: MAX_BATCH + 1 }, () => 'organization.list').join(',')}?batch=1`,
        who: 'owner',
        status: 400,
        fast: true,
      },
      {
        name: 'batch input not an object',
        method: 'GET',
        path: `/trpc/organization.list?batch=1&input=%5B1%5D`,
        who: 'owner',
        status: 400,
        fast: true,
      },
      {
        name: 'malformed input JSON',
        method: 'GET',
        path: '/trpc/organization.byId?input=%7Bbad',
        who: 'owner',
        status: 400,
        fast: true,
      },
      {
        name: 'query via POST',
        method: 'POST',
        path: '/trpc/organization.list',
        who: 'owner',
        headers: json,
        status: 405,
        fast: true,
      },
      {
        name: 'mutation via GET',
        method: 'GET',
        path: `/trpc/organization.create?input=${q(createOrgInput)}`,
        who: 'owner',
        status: 405,
        fast: true,
      },
      {
        name: 'mixed types in one batch',
        method: 'GET',
        path: '/trpc/organization.list,organization.create?batch=1',
        who: 'owner',
        status: 400,
        fast: true,
      },
      { name: 'no token', method: 'GET', path: '/trpc/organization.list', status: 401, fast: true },
      {
        name: 'rejected token in a batch',
        method: 'GET',
        path: '/trpc/organization.list,organization.list?batch=1',
        who: 'badToken',
        status: 401,
        fast: true,
      },
      {
        name: 'mutation',
        method: 'POST',
        path: '/trpc/organization.create',
        who: 'owner',
        headers: json,
        body: create,
        status: 200,
        fast: true,
      },
      {
        name: 'mutation batch: conflict and zod error (207)',
        method: 'POST',
        path: '/trpc/organization.create,organization.create?batch=1',
        who: 'owner',
        headers: json,
        body: JSON.stringify({
          0: superjson.serialize({ ...createOrgInput, name: 'Other' }),
          1: superjson.serialize({ name: 1 }),
        }),
        status: 207,
        fast: true,
      },
      {
        name: 'malformed body',
        method: 'POST',
        path: '/trpc/organization.create',
        who: 'owner',
        headers: json,
        body: '{"json":',
        status: 400,
        fast: true,
      },
      {
        name: 'empty body',
        method: 'POST',
        path: '/trpc/organization.create',
        who: 'owner',
        headers: json,
        body: '',
        status: 400,
        fast: true,
      },
      {
        name: '__proto__ in the input',
        method: 'POST',
        path: '/trpc/organization.create',
        who: 'owner',
        headers: json,
        body: '{"json":{"__proto__":{"polluted":true},"name":"P","currency":"EUR","timezone":"UTC"}}',
        status: 400,
        fast: 'either',
      },
      {
        name: 'CORS origin (vary)',
        method: 'GET',
        path: '/trpc/organization.list',
        who: 'owner',
        headers: { origin: ORIGIN },
        status: 200,
        fast: true,
      },
      {
        name: 'streaming batch (jsonl)',
        method: 'GET',
        path: `/trpc/organization.list,nothing.here?batch=1`,
        who: 'owner',
        headers: { 'trpc-accept': 'application/jsonl' },
        status: 200,
        fast: false,
      },
      { name: 'HEAD', method: 'HEAD', path: '/trpc/organization.list', status: 204, fast: false },
      {
        name: 'form data',
        method: 'POST',
        path: '/trpc/organization.create',
        who: 'owner',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: '--x--\r\n',
        status: 415,
        fast: 'either',
      },
    ];
  }

  const IGNORED = new Set([
    'date',
    'content-length',
    'transfer-encoding',
    'connection',
    'keep-alive',
    'x-ratelimit-reset',
  ]);

  async function send(side: Side, r: Raw, requestId: string) {
    const token = r.who ? tokens[r.who] : null;
    const res = await fetch(`${side.url}${r.path}`, {
      method: r.method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        'x-request-id': requestId,
        ...r.headers,
      },
      ...(r.body === undefined ? {} : { body: r.body }),
    });
    const headers = Object.fromEntries(res.headers.entries());
    return { status: res.status, headers, body: await res.text() };
  }

  it('raw HTTP: same status, body and headers; ordinary requests take the fast path', async () => {
    for (const [index, r] of rawCases().entries()) {
      const requestId = `compat-raw-${index}`;
      const a = await send(sides[0]!, r, requestId);
      const f = await send(sides[1]!, r, requestId);
      expect(a.status, r.name).toBe(r.status);
      expect(f.status, r.name).toBe(a.status);
      expect(f.body, r.name).toBe(a.body);
      const keep = (h: Record<string, string>) =>
        Object.fromEntries(Object.entries(h).filter(([k]) => !IGNORED.has(k)));
      expect(keep(f.headers), r.name).toEqual(keep(a.headers));
      expect(f.headers['x-request-id'], r.name).toBe(requestId);
      if (r.method === 'HEAD' || r.fast === 'either') continue;
      expect(a.headers['transfer-encoding'], `${r.name}: adapter streams`).toBe('chunked');
      if (r.fast) {
        expect(f.headers['content-length'], `${r.name}: fast path`).toBe(
          String(Buffer.byteLength(f.body)),
        );
      } else {
        expect(f.headers['transfer-encoding'], `${r.name}: delegated`).toBe('chunked');
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('metrics and logs: same labels and counts, same refusal lines with the request id', async () => {
    const samples = async (side: Side) => {
      const res = await fetch(`${side.url}/metrics`);
      const text = await res.text();
      return text
        .split('\n')
        .filter(
          (l) =>
            (l.startsWith('http_request_duration_seconds_count{') &&
              l.includes('route="/trpc/:path"')) ||
            l.startsWith('trpc_errors_total{'),
        )
        .sort();
    };
    const adapterSamples = await samples(sides[0]!);
    const fastSamples = await samples(sides[1]!);
    expect(fastSamples).toEqual(adapterSamples);
    expect(fastSamples).toContainEqual(
      expect.stringMatching(
        /^http_request_duration_seconds_count\{method="GET",route="\/trpc\/:path",procedure="organization\.list",status_class="2xx"\} \d+$/,
      ),
    );
    expect(fastSamples).toContainEqual(
      expect.stringMatching(
        /^trpc_errors_total\{procedure="organization\.create",code="CONFLICT"\} \d+$/,
      ),
    );

    const refusals = (side: Side) =>
      side.logs
        .filter((l) => l.msg === 'tRPC call refused' || l.msg === 'tRPC procedure failed')
        .map((l) => {
          const reqId = String(l.reqId);
          return JSON.stringify({
            level: l.level,
            msg: l.msg,
            code: l.code,
            path: l.path,
            reqId: reqId.startsWith('compat-raw-') ? reqId : 'generated',
          });
        })
        .sort();
    const fastRefusals = refusals(sides[1]!);
    expect(fastRefusals).toEqual(refusals(sides[0]!));
    expect(fastRefusals).toContain(
      JSON.stringify({
        level: 30,
        msg: 'tRPC call refused',
        code: 'UNAUTHORIZED',
        path: 'organization.list',
        reqId: 'compat-raw-10',
      }),
    );
    for (const line of sides[1]!.logs)
      expect(typeof line.reqId === 'string' || line.reqId === undefined).toBe(true);
  });
});

describe('rate limiting on both tRPC paths', () => {
  it('answers 429 on the third call in a minute, through the adapter and the fast path', async () => {
    const base = await startTestServer('trpc-compat-rate', {
      TRPC_FAST_PATH: 'false',
      RATE_LIMIT_PER_MINUTE: '2',
    });
    const fastApp = await buildApp({
      config: { ...base.config, TRPC_FAST_PATH: true },
      db: base.db,
      verifier: createFirebaseVerifier(PROJECT_ID),
    });
    try {
      const user = await base.signIn('compat-rate@example.test');
      const statuses = async (app: FastifyInstance) => {
        const out: number[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await app.inject({
            method: 'GET',
            url: '/trpc/organization.list',
            headers: { authorization: `Bearer ${user.idToken}` },
          });
          out.push(res.statusCode);
        }
        return out;
      };
      expect(await statuses(base.app)).toEqual([200, 200, 429]);
      expect(await statuses(fastApp)).toEqual([200, 200, 429]);
    } finally {
      await fastApp.close();
      await base.close();
    }
  });
});
