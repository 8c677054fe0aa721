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
