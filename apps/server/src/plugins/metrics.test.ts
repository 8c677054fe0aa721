import { METHODS } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { ACCESS_CONTROL } from '@invoice/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text exposition format: throws on any line it cannot read. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2]!, meta[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(
      line,
    );
    if (!sample) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      labels[key!] = value!;
    }
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

describe('/metrics', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('metrics');
  });
  afterAll(() => s.close());

  it('exposes the request histogram by tRPC procedure, tRPC errors and MongoDB command time', async () => {
    const user = await s.signIn('metrics@example.test');
    const ok = await s.app.inject({
      method: 'GET',
      url: '/trpc/organization.list',
      headers: { authorization: `Bearer ${user.idToken}` },
    });
    expect(ok.statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: '/trpc/organization.list' })).statusCode).toBe(
      401,
    );

    const res = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheus(res.body);

    expect(types.get('http_request_duration_seconds')).toBe('histogram');
    const count = (labels: Record<string, string>) =>
      samples.find(
        (x) =>
          x.name === 'http_request_duration_seconds_count' &&
          Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )?.value ?? 0;
    expect(count({ procedure: 'organization.list', status_class: '2xx' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(count({ procedure: 'organization.list', status_class: '4xx' })).toBeGreaterThanOrEqual(
      1,
    );

    expect(
      samples.find((x) => x.name === 'trpc_errors_total' && x.labels.code === 'UNAUTHORIZED')
        ?.value,
    ).toBeGreaterThanOrEqual(1);
    const mongo = samples.filter((x) => x.name === 'mongodb_command_duration_seconds_count');
    expect(mongo.some((x) => x.labels.command === 'find' && x.value > 0)).toBe(true);
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'http_open_connections',
    ]) {
      expect(
        samples.some((x) => x.name === name),
        name,
      ).toBe(true);
    }
  });
});

/** One raw HTTP/1.1 request over a socket (light-my-request refuses unknown methods): status line. */
function rawRequest(port: number, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
  });
}

describe.each(['true', 'false'])('/metrics label cardinality (TRPC_FAST_PATH=%s)', (fastPath) => {
  /** Every made-up name below contains it; no label value may. */
  const MARK = 'zqx';
  const PROCEDURES = new Set(ACCESS_CONTROL.map((entry) => entry.procedure));
  const PROCEDURE_LABELS = new Set([...PROCEDURES, 'batch', 'unknown', '']);
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(`metrics-cardinality-${fastPath}`, { TRPC_FAST_PATH: fastPath });
  });
  afterAll(() => s.close());

  async function scrape(): Promise<Sample[]> {
    const res = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return parsePrometheus(res.body).samples;
  }
  const count = (samples: Sample[], name: string, labels: Record<string, string>) =>
    samples
      .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
      .reduce((sum, x) => sum + x.value, 0);

  /** 500 requests, each naming a procedure no router has, in every shape a caller can send. */
  function hostileRequests(): { method: 'GET' | 'POST'; url: string }[] {
    const shapes: ((i: number) => { method: 'GET' | 'POST'; url: string })[] = [
      (i) => ({ method: 'GET', url: `/trpc/${MARK}${i}` }),
      (i) => ({ method: 'POST', url: `/trpc/${MARK}.made.up${i}` }),
      (i) => ({ method: 'GET', url: `/trpc/${MARK}a${i},${MARK}b${i}?batch=1&input={}` }),
      (i) => ({ method: 'POST', url: `/trpc/organization.list,${MARK}${i}?batch=1` }),
      (i) => ({ method: 'GET', url: `/trpc/${MARK}${i}?batch=1&input={}` }),
      // Percent-encoded: letters, a dot, a comma and a slash that decode inside the parameter.
      (i) => ({ method: 'GET', url: `/trpc/%7A%71%78${i}%2Eenc` }),
      (i) => ({ method: 'POST', url: `/trpc/${MARK}${i}%2C${MARK}%2Fx?batch=1` }),
      (i) => ({ method: 'GET', url: `/trpc/${MARK}%20${i}%00%E2%9C%93` }),
      // Near-misses of real procedures.
      (i) => ({ method: 'GET', url: `/trpc/organization.list.${MARK}${i}` }),
      (i) => ({ method: 'GET', url: `/trpc/${MARK}${i}/organization.list` }),
      // Very long: within the router's 5000-character parameter limit, and beyond it.
      (i) => ({ method: 'GET', url: `/trpc/${MARK}${i}${'n'.repeat(4000)}` }),
      (i) => ({ method: 'POST', url: `/trpc/${MARK}${i}${'n'.repeat(6000)}` }),
      // Malformed percent-encoding.
      (i) => ({ method: 'GET', url: `/trpc/${MARK}${i}%E0%A4%A` }),
    ];
    return Array.from({ length: 500 }, (_, i) => shapes[i % shapes.length]!(i));
  }

  it('takes procedure labels only from the router, batch and unknown, whatever callers send', async () => {
    const user = await s.signIn(`metrics-cardinality-${fastPath}@example.test`);
    const auth = { authorization: `Bearer ${user.idToken}` };
    // Real procedures keep their own label, also through the batch link and percent-encoded.
    for (const url of [
      '/trpc/organization.list',
      '/trpc/organization.list?batch=1&input={}',
      '/trpc/organization%2Elist',
    ]) {
      expect((await s.app.inject({ method: 'GET', url, headers: auth })).statusCode, url).toBe(200);
    }
    const batch = await s.app.inject({
      method: 'GET',
      url: '/trpc/organization.list,system.ping?batch=1&input={}',
      headers: auth,
    });
    expect(batch.statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: '/trpc/system.ping' })).statusCode).toBe(200);

    const real = await scrape();
    const metric = 'http_request_duration_seconds_count';
    expect(count(real, metric, { procedure: 'organization.list', status_class: '2xx' })).toBe(3);
    expect(count(real, metric, { procedure: 'system.ping', status_class: '2xx' })).toBe(1);
    expect(count(real, metric, { procedure: 'batch', status_class: '2xx' })).toBe(1);

    const requests = hostileRequests();
    for (let i = 0; i < requests.length; i += 50) {
      const answers = await Promise.all(
        requests.slice(i, i + 50).map(({ method, url }) =>
          s.app.inject({
            method,
            url,
            ...(method === 'POST'
              ? { payload: '{}', headers: { 'content-type': 'application/json' } }
              : {}),
          }),
        ),
      );
      for (const answer of answers) expect(answer.statusCode).toBeLessThan(500);
    }

    // Refused before any call is resolved: no path, so `unknown`.
    const oversized = Array.from({ length: s.config.TRPC_MAX_BATCH + 1 }, () => 'system.ping');
    const tooLarge = await s.app.inject({
      method: 'GET',
      url: `/trpc/${oversized.join(',')}?batch=1&input={}`,
    });
    expect(tooLarge.statusCode).toBe(400);

    // Made-up methods over a real socket: Node refuses them before Fastify; real but unrouted
    // ones reach the app.
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = s.app.server.address() as AddressInfo;
    for (let i = 0; i < 20; i += 1) {
      expect(await rawRequest(port, `ZQX${i}`, `/trpc/${MARK}m${i}`)).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    for (const method of ['PROPFIND', 'MKCOL', 'SEARCH', 'PURGE']) {
      expect(await rawRequest(port, method, `/trpc/${MARK}${method}`)).toMatch(/^HTTP\/1\.1 4/);
    }

    const samples = await scrape();
    for (const sample of samples) {
      for (const [label, value] of Object.entries(sample.labels)) {
        expect(value.toLowerCase(), `${sample.name}{${label}}`).not.toContain(MARK);
      }
    }
    const values = (name: string, label: string) =>
      new Set(samples.filter((x) => x.name === name).map((x) => x.labels[label]!));
    const requestProcedures = values('http_request_duration_seconds_count', 'procedure');
    const errorProcedures = values('trpc_errors_total', 'procedure');
    expect([...requestProcedures].filter((p) => !PROCEDURE_LABELS.has(p))).toEqual([]);
    expect([...errorProcedures].filter((p) => !PROCEDURE_LABELS.has(p))).toEqual([]);
    expect(requestProcedures.size).toBeLessThanOrEqual(PROCEDURE_LABELS.size);
    expect([...requestProcedures].sort()).toEqual(
      ['', 'batch', 'organization.list', 'system.ping', 'unknown'].sort(),
    );
    expect([...errorProcedures].sort()).toEqual(['organization.list', 'unknown'].sort());
    const methods = values('http_request_duration_seconds_count', 'method');
    expect([...methods].filter((m) => !METHODS.includes(m))).toEqual([]);
    expect(methods.has('PROPFIND')).toBe(true);

    // No hostile request counted under a real procedure: they reached the tRPC route as
    // `unknown` or `batch`, or another route with an empty procedure.
    for (const procedure of PROCEDURES) {
      expect(count(samples, metric, { procedure }), procedure).toBe(
        count(real, metric, { procedure }),
      );
    }
    const onTrpcRoute = count(samples, metric, { route: '/trpc/:path' });
    expect(onTrpcRoute).toBeGreaterThan(350);
    expect(
      count(samples, metric, { procedure: 'unknown' }) +
        count(samples, metric, { procedure: 'batch' }),
    ).toBe(onTrpcRoute - 4);
    expect(count(samples, metric, { procedure: 'unknown' })).toBeGreaterThan(200);
    expect(
      count(samples, 'trpc_errors_total', { procedure: 'unknown', code: 'NOT_FOUND' }),
    ).toBeGreaterThan(200);
    expect(count(samples, 'trpc_errors_total', { procedure: 'unknown', code: 'BAD_REQUEST' })).toBe(
      1,
    );
    expect(count(samples, metric, { procedure: 'batch', status_class: '4xx' })).toBeGreaterThan(0);
  });
});
