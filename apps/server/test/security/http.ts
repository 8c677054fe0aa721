import { ACCESS_CONTROL, appRouter, type Access } from '@invoice/api';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import superjson from 'superjson';
import { PROJECT_ID, type TestServer } from '../server.js';

/**
 * HTTP helpers for the security suites: raw tRPC calls exactly as a client sends them (so a
 * test can also send what no client would), the router and the Fastify routes as data (so
 * new procedures and routes are covered without editing a list), and forged tokens.
 */

export interface TrpcAnswer {
  status: number;
  /** The tRPC error code (`UNAUTHORIZED`…) or `OK`. */
  code: string;
  message: string | null;
  /** The deserialized result data when the call succeeded. */
  data: unknown;
  raw: LightMyRequestResponse;
}

type SuperJSONResult = Parameters<typeof superjson.deserialize>[0];

interface TrpcEnvelope {
  result?: { data: SuperJSONResult };
  error?: { json: { message: string; data: { code: string } } };
}

function answerOf(res: LightMyRequestResponse): TrpcAnswer {
  const envelope = res.json<TrpcEnvelope>();
  if (envelope.error) {
    return {
      status: res.statusCode,
      code: envelope.error.json.data.code,
      message: envelope.error.json.message,
      data: null,
      raw: res,
    };
  }
  const result = envelope.result?.data;
  return {
    status: res.statusCode,
    code: 'OK',
    message: null,
    data: result ? superjson.deserialize(result) : undefined,
    raw: res,
  };
}

export function bearer(token: string | null | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The query string tRPC's httpLink sends for a query: `?input=<superjson JSON>`. */
export function queryUrl(path: string, input: unknown): string {
  if (input === undefined) return `/trpc/${path}`;
  return `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
}

/** One tRPC call over HTTP (GET for a query, POST for a mutation), as `@trpc/client` sends it. */
export async function trpc(
  app: FastifyInstance,
  kind: 'query' | 'mutation',
  path: string,
  input: unknown,
  token?: string | null,
  headers: Record<string, string> = {},
): Promise<TrpcAnswer> {
  const res =
    kind === 'query'
      ? await app.inject({
          method: 'GET',
          url: queryUrl(path, input),
          headers: { ...bearer(token), ...headers },
        })
      : await app.inject({
          method: 'POST',
          url: `/trpc/${path}`,
          headers: { 'content-type': 'application/json', ...bearer(token), ...headers },
          payload: JSON.stringify(input === undefined ? {} : superjson.serialize(input)),
        });
  return answerOf(res);
}

/** Raw tRPC request: the caller writes the exact bytes (hostile payloads, batches). */
export async function trpcRaw(
  app: FastifyInstance,
  request: { method: 'GET' | 'POST'; url: string; body?: string; token?: string | null },
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: request.method,
    url: request.url,
    headers: {
      ...bearer(request.token),
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(request.body === undefined ? {} : { payload: request.body }),
  });
}

export interface RoutedProcedure {
  path: string;
  kind: 'query' | 'mutation';
  access: Access;
  /** `.meta({ sensitive: true })`: re-checks token revocation. */
  sensitive: boolean;
}

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: { sensitive?: boolean } };
}

/**
 * Every procedure of the router, read from `appRouter._def.procedures`, with its access level
 * from the access-control table (the role-matrix suite proves table and router agree; a
 * procedure missing from the table is reported here as access `undefined` and fails the
 * suites that use this list).
 */
export function routedProcedures(): RoutedProcedure[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureDef>;
  const access = new Map<string, Access>(ACCESS_CONTROL.map((e) => [e.procedure, e.access]));
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const type = procedure._def.type;
      if (type === 'subscription') throw new Error(`${path}: subscriptions are not served`);
      return {
        path,
        kind: type,
        access: access.get(path) as Access,
        sensitive: procedure._def.meta?.sensitive === true,
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

export interface HttpRoute {
  method: string;
  url: string;
}

/**
 * Every method and URL the app serves, read from Fastify's own route table
 * (`printRoutes({ commonPrefix: false })` prints one full URL per line).
 */
export function listRoutes(app: FastifyInstance): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /[├└]── (\S+) \(([^)]+)\)/.exec(line);
    if (!match) continue;
    for (const method of match[2]!.split(', ')) routes.push({ method, url: match[1]! });
  }
  return routes;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * An unsigned (`alg: none`) token shaped like the Auth emulator's, with chosen claims. The
 * emulator-mode verifier accepts exactly such tokens when their claims are right, so a wrong
 * claim is the only reason one is refused.
 */
export function forgedToken(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://securetoken.google.com/${PROJECT_ID}`,
    aud: PROJECT_ID,
    auth_time: now,
    user_id: 'forged-user',
    sub: 'forged-user',
    iat: now,
    exp: now + 3600,
    email: 'forged@example.test',
    email_verified: true,
    firebase: { identities: {}, sign_in_provider: 'password' },
    ...claims,
  };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

/**
 * Authorization headers that must all be refused with 401. Built per call: `expired` is
 * relative to now. `undefined` sends no header.
 */
export function badCredentials(): [name: string, authorization: string | undefined][] {
  const now = Math.floor(Date.now() / 1000);
  return [
    ['no token', undefined],
    ['garbage', 'Bearer not-a-jwt'],
    ['wrong scheme', 'Basic dXNlcjpwYXNz'],
    ['empty bearer', 'Bearer '],
    ['expired', `Bearer ${forgedToken({ exp: now - 60, iat: now - 7200, auth_time: now - 7200 })}`],
    ['wrong audience', `Bearer ${forgedToken({ aud: 'someone-elses-project' })}`],
    ['wrong issuer', `Bearer ${forgedToken({ iss: 'https://evil.example/demo-invoices' })}`],
    ['oversized', `Bearer ${'a'.repeat(10_000)}`],
  ];
}

/** Creates an organization over HTTP as `ownerToken`'s user and returns its id. */
export async function createOrgOverHttp(
  s: TestServer,
  ownerToken: string,
  name = 'Acme Security',
): Promise<string> {
  const created = await trpc(
    s.app,
    'mutation',
    'organization.create',
    { name, currency: 'EUR', timezone: 'Europe/Paris' },
    ownerToken,
  );
  if (created.code !== 'OK') throw new Error(`organization.create: ${created.code}`);
  return (created.data as { id: string }).id;
}

/**
 * Invites `member` by email as `ownerToken` and lets the invite bind (a member's first
 * verified request binds it), all over HTTP.
 */
export async function addMemberOverHttp(
  s: TestServer,
  ownerToken: string,
  orgId: string,
  member: { email: string; idToken: string },
  role: 'viewer' | 'accountant' | 'admin' | 'owner',
): Promise<void> {
  const added = await trpc(
    s.app,
    'mutation',
    'member.add',
    { orgId, email: member.email, role },
    ownerToken,
  );
  if (added.code !== 'OK') throw new Error(`member.add: ${added.code} ${added.message}`);
  const bound = await trpc(s.app, 'query', 'organization.list', undefined, member.idToken);
  if (bound.code !== 'OK') throw new Error(`organization.list: ${bound.code}`);
}

/** Calls a procedure that must succeed and returns its data (fixtures built over HTTP). */
export async function must<T>(
  s: TestServer,
  kind: 'query' | 'mutation',
  path: string,
  input: unknown,
  token: string,
): Promise<T> {
  const answer = await trpc(s.app, kind, path, input, token);
  if (answer.code !== 'OK') throw new Error(`${path}: ${answer.code} ${answer.message}`);
  return answer.data as T;
}

/** A customer and a draft invoice of 100.00, created over HTTP. */
export async function draftInvoiceOverHttp(
  s: TestServer,
  token: string,
  orgId: string,
): Promise<{ customerId: string; invoiceId: string }> {
  const customer = await must<{ id: string }>(
    s,
    'mutation',
    'customer.create',
    {
      orgId,
      name: `Customer ${Math.random().toString(36).slice(2, 8)}`,
    },
    token,
  );
  const draft = await must<{ id: string }>(
    s,
    'mutation',
    'invoice.create',
    {
      orgId,
      customerId: customer.id,
      lines: [{ description: 'Consulting day', quantity: 1, unitPrice: 10_000, taxRates: [] }],
    },
    token,
  );
  return { customerId: customer.id, invoiceId: draft.id };
}

/** A customer and an issued (open) invoice of 100.00, created over HTTP. */
export async function openInvoiceOverHttp(
  s: TestServer,
  token: string,
  orgId: string,
): Promise<{ customerId: string; invoiceId: string }> {
  const created = await draftInvoiceOverHttp(s, token, orgId);
  await must(s, 'mutation', 'invoice.issue', { orgId, invoiceId: created.invoiceId }, token);
  return created;
}

/**
 * Waits until the clock is past the second in which `idToken` was issued. Token times are
 * whole seconds: a revocation counts only for tokens whose `auth_time` is before its second,
 * and two sign-ins in one second yield the very same emulator token.
 */
export async function waitPastTokenSecond(idToken: string): Promise<void> {
  const payload = JSON.parse(
    Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as { auth_time: number; iat: number };
  const wait = (Math.max(payload.auth_time, payload.iat) + 1) * 1000 - Date.now() + 50;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/**
 * The server's two tRPC transports: its fast path (the default) and the official adapter
 * (TRPC_FAST_PATH=false). Suites about what reaches the router run over both.
 */
export const TRPC_TRANSPORTS: [name: string, env: Record<string, string>][] = [
  ['fast path', { TRPC_FAST_PATH: 'true' }],
  ['official adapter', { TRPC_FAST_PATH: 'false' }],
];
