import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import {
  badCredentials,
  createOrgOverHttp,
  listRoutes,
  routedProcedures,
  trpc,
  TRPC_TRANSPORTS,
  type HttpRoute,
  type TrpcAnswer,
} from './http.js';

/**
 * SECURITY.md "Authentication required": every non-public procedure of the router and every
 * non-public HTTP route, called with no token, garbage, a wrong scheme, an expired token, a
 * wrong audience or issuer, an oversized token, and (outside emulator mode) the emulator's
 * unsigned `alg: none` tokens, answers 401 without saying why. Procedures are read from the
 * router and routes from Fastify's route table, so new ones are covered without editing this.
 */

/** The only messages a refused caller ever sees: neither says which check failed. */
const GENERIC_401 = [
  'Sign in required',
  'Invalid or expired authentication token',
  'Missing or invalid authentication token',
];
/** Everything a refusal carries besides its message: the code, nothing about the token. */
const TRPC_ERROR_DATA = ['code', 'httpStatus', 'path', 'zodError'];
const ROUTE_ERROR_BODY = ['code', 'message', 'statusCode'];

/** Routes anyone may call: probes for load balancers and the Prometheus scrape, CORS preflight. */
const PUBLIC_ROUTES = new Set(['GET /health/live', 'GET /health/ready', 'GET /metrics']);

function isPublicRoute(route: HttpRoute): boolean {
  if (route.method === 'OPTIONS') return true; // CORS preflight carries no credentials by design
  const method = route.method === 'HEAD' ? 'GET' : route.method;
  return PUBLIC_ROUTES.has(`${method} ${route.url}`);
}

function refusalProblem(label: string, answer: TrpcAnswer): string | null {
  if (answer.status !== 401) return `${label}: HTTP ${answer.status} ${answer.code}`;
  if (answer.code !== 'UNAUTHORIZED') return `${label}: code ${answer.code}`;
  if (!GENERIC_401.includes(answer.message ?? '')) return `${label}: message ${answer.message}`;
  const error = answer.raw.json<{ error: { json: { data: Record<string, unknown> } } }>().error;
  const data = error.json.data;
  if (Object.keys(data).sort().join() !== TRPC_ERROR_DATA.join() || data.zodError !== null) {
    return `${label}: unexpected detail ${answer.raw.body}`;
  }
  return null;
}

describe.each(TRPC_TRANSPORTS)(
  'authentication required over HTTP (%s)',
  (_transport, transport) => {
    let s: TestServer;
    let ownerToken: string;
    let orgId: string;
    const procedures = routedProcedures();
    const protectedProcedures = procedures.filter((p) => p.access !== 'public');

    beforeAll(async () => {
      // Hundreds of refused calls from one IP: the rate limit is not what this suite tests.
      s = await startTestServer(`authentication-${transport.TRPC_FAST_PATH}`, {
        ...transport,
        RATE_LIMIT_PER_MINUTE: '1000000',
      });
      ownerToken = (await s.signIn('authn-owner@example.test')).idToken;
      orgId = await createOrgOverHttp(s, ownerToken);
    });
    afterAll(() => s.close());

    /** A plausible input for any procedure: enough for the org-scoped ones to get past routing. */
    const inputFor = () => ({ orgId });

    /** The non-tRPC routes that need a caller, with their parameters filled with real ids. */
    function protectedRoutes(): HttpRoute[] {
      return listRoutes(s.app)
        .filter((r) => !r.url.startsWith('/trpc/') && !isPublicRoute(r))
        .map((r) => ({
          method: r.method,
          url: r.url.replace(/:(\w+)/g, (_m, name: string) =>
            name === 'orgId' ? orgId : new ObjectId().toHexString(),
          ),
        }));
    }

    async function callRoute(route: HttpRoute, authorization: string | undefined) {
      const boundary = 'authn-boundary';
      const body =
        route.method === 'POST'
          ? `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n` +
            `Content-Type: application/pdf\r\n\r\n%PDF-1.4\n\r\n--${boundary}--\r\n`
          : undefined;
      return s.app.inject({
        method: route.method as 'GET' | 'POST' | 'HEAD' | 'DELETE',
        url: route.url,
        headers: {
          ...(authorization === undefined ? {} : { authorization }),
          ...(body === undefined
            ? {}
            : { 'content-type': `multipart/form-data; boundary=${boundary}` }),
        },
        ...(body === undefined ? {} : { payload: body }),
      });
    }

    it('reads an access level for every procedure of the router, and most are protected', () => {
      expect(s.config.TRPC_FAST_PATH).toBe(transport.TRPC_FAST_PATH === 'true');
      expect(procedures.filter((p) => p.access === undefined).map((p) => p.path)).toEqual([]);
      expect(protectedProcedures.length).toBeGreaterThan(20);
      expect(protectedProcedures.map((p) => p.path)).toContain('invoice.create');
    });

    it('reads the HTTP routes from Fastify, attachment routes included', () => {
      const urls = listRoutes(s.app).map((r) => `${r.method} ${r.url}`);
      expect(urls).toContain('POST /trpc/:path');
      expect(urls).toContain('GET /health/ready');
      expect(protectedRoutes().map((r) => r.method)).toEqual(
        expect.arrayContaining(['GET', 'POST']),
      );
    });

    it('accepts a real emulator ID token and sees the caller', async () => {
      const user = await s.signIn('auth-ok@example.test');
      const listed = await trpc(s.app, 'query', 'organization.list', undefined, user.idToken);
      expect(listed).toMatchObject({ status: 200, code: 'OK', data: [] });
      const own = await trpc(s.app, 'query', 'organization.list', undefined, ownerToken);
      expect(own.data).toEqual([expect.objectContaining({ id: orgId })]);
    });

    it('lets a valid token past authentication on every protected procedure and route', async () => {
      // The control for the refusals below: the same calls with a good token are never 401.
      const problems: string[] = [];
      for (const p of protectedProcedures) {
        const answer = await trpc(s.app, p.kind, p.path, inputFor(), ownerToken);
        if (answer.status === 401 || answer.status >= 500)
          problems.push(`${p.path}: ${answer.status}`);
      }
      for (const route of protectedRoutes()) {
        const res = await callRoute(route, `Bearer ${ownerToken}`);
        if (res.statusCode === 401 || res.statusCode >= 500)
          problems.push(`${route.method} ${route.url}: ${res.statusCode}`);
      }
      expect(problems).toEqual([]);
    });

    it('serves public procedures without a token', async () => {
      for (const p of procedures.filter((x) => x.access === 'public')) {
        expect((await trpc(s.app, p.kind, p.path, undefined)).status).toBe(200);
      }
    });

    it.each(badCredentials().map(([name]) => name))(
      'answers 401 UNAUTHORIZED without detail to %s, on every protected procedure and route',
      async (name) => {
        // Rebuilt here: the expired token is relative to now.
        const authorization = new Map(badCredentials()).get(name);
        const problems: string[] = [];
        for (const p of protectedProcedures) {
          const answer = await trpc(s.app, p.kind, p.path, inputFor(), undefined, {
            ...(authorization === undefined ? {} : { authorization }),
          });
          const problem = refusalProblem(p.path, answer);
          if (problem) problems.push(problem);
        }
        for (const route of protectedRoutes()) {
          const res = await callRoute(route, authorization);
          const label = `${route.method} ${route.url}`;
          if (res.statusCode !== 401) problems.push(`${label}: HTTP ${res.statusCode}`);
          else if (route.method !== 'HEAD') {
            const body = res.json<Record<string, unknown>>();
            if (!GENERIC_401.includes(String(body.message)))
              problems.push(`${label}: message ${String(body.message)}`);
            if (Object.keys(body).sort().join() !== ROUTE_ERROR_BODY.join())
              problems.push(`${label}: unexpected detail ${res.body}`);
          }
        }
        expect(problems).toEqual([]);
      },
    );

    it('refuses the emulator unsigned (alg: none) tokens everywhere when not in emulator mode', async () => {
      const user = await s.signIn('auth-none@example.test');
      const saved = process.env.FIREBASE_AUTH_EMULATOR_HOST;
      delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
      const problems: string[] = [];
      try {
        for (const p of protectedProcedures) {
          const answer = await trpc(s.app, p.kind, p.path, inputFor(), user.idToken);
          const problem = refusalProblem(p.path, answer);
          if (problem) problems.push(problem);
        }
        for (const route of protectedRoutes()) {
          const res = await callRoute(route, `Bearer ${user.idToken}`);
          if (res.statusCode !== 401)
            problems.push(`${route.method} ${route.url}: ${res.statusCode}`);
        }
      } finally {
        process.env.FIREBASE_AUTH_EMULATOR_HOST = saved;
      }
      expect(problems).toEqual([]);
      // The same token is good again in emulator mode: the refusal was the missing signature.
      expect(
        (await trpc(s.app, 'query', 'organization.list', undefined, user.idToken)).status,
      ).toBe(200);
    });
  },
);
