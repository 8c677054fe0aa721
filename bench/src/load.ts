import autocannon from 'autocannon';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Same request every time (cheapest for the generator), or one built per request. */
  request: HttpRequest | (() => HttpRequest);
}

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyMs: { mean: number; p50: number; p95: number; p99: number; max: number };
  non2xx: number;
  statusCounts: Record<string, number>;
  /** Socket errors and timeouts (no HTTP status at all). */
  errors: number;
  timeouts: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/**
 * One autocannon run. Latencies come from every response (autocannon's own summary has no p95),
 * kept in memory: a few hundred thousand numbers at most.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { request } = options;
  const requests =
    typeof request === 'function'
      ? [{ setupRequest: (base: autocannon.Request) => ({ ...base, ...request() }) }]
      : [{ ...request }];
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let non2xx = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        // Slow scenarios (10 MB uploads, reports under contention) must count, not time out.
        timeout: 60,
        requests,
      },
      (error: Error | null, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode > 299) non2xx += 1;
    });
  });
  latencies.sort((a, b) => a - b);
  const sum = latencies.reduce((acc, n) => acc + n, 0);
  const duration = result.duration;
  return {
    requests: latencies.length,
    durationSeconds: round(duration, 3),
    requestsPerSecond: round(latencies.length / duration, 1),
    latencyMs: {
      mean: round(latencies.length ? sum / latencies.length : 0),
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.at(-1) ?? 0),
    },
    non2xx,
    statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
