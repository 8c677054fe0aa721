import { TRPCClientError, type Operation, type TRPCLink } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';

/** When and how often a failed call is sent again. */
export interface RetryOptions {
  /** Attempts in all, the first one included (default 3; 1 never retries). */
  attempts?: number;
  /** Backoff ceiling of the first retry in ms (default 250); doubles with each retry. */
  baseDelayMs?: number;
  /**
   * The longest wait before a retry, in ms (default 10 000). An answer whose `Retry-After` asks
   * for longer is returned to the caller instead of being waited for.
   */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Readonly<Required<RetryOptions>> = Object.freeze({
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
});

/** The longest delay a timer can wait (setTimeout fires at once beyond it). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The options with their defaults; a clear error for values no retry policy can mean. */
export function resolveRetryOptions(options: RetryOptions = {}): Required<RetryOptions> {
  const resolved = {
    attempts: options.attempts ?? DEFAULT_RETRY.attempts,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
  if (!Number.isInteger(resolved.attempts) || resolved.attempts < 1) {
    throw new RangeError(`retry.attempts must be a whole number >= 1, got ${resolved.attempts}`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = resolved[name];
    if (!Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
      throw new RangeError(
        `retry.${name} must be a number from 0 to ${MAX_TIMER_MS}, got ${value}`,
      );
    }
  }
  return resolved;
}

/** HTTP statuses that say "not now" rather than "no": rate limited, proxy or server unavailable. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

type CallError = TRPCClientError<AnyTRPCRouter>;

/** Errors the fetch threw without any answer (connection refused or reset, DNS, TLS). */
const noAnswer = new WeakSet<object>();

/** An answer that is not tRPC's JSON (a proxy's or load balancer's page): its status is kept. */
export class NotTrpcAnswerError extends Error {
  override readonly name = 'NotTrpcAnswerError';
  constructor(
    readonly status: number,
    /** The answer's `Retry-After`, if it had one. */
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status}: the answer is not tRPC JSON (a proxy or load balancer answered?)`);
  }
}

/** What observedFetch reads of an answer; a custom fetch's answer may have less. */
interface AnswerLike {
  readonly ok: boolean;
  readonly status?: unknown;
  readonly headers?: { get?: unknown };
  readonly body?: unknown;
}

function headerOf(answer: AnswerLike, name: string): string | null {
  const headers = answer.headers;
  if (typeof headers?.get !== 'function') return null;
  const value: unknown = (headers.get as (name: string) => unknown).call(headers, name);
  return typeof value === 'string' ? value : null;
}

/** tRPC's error envelope: `{ error }`, or a batch's array of `{ error }` and `{ result }`. */
function isTrpcEnvelope(value: unknown): boolean {
  const one = (v: unknown) =>
    typeof v === 'object' && v !== null && ('error' in v || 'result' in v);
  return Array.isArray(value)
    ? value.length > 0 && value.every(one)
    : one(value) && 'error' in (value as object);
}

/**
 * A failed text/plain answer whose body is tRPC's error envelope, as an answer tRPC reads (its
 * links call `json()`; the retry policy reads `status` and `headers`); undefined for anything
 * else, such as a proxy's plain-text page.
 */
async function trpcRefusal(answer: AnswerLike): Promise<AnswerLike | undefined> {
  const text = (answer as { text?: unknown }).text;
  if (typeof text !== 'function') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(await (text as () => Promise<unknown>).call(answer)));
  } catch {
    return undefined;
  }
  if (!isTrpcEnvelope(parsed)) return undefined;
  return {
    ok: false,
    status: answer.status,
    headers: answer.headers,
    json: () => Promise.resolve(parsed),
  } as AnswerLike;
}

/**
 * Wraps the client's fetch so failures can be told apart: an error the fetch itself throws is
 * "no answer" (an abort excepted), and a failed answer without a JSON body keeps its status,
 * which tRPC loses when it cannot parse the body.
 */
export function observedFetch<A extends unknown[], R extends { readonly ok: boolean }>(
  fetch: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    let response: R;
    try {
      response = await fetch(...args);
    } catch (error) {
      if (typeof error === 'object' && error !== null && !isAbort(error)) noAnswer.add(error);
      throw error;
    }
    const answer: AnswerLike = response;
    const contentType = headerOf(answer, 'content-type') ?? '';
    if (!answer.ok && typeof answer.status === 'number' && !/\bjson\b/i.test(contentType)) {
      // tRPC answers some refusals of a whole request without a content type, which Fetch
      // labels text/plain (a batch over TRPC_MAX_BATCH, a path it cannot decode): the body is
      // still tRPC's error, and tRPC reads it whatever the label.
      const refusal = /^text\/plain\b/i.test(contentType) ? await trpcRefusal(answer) : undefined;
      if (refusal !== undefined) return refusal as unknown as R;
      const body = answer.body as { cancel?: () => Promise<void> } | null | undefined;
      await body?.cancel?.().catch(() => undefined);
      throw new NotTrpcAnswerError(answer.status, headerOf(answer, 'retry-after'));
    }
    return response;
  };
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 8; e = e.cause) chain.push(e);
  return chain;
}

/**
 * The failed call's answer, if it had one: any fetch's, not only a native Response (node-fetch
 * in server-side rendering, a Response from another realm), and never a ReferenceError where
 * there is no global Response.
 */
function answerOf(error: CallError): { status: number; retryAfter: string | null } | undefined {
  const response: unknown = error.meta?.response;
  if (typeof response !== 'object' || response === null) return undefined;
  const { status } = response as { status?: unknown };
  if (typeof status !== 'number') return undefined;
  return { status, retryAfter: headerOf(response as AnswerLike, 'retry-after') };
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function isAbort(error: unknown): boolean {
  return causes(error).some(isAbortError);
}

/** `Retry-After` in ms (delta-seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | null {
  const value = header?.trim() ?? '';
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  // An HTTP date, in the IMF-fixdate form servers send (RFC 9110 5.6.7).
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Whether an operation may be sent twice. Queries change nothing. A mutation only when the
 * caller gave it an `idempotencyKey`: the server then applies it at most once and answers a
 * repeat with the stored result, even when the first answer was lost on the way back.
 */
export function isRepeatable(op: Pick<Operation, 'type' | 'input'>): boolean {
  if (op.type === 'query') return true;
  if (op.type !== 'mutation') return false;
  const input = op.input;
  if (typeof input !== 'object' || input === null) return false;
  const key: unknown = (input as { idempotencyKey?: unknown }).idempotencyKey;
  return typeof key === 'string' && key.length > 0;
}

/** What a failed attempt says about retrying it. */
export interface FailureFacts {
  /** The answer's HTTP status; null when nothing answered. */
  status: number | null;
  /** Whether the request got no answer at all (connection refused or reset, DNS, TLS). */
  noAnswer: boolean;
  /** The wait the answer's `Retry-After` asked for, in ms; null without a readable one. */
  retryAfterMs: number | null;
}

/**
 * The wait before the next attempt, or null when the failure must go to the caller. Retried:
 * no answer at all, and 429, 502, 503 and 504, honouring `Retry-After` up to maxDelayMs. Never
 * retried: any other status (4xx: retrying cannot change it; 500: a bug, per the API contract)
 * and failures before anything was sent.
 */
export function backoffDelay(
  facts: FailureFacts,
  retry: number,
  options: Required<RetryOptions>,
  random: () => number = Math.random,
): number | null {
  if (facts.status === null ? !facts.noAnswer : !RETRYABLE_STATUS.has(facts.status)) return null;
  const asked = facts.retryAfterMs;
  if (asked !== null) return asked <= options.maxDelayMs ? asked : null;
  // Full jitter: clients that failed together do not come back together.
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** backoffDelay for a failed tRPC call; a call its caller aborted is never retried. */
export function retryDelayMs(
  error: CallError,
  retry: number,
  options: Required<RetryOptions>,
  random: () => number = Math.random,
): number | null {
  const chain = causes(error);
  if (chain.some(isAbortError)) return null;
  const response = answerOf(error);
  const notTrpc = chain.find((e): e is NotTrpcAnswerError => e instanceof NotTrpcAnswerError);
  // A batch answers 207 when its calls differ: each call's own status is in its error's data.
  const data: unknown = error.data;
  const own = (data as { httpStatus?: unknown } | null | undefined)?.httpStatus;
  const status = typeof own === 'number' ? own : (response?.status ?? notTrpc?.status ?? null);
  const facts: FailureFacts = {
    status,
    // Only what the fetch itself threw: a throwing getToken sent nothing.
    noAnswer: chain.some((e) => typeof e === 'object' && e !== null && noAnswer.has(e)),
    retryAfterMs: retryAfterMs(response?.retryAfter ?? notTrpc?.retryAfter),
  };
  return backoffDelay(facts, retry, options, random);
}

/** Waits `ms`; rejects with the reason of the first of `signals` to abort, as soon as it does. */
export function sleep(ms: number, ...signals: (AbortSignal | null | undefined)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const watched = signals.filter((signal): signal is AbortSignal => signal != null);
    const aborted = watched.find((signal) => signal.aborted);
    if (aborted) {
      reject(abortReason(aborted));
      return;
    }
    const stop = () => {
      clearTimeout(timer);
      for (const signal of watched) signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (event: Event) => {
      stop();
      reject(abortReason(event.target as AbortSignal));
    };
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
    for (const signal of watched) signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error('The call was aborted'), { name: 'AbortError' });
}

/**
 * A link that sends a failed repeatable call again (see `isRepeatable` and `retryDelayMs`),
 * placed before the HTTP link. Modelled on tRPC's own `retryLink`, which cannot read the
 * answer's `Retry-After` when it picks a delay. A caller's abort ends the wait at once.
 */
export function retryPolicyLink<TRouter extends AnyTRPCRouter>(
  options: Required<RetryOptions>,
): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let current: Unsubscribable | undefined;
        // Aborted on unsubscribe: ends a wait in progress and stops what would follow it.
        const disposal = new AbortController();

        function attempt(attempts: number) {
          current = next(op).subscribe({
            next: (envelope) => observer.next(envelope),
            complete: () => observer.complete(),
            error: (error) => {
              const delay =
                attempts < options.attempts && isRepeatable(op) && !op.signal?.aborted
                  ? retryDelayMs(error, attempts, options)
                  : null;
              if (delay === null) {
                observer.error(error);
                return;
              }
              sleep(delay, op.signal, disposal.signal).then(
                () => {
                  if (!disposal.signal.aborted) attempt(attempts + 1);
                },
                // The caller's abort ends the call here: tRPC's batching would still send an
                // aborted call beside live ones.
                (reason: unknown) => {
                  if (!disposal.signal.aborted) {
                    observer.error(TRPCClientError.from(reason as Error));
                  }
                },
              );
            },
          });
        }

        attempt(1);
        return () => {
          disposal.abort();
          current?.unsubscribe();
        };
      });
}
