import superjson from 'superjson';
import { z } from 'zod';

/** One tRPC call over real HTTP, as the drills observe it. */
export interface CallOutcome {
  status: number;
  /** The tRPC error code (`SERVICE_UNAVAILABLE`, ...), null on success. */
  code: string | null;
  message: string | null;
  retryAfter: string | null;
  /** Wall-clock time of the call, for the drill's printed figures (never asserted). */
  ms: number;
  data: unknown;
}

const responseSchema = z.union([
  z.object({ result: z.object({ data: z.unknown() }) }),
  z.object({
    error: z.object({
      json: z.object({
        message: z.string(),
        data: z.object({ code: z.string(), httpStatus: z.number() }),
      }),
    }),
  }),
]);

/** Past this a call counts as hung: the drills promise an answer, not a wait. */
export const HANG_MS = 45_000;

/**
 * Calls one tRPC procedure (no batching) with superjson input: a mutation as POST, a query as
 * GET, and reads status, code and body.
 */
export async function callProcedure(
  baseUrl: string,
  path: string,
  input: unknown,
  idToken: string,
  type: 'query' | 'mutation' = 'mutation',
): Promise<CallOutcome> {
  const started = performance.now();
  const serialized = JSON.stringify(superjson.serialize(input));
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${idToken}` };
  const signal = AbortSignal.timeout(HANG_MS);
  const url = `${baseUrl}/trpc/${path}`;
  const res =
    type === 'mutation'
      ? await fetch(url, { method: 'POST', headers, body: serialized, signal })
      : await fetch(input === undefined ? url : `${url}?input=${encodeURIComponent(serialized)}`, {
          headers,
          signal,
        });
  const body = responseSchema.parse(await res.json());
  const ms = Math.round(performance.now() - started);
  const retryAfter = res.headers.get('retry-after');
  if ('result' in body) {
    const data = superjson.deserialize(
      body.result.data as Parameters<typeof superjson.deserialize>[0],
    );
    return { status: res.status, code: null, message: null, retryAfter, ms, data };
  }
  return {
    status: res.status,
    code: body.error.json.data.code,
    message: body.error.json.message,
    retryAfter,
    ms,
    data: null,
  };
}

/** `n=…, p50 … ms, max … ms` of a list of latencies, for the printed drill report. */
export function summarize(latencies: number[]): string {
  if (latencies.length === 0) return 'n=0';
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `n=${sorted.length}, min ${sorted[0]} ms, p50 ${at(0.5)} ms, max ${sorted.at(-1)} ms`;
}
