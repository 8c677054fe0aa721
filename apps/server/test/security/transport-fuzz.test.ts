import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server.js';
import { createOrgOverHttp, routedProcedures, TRPC_TRANSPORTS } from './http.js';

/**
 * SECURITY.md "Property-based input fuzz" (never a 5xx) at the HTTP layer, which the
 * in-process fuzz (packages/api/test/fuzz.test.ts) does not reach: generated tRPC requests —
 * batch and single, GET and POST, odd paths, batch maps with odd keys, superjson envelopes
 * whose `meta` names every type annotation (classes, symbols, maps, sets, bigint, errors,
 * referential equalities) at real and made-up paths, and generated JSON inputs — over both
 * transports. Every answer is below 500 and the server process's Object.prototype is clean.
 * Seeded, so a failure names the case that reproduces it.
 */

const SEED = 0x5eed_2026;
const CASES = 300;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Gen {
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

function gen(random: () => number): Gen {
  return {
    int: (max) => Math.floor(random() * max),
    pick: (items) => items[Math.floor(random() * items.length)]!,
    chance: (p) => random() < p,
  };
}

const STRINGS = [
  '',
  'a',
  'x'.repeat(300),
  '$where',
  '$gt',
  '__proto__',
  'constructor',
  '\u0000',
  '\ud800',
  '../../etc/passwd',
  '2026-02-30',
  '0'.repeat(24),
  'ffffffffffffffffffffffff',
  '1e309',
  '-0',
  'NaN',
  '😀',
];
const NUMBERS = [0, -1, 1, 1.5, 1e21, -1e21, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e-7];
const KEYS = ['orgId', 'limit', 'cursor', 'name', 'lines', 'json', 'meta', '0', 'a', 'id', '$set'];

function jsonValue(g: Gen, depth: number, orgId: string): unknown {
  switch (g.int(depth > 3 ? 5 : 8)) {
    case 0:
      return g.pick(STRINGS);
    case 1:
      return g.pick(NUMBERS);
    case 2:
      return g.pick([true, false, null]);
    case 3:
      return orgId;
    case 4:
      return g.pick(['viewer', 'owner', 'EUR', 'open', 'draft', 'name', 'createdAt']);
    case 5:
      return Array.from({ length: g.int(4) }, () => jsonValue(g, depth + 1, orgId));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = g.int(5); i > 0; i--) out[g.pick(KEYS)] = jsonValue(g, depth + 1, orgId);
      if (g.chance(0.6)) out.orgId = orgId;
      return out;
    }
  }
}

const ANNOTATIONS: unknown[] = [
  'undefined',
  'bigint',
  'Date',
  'regexp',
  'set',
  'map',
  'Error',
  'URL',
  'number',
  ['class', 'Nope'],
  ['symbol', 'nope'],
  ['custom', 'nope'],
  ['typed-array', 'Uint8Array'],
  'not-a-type',
  42,
  null,
];
const META_PATHS = ['', 'orgId', 'limit', 'lines.0', 'a.b.c', 'x', '0', 'lines.99', 'name'];

function envelope(g: Gen, orgId: string): unknown {
  if (g.chance(0.15)) return jsonValue(g, 0, orgId); // not even an envelope
  const json = jsonValue(g, 0, orgId);
  if (!g.chance(0.6)) return { json };
  const values: Record<string, unknown> = {};
  for (let i = g.int(3) + 1; i > 0; i--) {
    values[g.pick(META_PATHS)] = g.chance(0.8) ? [g.pick(ANNOTATIONS)] : g.pick(ANNOTATIONS);
  }
  const meta: Record<string, unknown> = { values: g.chance(0.1) ? g.pick(ANNOTATIONS) : values };
  if (g.chance(0.3)) {
    meta.referentialEqualities = g.chance(0.5)
      ? { [g.pick(META_PATHS)]: [g.pick(META_PATHS)] }
      : [g.pick(META_PATHS), [g.pick(META_PATHS)]];
  }
  if (g.chance(0.1)) meta.v = g.pick([1, 2, 'x']);
  return { json, meta };
}

interface FuzzRequest {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  contentType?: string;
}

function fuzzRequest(g: Gen, paths: string[], orgId: string): FuzzRequest {
  const method = g.chance(0.5) ? 'GET' : 'POST';
  const odd = [
    '',
    'no.such',
    'organization',
    'organization.list.extra',
    '..',
    '%2e%2e',
    'a'.repeat(300),
  ];
  const onePath = () => (g.chance(0.85) ? g.pick(paths) : g.pick(odd));
  const batch = g.chance(0.4);
  let input: unknown;
  let path: string;
  if (batch) {
    const n = g.int(4) + 1;
    path = Array.from({ length: n }, onePath).join(g.chance(0.9) ? ',' : ',,');
    const map: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = g.chance(0.9) ? String(i) : g.pick(['-1', '01', 'length', 'x', '99']);
      map[key] = envelope(g, orgId);
    }
    input = g.chance(0.1) ? jsonValue(g, 0, orgId) : map;
  } else {
    path = onePath();
    input = envelope(g, orgId);
  }
  const query = batch ? 'batch=1&' : g.chance(0.05) ? 'batch=0&' : '';
  const text = g.chance(0.05) ? '{"json":' : JSON.stringify(input);
  if (method === 'GET') {
    const url = `/trpc/${path}?${query}input=${encodeURIComponent(text)}`;
    return { method, url };
  }
  return {
    method,
    url: `/trpc/${path}${query ? `?${query.slice(0, -1)}` : ''}`,
    body: text,
    contentType: g.pick([
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
    ]),
  };
}

describe.each(TRPC_TRANSPORTS)('HTTP transport fuzz (%s)', (_transport, transport) => {
  let s: TestServer;
  let token: string;
  let orgId: string;
  const paths = routedProcedures().map((p) => p.path);

  beforeAll(async () => {
    s = await startTestServer(`transport-fuzz-${transport.TRPC_FAST_PATH}`, {
      ...transport,
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    token = (await s.signIn('fuzz-owner@example.test')).idToken;
    orgId = await createOrgOverHttp(s, token);
  });
  afterAll(() => s.close());

  it(
    `answers ${CASES} generated requests below 500, prototype untouched`,
    { timeout: 120_000 },
    async () => {
      const g = gen(prng(SEED));
      const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      for (let i = 0; i < CASES; i++) {
        const request = fuzzRequest(g, paths, orgId);
        const res = await s.app.inject({
          method: request.method,
          url: request.url,
          headers: {
            authorization: `Bearer ${token}`,
            ...(request.contentType ? { 'content-type': request.contentType } : {}),
          },
          ...(request.body === undefined ? {} : { payload: request.body }),
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500 || /"stack"/.test(res.body)) {
          failures.push(
            `case ${i}: ${res.statusCode} ${request.method} ${request.url} ${request.body ?? ''} → ${res.body.slice(0, 300)}`,
          );
        }
      }
      expect(failures).toEqual([]);
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
      // The generator reaches both successes and refusals, not only one kind of answer.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    },
  );
});
