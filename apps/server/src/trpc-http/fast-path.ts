import type { AnyTRPCRouter } from '@trpc/server';
import type { FastifyHandlerOptions } from '@trpc/server/adapters/fastify';
import { getHTTPStatusCode, type TRPCRequestInfo } from '@trpc/server/http';
import {
  emptyObject,
  getErrorShape,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError,
  urlPathToProcedurePath,
  type AnyProcedure,
  type AnyRootTypes,
  type ProcedureType,
  type RootConfig,
  type TRPCErrorShape,
  type TRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withoutBom } from '../plugins/trpc-input-guard.js';

/**
 * The tRPC HTTP protocol for ordinary requests, answered straight from Fastify's request and
 * reply. It is `resolveResponse` (node_modules/@trpc/server/src/unstable-core-do-not-import/
 * http/resolveResponse.ts, 11.25) restricted to its JSON, non-streaming branches, step for step
 * and in the same order, with tRPC's own helpers for everything that decides an outcome (error
 * shape and formatter, transformer, status codes, procedure lookup). What it skips is the
 * adapter's conversion of every request to a Fetch `Request` and every answer to a `Response`
 * streamed back through Fastify, which costs most of the adapter's time for a cheap procedure.
 *
 * It answers only what it can answer exactly: `fastPathPlan` returns `null` for anything else
 * (HEAD and other methods, `trpc-accept`/`accept: application/jsonl` streaming, form data,
 * octet streams, other content types, subscriptions, connection params, a path or URL the
 * adapter would reject or read differently), and the caller hands that request to the official
 * adapter untouched.
 *
 * Differences, all outside the protocol: the body goes out with a Content-Length instead of
 * chunked; and in a POST batch, a call that fails without reading its input may report the
 * parsed input to onError where the adapter (still awaiting `req.text()`) reports undefined:
 * tRPC's `call.result()` is "the input if it was read already", a race in both.
 */

/** The official adapter's options; the fast path reads router, maxBatchSize, createContext, onError. */
export type FastPathOptions<TRouter extends AnyTRPCRouter> = FastifyHandlerOptions<
  TRouter,
  FastifyRequest,
  FastifyReply
>;

/** The adapter options the fast path cannot honour; with any of them set it stays off. */
const UNSUPPORTED_OPTIONS = [
  'responseMeta',
  'allowMethodOverride',
  'allowBatching',
  'batching',
] as const;

export function unsupportedFastPathOptions(options: object): string[] {
  return UNSUPPORTED_OPTIONS.filter(
    (key) => key in options && (options as Record<string, unknown>)[key] !== undefined,
  );
}

type Config = RootConfig<AnyRootTypes>;

function configOf(router: AnyTRPCRouter): Config {
  return router._def._config as Config;
}

/** getErrorShape (the router's errorFormatter) for one failed call or request. */
function errorShape(
  config: Config,
  opts: {
    error: TRPCError;
    ctx: unknown;
    input: unknown;
    path: string | undefined;
    type: ProcedureType | 'unknown';
  },
): TRPCErrorShape {
  return getErrorShape({ config, ...opts }) as TRPCErrorShape;
}

type ResultTuple<T> = [undefined, T] | [TRPCError, undefined];

interface Call {
  path: string;
  procedure: AnyProcedure | null;
  batchIndex: number;
  getRawInput: () => Promise<unknown>;
  result: () => unknown;
}

/** What the fast path will answer: everything read from the request, nothing sent yet. */
export interface FastPathPlan {
  method: 'GET' | 'POST';
  /** The request's URL as the adapter builds it (`info.url`). */
  url: URL;
  isBatchCall: boolean;
  /** The procedure paths, or the error getRequestInfo would have thrown. */
  calls: ResultTuple<{ calls: Call[]; type: ProcedureType | 'unknown' }>;
}

const ACCEPTED_METHOD: Record<ProcedureType, 'GET' | 'POST'> = {
  query: 'GET',
  mutation: 'POST',
  subscription: 'GET',
};

/** `hasContentType` of tRPC's contentType.ts: media types are case-insensitive. */
function isJsonContentType(value: string | undefined): boolean {
  return value?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';
}

/** Only plain printable ASCII, so `new URL()` and `URLSearchParams` read the same query. */
const PLAIN_URL = /^[\x21-\x7e]*$/;
/** A Host header `new URL()` accepts unchanged (the adapter answers 500 for a bad one). */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/**
 * `memo` of tRPC's contentType.ts, kept async in the same way: `result()` sees the inputs only
 * once a read has resumed, which decides the `input` a failed call reports to onError.
 */
function memo<T>(fn: () => Promise<T>): { read: () => Promise<T>; result: () => T | undefined } {
  let promise: Promise<T> | null = null;
  let done = false;
  let value: T | undefined;
  return {
    read: async () => {
      if (done) return value as T;
      promise ??= fn().catch((cause: unknown) => {
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: cause instanceof Error ? cause.message : 'Invalid input',
          cause,
        });
      });
      value = await promise;
      done = true;
      promise = null;
      return value;
    },
    result: () => (done ? value : undefined),
  };
}

/**
 * Reads a request the way tRPC's JSON content-type handler does, or returns `null` when the
 * request is not ordinary and belongs to the official adapter. Never sends anything.
 */
export async function fastPathPlan<TRouter extends AnyTRPCRouter>(
  req: FastifyRequest,
  pathParam: string,
  options: FastPathOptions<TRouter>,
): Promise<FastPathPlan | null> {
  const method = req.method;
  if (method !== 'GET' && method !== 'POST') return null;
  const headers = req.headers;
  if (headers['trpc-accept'] !== undefined) return null;
  const accept = headers.accept;
  if (accept?.split(',').some((t) => t.trim() === 'application/jsonl')) return null;
  const contentType = headers['content-type'];
  // GET without a content-type is JSON; anything but JSON goes to the adapter.
  if ((method === 'POST' || contentType !== undefined) && !isJsonContentType(contentType)) {
    return null;
  }
  if (method === 'POST' && typeof req.body !== 'string') return null;
  const rawUrl = req.raw.url ?? '';
  if (!PLAIN_URL.test(rawUrl) || rawUrl.includes('#')) return null;
  const host = headers.host;
  if (host !== undefined && !PLAIN_HOST.test(host)) return null;
  // A host that looks plain but does not make a URL (a port above 65535, 999.1.1.1): the
  // adapter refuses it before any procedure runs (plugin.ts answers that error).
  let url: URL;
  try {
    url = requestURL(req);
  } catch {
    return null;
  }

  // The query as the adapter reads it (`url.searchParams`); the URL is parsed once.
  const searchParams = url.searchParams;
  if (searchParams.has('connectionParams')) return null;

  let decoded: string;
  try {
    decoded = decodeURIComponent(pathParam);
  } catch {
    return null; // the adapter's BAD_REQUEST "Invalid URL-encoding in path"
  }
  const config = configOf(options.router);
  const path = urlPathToProcedurePath(decoded, config.pathSeparator);
  const isBatchCall = searchParams.get('batch') === '1';
  const paths = isBatchCall ? path.split(',') : [path];
  const plan = (calls: FastPathPlan['calls']): FastPathPlan => ({
    method,
    url,
    isBatchCall,
    calls,
  });

  const maxBatchSize = options.maxBatchSize;
  if (isBatchCall && typeof maxBatchSize === 'number' && paths.length > maxBatchSize) {
    return plan([
      new TRPCError({ code: 'BAD_REQUEST', message: `Batch call exceeds maximum size` }),
      undefined,
    ]);
  }

  const getInputs = memo(async (): Promise<Record<number, unknown>> => {
    let inputs: unknown = undefined;
    // A body's byte order mark is dropped, as the adapter's `Request.text()` does.
    const text = method === 'GET' ? searchParams.get('input') : withoutBom(req.body as string);
    if (text) inputs = JSON.parse(text);
    if (inputs === undefined) return emptyObject();
    const deserialize = (value: unknown): unknown =>
      config.transformer.input.deserialize(value) as unknown;
    if (!isBatchCall) {
      const result: Record<number, unknown> = emptyObject();
      result[0] = deserialize(inputs);
      return result;
    }
    if (!isObject(inputs)) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: '"input" needs to be an object when doing a batch call',
      });
    }
    const acc: Record<number, unknown> = emptyObject();
    for (const index of paths.keys()) {
      const input = inputs[index];
      if (input !== undefined) acc[index] = deserialize(input);
    }
    return acc;
  });

  let procedures: (AnyProcedure | null)[];
  try {
    procedures = await Promise.all(paths.map((p) => getProcedureAtPath(options.router, p)));
  } catch (cause) {
    return plan([getTRPCErrorFromUnknown(cause), undefined]);
  }
  const types = new Set<ProcedureType>();
  for (const procedure of procedures) if (procedure) types.add(procedure._def.type);
  if (types.has('subscription')) return null;
  if (types.size > 1) {
    return plan([
      new TRPCError({
        code: 'BAD_REQUEST',
        message: `Cannot mix procedure types in call: ${Array.from(types).join(', ')}`,
      }),
      undefined,
    ]);
  }
  const calls = paths.map((p, index): Call => ({
    path: p,
    procedure: procedures[index] ?? null,
    batchIndex: index,
    getRawInput: async () => (await getInputs.read())[index],
    result: () => getInputs.result()?.[index],
  }));
  const type: ProcedureType | 'unknown' = types.values().next().value ?? 'unknown';
  return plan([undefined, { calls, type }]);
}

/** `isDataStream` of resolveResponse.ts: such results need httpBatchStreamLink. */
function isDataStream(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (isAsyncIterable(v)) return true;
  return Object.values(v).some(isPromise) || Object.values(v).some(isAsyncIterable);
}

function streamInNonStreamingRequest(): TRPCError {
  return new TRPCError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
  });
}

/**
 * `transformTRPCResponseItem` of tRPC for the only two shapes built here (`{ result: { data } }`
 * and `{ error }`), without its two object spreads per response.
 */
function transformed(config: Config, res: TRPCResponse): TRPCResponse {
  const output = config.transformer.output;
  return 'error' in res
    ? { error: output.serialize(res.error) as TRPCErrorShape }
    : { result: { data: output.serialize(res.result.data) } };
}

/** The request's abort signal, as the adapter's incomingMessageToRequest makes it. */
function requestSignal(req: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const onAbort = () => {
    reply.raw.off('close', onClose);
    req.raw.off('aborted', onAbort);
    controller.abort();
  };
  const onClose = () => {
    if (reply.raw.writableEnded) {
      req.raw.off('aborted', onAbort);
      return;
    }
    onAbort();
  };
  reply.raw.once('close', onClose);
  req.raw.once('aborted', onAbort);
  return controller.signal;
}

function requestURL(req: FastifyRequest): URL {
  const encrypted = 'encrypted' in req.raw.socket && req.raw.socket.encrypted;
  return new URL(
    req.raw.url ?? '/',
    `${encrypted ? 'https:' : 'http:'}//${req.headers.host ?? 'localhost'}`,
  );
}

/**
 * Answers a planned request exactly as the official adapter would: same procedure calls,
 * same createContext and onError arguments, same status, body and tRPC headers.
 */
export async function answerFastPath<TRouter extends AnyTRPCRouter>(
  req: FastifyRequest,
  reply: FastifyReply,
  plan: FastPathPlan,
  options: FastPathOptions<TRouter>,
): Promise<void> {
  const config = configOf(options.router);
  const headers: Record<string, string> = { vary: 'trpc-accept, accept' };
  const send = (status: number, body: string) => {
    // Fetch's default for a string body the adapter sent without a content-type of its own.
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    void reply.code(status).headers(headers).send(Buffer.from(body));
  };

  const signal = requestSignal(req, reply);
  const [infoError, parsed] = plan.calls;
  let info: TRPCRequestInfo | undefined;
  let ctx: unknown;
  try {
    if (infoError) throw infoError;
    info = {
      isBatchCall: plan.isBatchCall,
      accept: null,
      calls: parsed.calls,
      type: parsed.type,
      connectionParams: null,
      signal,
      // A data property like the adapter's, built eagerly: a lazy getter in this literal cost
      // an old-space AccessorPair per request whose closure kept the whole request alive
      // through every scavenge until the next mark-compact (bench/README.md, "GC").
      url: plan.url,
    };
    let ctxError: TRPCError | undefined;
    try {
      ctx = await options.createContext?.({ req, res: reply, info });
    } catch (cause) {
      ctxError = getTRPCErrorFromUnknown(cause);
    }

    const rpcCalls = parsed.calls.map(async (call): Promise<ResultTuple<unknown>> => {
      const proc = call.procedure;
      try {
        if (!proc) {
          throw new TRPCError({
            code: 'NOT_FOUND',
            message: `No procedure found on path "${call.path}"`,
          });
        }
        if (ACCEPTED_METHOD[proc._def.type] !== plan.method) {
          headers.allow = ACCEPTED_METHOD[proc._def.type];
          throw new TRPCError({
            code: 'METHOD_NOT_SUPPORTED',
            message: `Unsupported ${plan.method}-request to ${proc._def.type} procedure at path "${call.path}"`,
          });
        }
        if (ctxError) throw ctxError;
        const data: unknown = await proc({
          path: call.path,
          getRawInput: call.getRawInput,
          ctx,
          type: proc._def.type,
          signal,
          batchIndex: call.batchIndex,
        });
        return [undefined, data];
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        options.onError?.({
          error,
          path: call.path,
          input: call.result(),
          ctx,
          type: proc?._def.type ?? 'unknown',
          req,
        });
        return [error, undefined];
      }
    });

    if (!plan.isBatchCall) {
      const call = parsed.calls[0]!;
      const [error, data] = await rpcCalls[0]!;
      headers['content-type'] = 'application/json';
      if (!error && isDataStream(data)) throw streamInNonStreamingRequest();
      const res: TRPCResponse = error
        ? {
            error: errorShape(config, {
              ctx,
              error,
              input: call.result(),
              path: call.path,
              type: parsed.type,
            }),
          }
        : { result: { data } };
      const status = getHTTPStatusCode([res], error ? [error] : []);
      send(status, JSON.stringify(transformed(config, res)));
      return;
    }

    headers['content-type'] = 'application/json';
    const results = (await Promise.all(rpcCalls)).map((res): ResultTuple<unknown> => {
      const [error, data] = res;
      if (!error && isDataStream(data)) return [streamInNonStreamingRequest(), undefined];
      return res;
    });
    const responses = results.map(([error, data], index): TRPCResponse => {
      const call = parsed.calls[index]!;
      if (!error) return { result: { data } };
      return {
        error: errorShape(config, {
          ctx,
          error,
          input: call.result(),
          path: call.path,
          type: call.procedure?._def.type ?? 'unknown',
        }),
      };
    });
    const status = getHTTPStatusCode(
      responses,
      results.map(([error]) => error),
    );
    send(status, JSON.stringify(responses.map((res) => transformed(config, res))));
  } catch (cause) {
    // caughtErrorToData: a failed parse, a stream result in a single call, a throwing transformer.
    const error = getTRPCErrorFromUnknown(cause);
    const type = info?.type ?? 'unknown';
    options.onError?.({ error, path: undefined, input: undefined, ctx, type, req });
    const res: TRPCResponse = {
      error: errorShape(config, { error, type, path: undefined, input: undefined, ctx }),
    };
    const body = JSON.stringify(transformed(config, res));
    send(getHTTPStatusCode(res, [error]), body);
  }
}
