import { rejection } from '@invoice/vitest-config/rejection';
import { TRPCClientError, type Operation } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { describe, expect, it, vi } from 'vitest';
import { apiErrorCode, createInvoiceClient, type RetryOptions } from './index.js';
import { resolveRetryOptions, retryAfterMs, retryPolicyLink } from './retry.js';

const ORG = '0123456789abcdef01234567';

/** One answer of the fake server: a tRPC error with this status, a success, or no answer. */
type Answer = { status: number; retryAfter?: string; html?: true } | 'ok' | 'network';

function errorBody(status: number) {
  const code =
    { 429: 'TOO_MANY_REQUESTS', 500: 'INTERNAL_SERVER_ERROR', 503: 'SERVICE_UNAVAILABLE' }[
      status
    ] ?? 'BAD_REQUEST';
  return JSON.stringify([
    { error: { json: { message: 'refused', code: -32600, data: { code, httpStatus: status } } } },
  ]);
}

/** A fetch that plays `answers` in order (the last one repeats) and counts the requests. */
function scripted(answers: Answer[]) {
  const sent: string[] = [];
  const fetch = (input: unknown) => {
    sent.push(String(input));
    const answer = answers[Math.min(sent.length, answers.length) - 1] ?? 'ok';
    if (answer === 'network') return Promise.reject(new TypeError('fetch failed'));
    if (answer === 'ok') {
      const body = JSON.stringify([{ result: { data: { json: { ok: true } } } }]);
      return Promise.resolve(
        new Response(body, { headers: { 'content-type': 'application/json' } }),
      );
    }
    const headers: Record<string, string> = {
      'content-type': answer.html ? 'text/html' : 'application/json',
    };
    if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
    const body = answer.html ? `<html>${answer.status}</html>` : errorBody(answer.status);
    return Promise.resolve(new Response(body, { status: answer.status, headers }));
  };
  return { fetch, sent };
}

const fast: RetryOptions = { baseDelayMs: 1 };

function client(
  answers: Answer[],
  retry: RetryOptions | false = fast,
  getToken: () => string | null = () => null,
) {
  const { fetch, sent } = scripted(answers);
  return {
    api: createInvoiceClient({ url: 'http://api.test/trpc', fetch, retry, getToken }),
    sent,
  };
}

// The fake server answers `{ ok: true }` to any path; the calls' types are the real router's.
const query = (c: ReturnType<typeof client>, signal?: AbortSignal) =>
  c.api.organization.byId.query({ orgId: ORG }, signal ? { signal } : undefined);
const createOrg = (c: ReturnType<typeof client>, idempotencyKey?: string) =>
  c.api.organization.create.mutate({
    name: 'Acme',
    currency: 'EUR',
    timezone: 'UTC',
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });

describe('@invoice/client retries', () => {
  it('a query that met 503, 429 and no answer at all is sent again until it succeeds', async () => {
    const c = client([{ status: 503, retryAfter: '0' }, { status: 429 }, 'network', 'ok'], {
      ...fast,
      attempts: 4,
    });
    await expect(query(c)).resolves.toEqual({ ok: true });
    expect(c.sent).toHaveLength(4);
  });

  it("502 and 504, from the API or as a proxy's page, are transient too", async () => {
    const c = client(
      [{ status: 502 }, { status: 504, html: true }, { status: 502, html: true }, 'ok'],
      {
        ...fast,
        attempts: 4,
      },
    );
    await expect(query(c)).resolves.toEqual({ ok: true });
    expect(c.sent).toHaveLength(4);
  });

  it("a proxy's page keeps its status: 4xx and 500 pages are not retried, and say what answered", async () => {
    for (const status of [400, 401, 404, 413, 500]) {
      const c = client([{ status, html: true }, 'ok']);
      const error = (await rejection(query(c))) as Error;
      expect(c.sent, String(status)).toHaveLength(1);
      expect(error.message).toContain(`HTTP ${status}: the answer is not tRPC JSON`);
      expect(apiErrorCode(error)).toBeNull();
    }
  });

  it('a failing getToken is not retried (nothing was sent)', async () => {
    let calls = 0;
    const c = client(['ok'], fast, () => {
      calls += 1;
      throw new Error('token refresh failed');
    });
    await rejection(createOrg(c, 'org-token'));
    expect(calls).toBe(1);
    expect(c.sent).toHaveLength(0);
  });

  it('gives up after `attempts` and returns the last failure with its code', async () => {
    const c = client([{ status: 503 }]);
    const error = await rejection(query(c));
    expect(apiErrorCode(error)).toBe('SERVICE_UNAVAILABLE');
    expect(c.sent).toHaveLength(3);
  });

  it('never retries a refusal (400, 404) or a 500', async () => {
    for (const status of [400, 404, 500]) {
      const c = client([{ status }, 'ok']);
      await rejection(query(c));
      expect(c.sent, String(status)).toHaveLength(1);
    }
  });

  it('retries a mutation only when it carries an idempotencyKey', async () => {
    const unkeyed = client(['network', 'ok']);
    await rejection(createOrg(unkeyed));
    expect(unkeyed.sent).toHaveLength(1);

    const keyed = client(['network', 'ok']);
    await expect(createOrg(keyed, 'org-1')).resolves.toEqual({ ok: true });
    expect(keyed.sent).toHaveLength(2);
  });

  it('returns at once when Retry-After asks for longer than maxDelayMs', async () => {
    const c = client([{ status: 503, retryAfter: '60' }, 'ok']);
    const started = Date.now();
    const error = await rejection(query(c));
    expect(apiErrorCode(error)).toBe('SERVICE_UNAVAILABLE');
    expect(c.sent).toHaveLength(1);
    // Not a timing assertion of the code under test: a wait of 60 s would time the test out.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  // tRPC answers some refusals of a whole request itself, without a content type, so Fetch labels
  // them text/plain: a batch over the server's TRPC_MAX_BATCH, a path it cannot decode. The body
  // is tRPC's error; it was read as a proxy's page and the calls failed with no code (failed
  // before). A proxy's plain-text page is still not tRPC's.
  it("reads tRPC's own error answered as text/plain, and nothing else that is text/plain", async () => {
    const refusal = JSON.stringify({
      error: {
        json: {
          message: 'Batch call exceeds maximum size',
          code: -32600,
          data: { code: 'BAD_REQUEST', httpStatus: 400 },
        },
      },
    });
    const answering = (body: string) =>
      createInvoiceClient({
        url: 'http://api.test/trpc',
        fetch: () =>
          Promise.resolve(
            new Response(body, {
              status: 400,
              headers: { 'content-type': 'text/plain;charset=UTF-8' },
            }),
          ),
        retry: false,
      });
    const trpc = await rejection(answering(refusal).organization.byId.query({ orgId: ORG }));
    expect(apiErrorCode(trpc)).toBe('BAD_REQUEST');
    expect((trpc as Error).message).toBe('Batch call exceeds maximum size');
    const proxy = await rejection(answering('Bad Request').organization.byId.query({ orgId: ORG }));
    expect(apiErrorCode(proxy)).toBeNull();
    expect((proxy as Error).message).toMatch(/not tRPC JSON/);
  });

  // The `fetch` option takes any fetch-like function (node-fetch in server-side rendering, a
  // Response of another realm): Retry-After was read only from a native Response, so a 503
  // asking for 60 s was sent again at once (failed before).
  it('reads Retry-After from an answer that is not a native Response', async () => {
    const { fetch, sent } = scripted([{ status: 503, retryAfter: '60' }, 'ok']);
    const foreign = (r: Response): unknown => ({
      ok: r.ok,
      status: r.status,
      statusText: r.statusText,
      headers: r.headers,
      body: r.body,
      json: () => r.json(),
      text: () => r.text(),
      clone: () => foreign(r.clone()),
    });
    const api = createInvoiceClient({
      url: 'http://api.test/trpc',
      fetch: async (input: unknown) => foreign(await fetch(input)) as Response,
      retry: fast,
    });
    const error = await rejection(api.organization.byId.query({ orgId: ORG }));
    expect(apiErrorCode(error)).toBe('SERVICE_UNAVAILABLE');
    expect(sent).toHaveLength(1);
  });

  it('waits as long as Retry-After says when it is within maxDelayMs', async () => {
    const c = client([{ status: 503, retryAfter: '1' }, 'ok']);
    const started = Date.now();
    await expect(query(c)).resolves.toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(c.sent).toHaveLength(2);
  });

  it("a caller's abort during the wait ends the call at once and never sends it again", async () => {
    // A 60 s wait: if the abort did not end it, the test would time out.
    const c = client([{ status: 503, retryAfter: '60' }, 'ok'], { maxDelayMs: 120_000 });
    const controller = new AbortController();
    const call = query(c, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    // The usual "cancel the old call, start a new one": tRPC batches calls made in one tick.
    const next = c.api.organization.list.query();
    const error = (await rejection(call)) as Error;
    expect(error).toMatchObject({ name: 'TRPCClientError' });
    expect(error.cause).toMatchObject({ name: 'AbortError' });
    await expect(next).resolves.toEqual({ ok: true });
    expect(c.sent).toHaveLength(2);
    expect(c.sent[1]).toContain('/trpc/organization.list?');
  });

  it('`retry: false` and `attempts: 1` send each call once', async () => {
    for (const retry of [false, { attempts: 1 }] as const) {
      const c = client([{ status: 503, retryAfter: '0' }, 'ok'], retry);
      await rejection(query(c));
      expect(c.sent).toHaveLength(1);
    }
  });

  it('refuses options no policy can mean', () => {
    expect(() => resolveRetryOptions({ attempts: 0 })).toThrow(/attempts/);
    expect(() => resolveRetryOptions({ attempts: 2.5 })).toThrow(/attempts/);
    expect(() => resolveRetryOptions({ baseDelayMs: -1 })).toThrow(/baseDelayMs/);
    expect(() => resolveRetryOptions({ maxDelayMs: Number.POSITIVE_INFINITY })).toThrow(
      /maxDelayMs/,
    );
    // Past 2^31 - 1 ms a timer fires at once.
    expect(() => resolveRetryOptions({ maxDelayMs: 3e9 })).toThrow(/maxDelayMs/);
    expect(() =>
      createInvoiceClient({ url: 'http://api.test/trpc', retry: { attempts: -1 } }),
    ).toThrow(RangeError);
  });
});

describe('retryPolicyLink', () => {
  it('unsubscribing during a wait ends it: no timer is left and nothing is sent again', () => {
    vi.useFakeTimers();
    try {
      const response = new Response(null, { status: 503, headers: { 'retry-after': '60' } });
      const unavailable = TRPCClientError.from(new Error('unavailable'), { meta: { response } });
      let attempts = 0;
      const link = retryPolicyLink<AnyTRPCRouter>(resolveRetryOptions({ maxDelayMs: 120_000 }))({});
      const op: Operation = {
        id: 1,
        type: 'query',
        path: 'organization.byId',
        input: { orgId: ORG },
        context: {},
        signal: null,
      };
      const seen: string[] = [];
      const subscription = link({
        op,
        next: () =>
          observable((observer) => {
            attempts += 1;
            observer.error(unavailable);
          }),
      }).subscribe({
        next: () => seen.push('next'),
        error: () => seen.push('error'),
        complete: () => seen.push('complete'),
      });
      // The first attempt failed with Retry-After: 60, so the link waits on one timer.
      expect(attempts).toBe(1);
      expect(vi.getTimerCount()).toBe(1);
      subscription.unsubscribe();
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(61_000);
      expect(attempts).toBe(1);
      expect(seen).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-11-29T10:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Sun, 29 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
    const junk = ['Soon 5', 'abc 2030', 'Sun, 29 Nov 2026 10:00:05', '29 Nov 2026 10:00:05 GMT'];
    for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '9'.repeat(12), ...junk]) {
      expect(retryAfterMs(bad, now), String(bad)).toBeNull();
    }
  });
});
